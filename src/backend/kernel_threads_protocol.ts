/**
 * The layout of the kernel threads' shared control block, used by
 * `kernel_threads.ts` (the calling thread) and `kernel_worker.ts` (each
 * worker). One job at a time: a function, and the arguments of its chunks
 * (one call each); every thread takes the next chunk from a shared counter
 * until none is left, so a worker that is slow to wake (another process on
 * its core) only takes fewer chunks.
 *
 * @module
 */

/** Int32 slots of the control block. */
export const CONTROL = {
  /** Raised by the caller to post a job. */
  seq: 0,
  /** Index of the job's function in {@link KernelWorkerInit.functions}. */
  fn: 1,
  /** Number of chunks of the job. */
  chunks: 2,
  /** The next chunk to take (atomic counter); {@link CLOSED} between jobs. */
  next: 3,
  /** Workers inside the job (atomic counter): the caller returns when it is back to 0. */
  active: 4,
  /** Set to 1 by a worker whose call threw. */
  failed: 5,
  /** Workers that started and instantiated the modules. */
  ready: 6,
  /** Workers that could not start. */
  broken: 7,
} as const;

/** {@link CONTROL.next} between jobs: no chunk to take. */
export const CLOSED = 0x3fffffff;
/** Byte offset of the chunks' arguments (float64) in the control block. */
export const ARGS_OFFSET = 64;
/** Most chunks of a job. */
export const MAX_CHUNKS = 16;
/** Most arguments of one call. */
export const MAX_ARITY = 20;
/** Bytes of the control block. */
export const CONTROL_BYTES = ARGS_OFFSET + 8 * MAX_CHUNKS * MAX_ARITY;
/** Checks of a flag before a thread sleeps on it (a few microseconds). */
export const SPIN_CHECKS = 2_000;

/** What a kernel thread receives when it starts. */
export interface KernelWorkerInit {
  memory: WebAssembly.Memory;
  /** Our modules, compiled to import a shared memory, by name (`gemm`, `conv`, `simd`). */
  modules: Record<string, WebAssembly.Module>;
  /** The functions jobs name by index, as `module.export`. */
  functions: string[];
  control: SharedArrayBuffer;
}
