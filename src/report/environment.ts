/**
 * What a result was produced with: library versions and the machine, for
 * `manifest.json` and the benchmark.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { backendName } from "../tf.ts";

/** Versions of the runtime and of every library whose behaviour shapes the numbers. */
export function versionInfo(): Record<string, string> {
  // the import map pins these; read them from deno.json's specifiers to stay in step
  const pins: Record<string, string> = {};
  try {
    const config = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)));
    for (const [name, spec] of Object.entries(config.imports as Record<string, string>)) {
      const match = /@([^@/]+)$/.exec(spec);
      if (match) pins[name] = match[1];
    }
  } catch {
    // deno.json unreadable: report what the runtime knows
  }
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    tfjs: tf.version.tfjs,
    ...pins,
  };
}

/** CPU model, logical cores, memory and OS of this machine. */
export function machineInfo(): Record<string, string | number> {
  let cpu = "unknown";
  try {
    const line = Deno.readTextFileSync("/proc/cpuinfo").split("\n").find((l) => l.startsWith("model name"));
    if (line) cpu = line.split(":")[1].trim();
  } catch {
    // not Linux
  }
  let memoryGiB = 0;
  try {
    memoryGiB = Math.round((Deno.systemMemoryInfo().total / 2 ** 30) * 10) / 10;
  } catch {
    // not available
  }
  return {
    cpu,
    logicalCores: navigator.hardwareConcurrency,
    memoryGiB,
    os: `${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`,
    backend: backendName(),
  };
}
