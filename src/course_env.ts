/**
 * The course's switches, read from the environment, so that every notebook and
 * command honours them the same way:
 *
 * | variable          | effect                                                                     |
 * | ----------------- | -------------------------------------------------------------------------- |
 * | `MNIST_QUICK=1`   | quick mode: the first 2,000 training and 500 test images (a dry run)      |
 * | `MNIST_CACHE_DIR` | where trained runs are cached (default `data/models/`)                    |
 * | `MNIST_RETRAIN=1` | train again even when a run is cached (and replace the cached one)        |
 * | `MNIST_BACKEND`   | `wasm` (default) or `cpu` (`src/tf.ts`)                                    |
 *
 * @module
 */

/** Environment variable of quick mode. */
export const QUICK_ENV_VAR = "MNIST_QUICK";
/** Environment variable naming the model cache folder. */
export const CACHE_DIR_ENV_VAR = "MNIST_CACHE_DIR";
/** Environment variable that forces retraining. */
export const RETRAIN_ENV_VAR = "MNIST_RETRAIN";

/** Sizes of quick mode: the first images of each split (epochs stay as written). */
export const QUICK_SIZES = { trainCount: 2000, testCount: 500 } as const;

/** An environment variable, or undefined when unset or not readable (no `--allow-env`). */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** True for a set switch: anything but unset, empty, `0` or `false`. */
function isOn(value: string | undefined): boolean {
  const v = value?.trim().toLowerCase();
  return v !== undefined && v !== "" && v !== "0" && v !== "false";
}

/** True in quick mode (`MNIST_QUICK=1`). */
export function isQuickMode(): boolean {
  return isOn(readEnv(QUICK_ENV_VAR));
}

/** The model cache folder from `MNIST_CACHE_DIR`, or undefined for the default. */
export function cacheDirFromEnv(): string | undefined {
  const value = readEnv(CACHE_DIR_ENV_VAR)?.trim();
  return value ? value : undefined;
}

/** True when `MNIST_RETRAIN=1` asks to train again instead of restoring cached runs. */
export function retrainFromEnv(): boolean {
  return isOn(readEnv(RETRAIN_ENV_VAR));
}
