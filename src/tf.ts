/**
 * The one place TensorFlow.js is imported, its backend chosen and the fast
 * path installed.
 *
 * Every other module (and every notebook) imports `tf` from here, so for any
 * model, including one a student writes in a cell with plain `tf.sequential`:
 * - the backend and the project's kernels (`src/backend/`) are in force;
 * - on wasm, every `compile` is followed by the fast path
 *   (`src/backend/fast_path.ts`: fused loss and metric, direct training step)
 *   where the model allows it, and by TensorFlow.js's stock functions elsewhere;
 * - `model.save("file://...")` and `tf.loadLayersModel("file://...")` work as
 *   in tfjs-node (`src/model_files.ts`).
 * Importing this module initialises the backend (top-level await), so `tf` is
 * ready to use.
 *
 * Backend choice: `wasm` (default, fast on a CPU) or `cpu` (TensorFlow.js's
 * plain-JavaScript reference backend, slow), chosen by the environment
 * variable `MNIST_BACKEND`. `backendName()` says which is in force.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { registerWasmOverrides, threadsWanted } from "./backend/overrides.ts";
import { withSharedBackendMemory } from "./backend/shared_memory.ts";
import { installFastPath } from "./backend/fast_path.ts";
import { fileRouter } from "./model_files.ts";
import { tr } from "./i18n.ts";

/** Backends this project can run on. */
export const SUPPORTED_BACKENDS = ["wasm", "cpu"] as const;
/** One of {@link SUPPORTED_BACKENDS}. */
export type BackendName = typeof SUPPORTED_BACKENDS[number];
/** Environment variable that picks the backend. */
export const BACKEND_ENV_VAR = "MNIST_BACKEND";

/** The folder holding the backend's `.wasm` binaries, as a file path ending in `/`. */
function wasmDistDir(): string {
  const entry = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
  if (!entry.startsWith("file:")) {
    throw new Error(
      `cannot locate the wasm binaries of @tensorflow/tfjs-backend-wasm (resolved to ${entry}); ` +
        `run from the repository, whose deno.json sets "nodeModulesDir": "auto"`,
    );
  }
  const url = new URL(".", entry);
  return decodeURIComponent(url.pathname);
}

/** Reads the backend name from the environment, failing clearly on an unknown one. */
export function requestedBackend(): BackendName {
  let value: string | undefined;
  try {
    value = Deno.env.get(BACKEND_ENV_VAR);
  } catch {
    value = undefined; // no --allow-env: use the default
  }
  const name = (value ?? "wasm").trim().toLowerCase();
  if (!(SUPPORTED_BACKENDS as readonly string[]).includes(name)) {
    throw new Error(
      `${BACKEND_ENV_VAR}=${value} is not a backend this project supports; use one of: ${
        SUPPORTED_BACKENDS.join(", ")
      }`,
    );
  }
  return name as BackendName;
}

async function initialise(): Promise<BackendName> {
  const name = requestedBackend();
  if (name === "wasm") {
    // The single-threaded SIMD build: Deno's workers cannot start emscripten's
    // pthread workers without a shim, and measured threads did not pay at batch 32.
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    setWasmPaths(wasmDistDir());
    registerWasmOverrides();
  }
  // Our kernels' threads need the backend's heap in shared memory (src/backend/kernel_threads.ts).
  const shareHeap = name === "wasm" && threadsWanted() > 1;
  const ok = shareHeap ? await withSharedBackendMemory(() => tf.setBackend(name)) : await tf.setBackend(name);
  if (!ok) throw new Error(`TensorFlow.js could not initialise the '${name}' backend`);
  await tf.ready();
  if (name === "wasm") installFastPathOnCompile();
  tf.io.registerSaveRouter(fileRouter);
  tf.io.registerLoadRouter(fileRouter);
  return name;
}

/**
 * Wraps `LayersModel.prototype.compile` so that every compiled model gets the
 * fast path. (A `Sequential` model compiles the `LayersModel` it wraps, so
 * this covers both; `tf.loadLayersModel` compiles through it too.)
 */
function installFastPathOnCompile(): void {
  const proto = tf.LayersModel.prototype as { compile: (args: tf.ModelCompileArgs) => void } & {
    [FAST_PATH_WRAPPED]?: true;
  };
  if (proto[FAST_PATH_WRAPPED]) return;
  const stockCompile = proto.compile;
  proto.compile = function (this: tf.LayersModel, args: tf.ModelCompileArgs) {
    stockCompile.call(this, args);
    installFastPath(this, args);
  };
  proto[FAST_PATH_WRAPPED] = true;
}

const FAST_PATH_WRAPPED = Symbol.for("mnist-course.fastPathWrapped");

const activeBackend = await initialise();

/** The backend in force for this process (`"wasm"` or `"cpu"`). */
export function backendName(): BackendName {
  return activeBackend;
}

/** One line that tells the user which engine runs their models. */
export function backendSummary(): string {
  return `TensorFlow.js ${tf.version.tfjs}, ${tr({ en: "backend", ko: "백엔드" })}: ${activeBackend}` +
    (activeBackend === "wasm"
      ? ` (WebAssembly + SIMD, ${wasmThreadsSummary()})`
      : tr({ en: " (plain JavaScript)", ko: " (순수 JavaScript)" }));
}

/** How many threads the project's wasm kernels use (the backend's own kernels use one). */
function wasmThreadsSummary(): string {
  const threads = threadsWanted();
  return threads > 1
    ? tr({ en: `our kernels on ${threads} threads`, ko: `이 과정의 커널, 스레드 ${threads}개` })
    : tr({ en: "1 thread", ko: "스레드 1개" });
}

export { tf };
