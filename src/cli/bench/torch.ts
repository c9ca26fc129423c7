/**
 * The PyTorch reference: runs `torch_reference.py` (kept in the team's
 * `shared/bench/` folder beside the repository, or named by
 * `$TORCH_REFERENCE`) on the same MNIST files, when python3 with torch is
 * installed, and parses its JSON lines.
 *
 * A ratio is only fair against the PyTorch a user would have: Debian's
 * `python3-torch` does its dense products through whatever `libblas.so.3` the
 * system selects, and without OpenBLAS that is the reference BLAS, about 3×
 * slower for the MLP and 2× for the CNN. The script names the BLAS it used
 * (`"blas"`); {@link unfairBlas} says when a ratio must not be printed.
 *
 * @module
 */

/** One line of torch_reference.py's output. */
export interface TorchResult {
  framework: string;
  model: "mlp" | "cnn";
  threads: number;
  /** The BLAS PyTorch's products went through: `openblas`, `mkl`, `reference`, `none-found`, `unknown`. */
  blas?: string;
  batch: number;
  samples: number;
  seconds: number;
  samples_per_s: number;
  train_acc: number;
}

/** Environment variable naming the reference script, overriding the search in {@link torchScriptPath}. */
export const TORCH_REFERENCE_ENV_VAR = "TORCH_REFERENCE";

/** The reference script's place relative to a folder above the repository. */
const SHARED_SCRIPT = "shared/bench/torch_reference.py";

/** What to install for a fair comparison on Debian/Ubuntu. */
export const TORCH_SETUP_HINT = "apt-get install -y python3-torch libopenblas0-pthread";

/** BLAS libraries a user's PyTorch would use: a ratio against anything else is not printed. */
export const FAIR_BLAS: readonly string[] = ["openblas", "mkl"];

function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Where the reference script is: `$TORCH_REFERENCE` if set, else the first
 * `shared/bench/torch_reference.py` in a folder above the repository (the main
 * checkout's sibling `../shared/`, or a worktree's `../../shared/`). When none
 * exists, the nearest candidate, for the message saying it was not found.
 */
export function torchScriptPath(): string {
  const fromEnv = envVar(TORCH_REFERENCE_ENV_VAR);
  if (fromEnv) return fromEnv;
  const repoRoot = new URL("../../../", import.meta.url);
  const candidates: string[] = [];
  for (let up = new URL("../", repoRoot); candidates.length < 4; up = new URL("../", up)) {
    candidates.push(decodeURIComponent(new URL(SHARED_SCRIPT, up).pathname));
    if (up.pathname === "/") break;
  }
  return candidates.find(isFile) ?? candidates[0];
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
  const env = envVar("TORCH_PYTHON");
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
  if (!isFile(script)) {
    return `torch comparison skipped: ${script} not found (set ${TORCH_REFERENCE_ENV_VAR} to its path)`;
  }
  if ((await findTorchPython()) == null) {
    return `torch comparison skipped: no python3 with torch (Debian: ${TORCH_SETUP_HINT})`;
  }
  return null;
}

/**
 * Why a ratio against these PyTorch runs would be unfair, or null if it is
 * fair: a BLAS other than {@link FAIR_BLAS} (the reference BLAS, none, or a
 * script too old to say).
 */
export function unfairBlas(results: readonly TorchResult[]): string | null {
  const used = [...new Set(results.map((r) => r.blas ?? "unknown"))];
  const unfair = used.filter((b) => !FAIR_BLAS.includes(b));
  if (unfair.length === 0) return null;
  return `no ratio: PyTorch used the ${unfair.join("/")} BLAS, not OpenBLAS or MKL, so its dense products are ` +
    `2-3x slower than a user's PyTorch. Install OpenBLAS (Debian: apt-get install -y libopenblas0-pthread) and ` +
    `run the bench again`;
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
