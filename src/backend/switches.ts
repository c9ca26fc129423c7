/**
 * The backend's on/off switches, all read from the environment in this one
 * place. For measuring what a part gains (`deno task bench` with and without
 * it) and as an escape hatch; everything is on by default.
 *
 * | variable | value | effect |
 * | --- | --- | --- |
 * | `MNIST_BACKEND` | `wasm` (default) or `cpu` | the TensorFlow.js backend (`src/tf.ts`) |
 * | `MNIST_WASM_OVERRIDES_OFF` | comma-separated names, or `all` | leaves out the parts named below |
 * | `MNIST_KERNEL_THREADS` | a number ≥ 1 | threads our kernels use in all (default: the cores, at most 4; 1: one thread) |
 * | `MNIST_FUSED_ADAM` | `0` | the stock Adam update instead of the fused pass |
 *
 * Names `MNIST_WASM_OVERRIDES_OFF` takes: a kernel name of `overrides.ts`'s
 * list (`BatchMatMul`, `_FusedMatMul`, `Conv2D`, `FusedConv2D`,
 * `Conv2DBackpropInput`, `MaxPool`, `MaxPoolGrad`, `Sum`, `GatherV2`,
 * `Identity`, `Cast`, `Add`; `Conv2DBackpropFilter` always stays, the stock
 * backend has none), `Adam` (fused Adam), `MnistReluGrad` and
 * `MnistSoftmaxGrad` (the one-kernel gradients), `Loss` (the fused loss and
 * metric), `Step` (the direct training step), `Threads` (kernel threads, and
 * the shared heap they need), or `all` (everything but the filter gradient).
 *
 * @module
 */

/** Environment variable listing overrides to leave out (see the module comment). */
export const OVERRIDES_OFF_ENV_VAR = "MNIST_WASM_OVERRIDES_OFF";
/** Environment variable setting the number of threads our kernels use in all. */
export const KERNEL_THREADS_ENV_VAR = "MNIST_KERNEL_THREADS";
/** Environment variable that, set to `0`, keeps the stock Adam update. */
export const FUSED_ADAM_ENV_VAR = "MNIST_FUSED_ADAM";
/** The `MNIST_WASM_OVERRIDES_OFF` name for kernel threads. */
export const THREADS_SWITCH = "Threads";
/** Most threads used when {@link KERNEL_THREADS_ENV_VAR} is not set. */
export const DEFAULT_MAX_THREADS = 4;

function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: the defaults
  }
}

/** The names listed in {@link OVERRIDES_OFF_ENV_VAR}. */
export function disabledOverrides(): Set<string> {
  return new Set((envVar(OVERRIDES_OFF_ENV_VAR) ?? "").split(",").map((s) => s.trim()).filter((s) => s !== ""));
}

/** Whether the part `name` is on (not named in {@link OVERRIDES_OFF_ENV_VAR}, nor `all`). */
export function overrideEnabled(name: string): boolean {
  const off = disabledOverrides();
  return !off.has("all") && !off.has(name);
}

/** Whether `compileFor` installs the fused loss and metric (`fused_loss.ts`). */
export function fusedLossEnabled(): boolean {
  return overrideEnabled("Loss");
}

/** Whether `compileFor` installs the direct training step (`direct_step.ts`). */
export function directStepEnabled(): boolean {
  return overrideEnabled("Step");
}

/** Whether the fused Adam update runs ({@link FUSED_ADAM_ENV_VAR} is not `0`). */
export function fusedAdamEnabled(): boolean {
  return envVar(FUSED_ADAM_ENV_VAR) !== "0";
}

/**
 * Threads our kernels use in all, this one included: {@link KERNEL_THREADS_ENV_VAR}
 * if set, else the cores up to {@link DEFAULT_MAX_THREADS}; 1 when `Threads` or
 * `all` is switched off. Throws on a value that is not a whole number ≥ 1.
 */
export function threadsWanted(): number {
  if (!overrideEnabled(THREADS_SWITCH)) return 1;
  const value = envVar(KERNEL_THREADS_ENV_VAR);
  if (value == null || value.trim() === "") {
    const cores = typeof navigator !== "undefined" ? navigator.hardwareConcurrency ?? 1 : 1;
    return Math.max(1, Math.min(cores, DEFAULT_MAX_THREADS));
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${KERNEL_THREADS_ENV_VAR}=${value} is not a thread count; use a whole number ≥ 1 (1: no threads)`);
  }
  return n;
}
