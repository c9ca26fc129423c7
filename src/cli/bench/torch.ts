/**
 * The PyTorch reference: runs `../shared/bench/torch_reference.py` (next to
 * the repository) on the same MNIST files, when python3 with torch is
 * installed, and parses its JSON lines.
 *
 * @module
 */

/** One line of torch_reference.py's output. */
export interface TorchResult {
  framework: string;
  model: "mlp" | "cnn";
  threads: number;
  batch: number;
  samples: number;
  seconds: number;
  samples_per_s: number;
  train_acc: number;
}

/** Where the reference script lives: `../shared/bench/` from the repository root. */
export function torchScriptPath(): string {
  return decodeURIComponent(new URL("../../../../shared/bench/torch_reference.py", import.meta.url).pathname);
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function output(cmd: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const decoder = new TextDecoder();
    return { ok: out.success, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
  } catch (error) {
    return { ok: false, stdout: "", stderr: String(error) };
  }
}

/**
 * A python interpreter that can import torch: `$TORCH_PYTHON` if set, else
 * `python3`, else `/usr/bin/python3` (Debian's python3-torch installs there,
 * while a pyenv `python3` earlier on the PATH may not see it).
 */
export async function findTorchPython(): Promise<{ python: string; version: string } | null> {
  let env: string | undefined;
  try {
    env = Deno.env.get("TORCH_PYTHON");
  } catch {
    env = undefined;
  }
  const candidates = env ? [env] : ["python3", "/usr/bin/python3"];
  for (const python of candidates) {
    const probe = await output(python, ["-c", "import torch; print(torch.__version__)"]);
    if (probe.ok) return { python, version: probe.stdout.trim() };
  }
  return null;
}

/** Why the torch comparison cannot run here, or null if it can. */
export async function torchUnavailable(): Promise<string | null> {
  const script = torchScriptPath();
  if (!(await exists(script))) return `torch comparison skipped: ${script} not found`;
  if ((await findTorchPython()) == null) {
    return "torch comparison skipped: no python3 with torch (Debian: apt-get install python3-torch)";
  }
  return null;
}

/** Runs the reference for both models at one batch size. */
export async function runTorchReference(
  dataDir: string,
  samples: number,
  batch: number,
  threads: number | null = null,
): Promise<TorchResult[]> {
  const found = await findTorchPython();
  if (found == null) throw new Error("no python3 with torch");
  const args = [torchScriptPath(), "--data", dataDir, "--model", "both", "--samples", String(samples)];
  args.push("--batch", String(batch));
  if (threads != null) args.push("--threads", String(threads));
  const out = await output(found.python, args);
  if (!out.ok) throw new Error(`torch_reference.py failed: ${out.stderr.trim().split("\n").at(-1)}`);
  return out.stdout.split("\n").filter((line) => line.trim().startsWith("{")).map((line) => JSON.parse(line));
}
