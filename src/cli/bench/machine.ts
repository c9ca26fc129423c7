/**
 * What the benchmark ran on: core count, CPU model, memory high-water mark.
 *
 * @module
 */
import { backendSummary, tf } from "../../tf.ts";

/** The machine and software a benchmark ran on. */
export interface MachineInfo {
  cores: number;
  cpu: string;
  os: string;
  deno: string;
  tfjs: string;
  backend: string;
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** Describes this machine (Linux details from /proc where available). */
export function machineInfo(): MachineInfo {
  const cpuinfo = readText("/proc/cpuinfo");
  const model = cpuinfo?.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim();
  return {
    cores: navigator.hardwareConcurrency,
    cpu: model ?? Deno.build.arch,
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    deno: Deno.version.deno,
    tfjs: tf.version.tfjs,
    backend: backendSummary(),
  };
}

/** Resident set size now, in MiB. */
export function rssMiB(): number {
  return Deno.memoryUsage().rss / 2 ** 20;
}

/**
 * The process's peak resident set size so far, in MiB: `VmHWM` from
 * /proc/self/status on Linux, else the current RSS (a lower bound).
 */
export function peakRssMiB(): number {
  const status = readText("/proc/self/status");
  const kb = status?.match(/^VmHWM:\s*(\d+)\s*kB$/m)?.[1];
  return kb != null ? Number(kb) / 1024 : rssMiB();
}

/** The 1-minute load average (runnable processes), or null where /proc/loadavg is absent. */
export function loadAverage(): number | null {
  const text = readText("/proc/loadavg");
  const value = text == null ? NaN : Number(text.split(" ")[0]);
  return Number.isFinite(value) ? value : null;
}
