/**
 * Our kernels on more than one core: worker threads that call the same
 * hand-written wasm functions on the backend's shared heap
 * (`shared_memory.ts`), each on its own part of a kernel's output.
 *
 * Why: the wasm backend computes on one core, and a 2-core laptop's second
 * core idled through training. The large kernels of a step (the dense
 * products, the convolution, Adam, the pooling gradient) split into parts
 * that write disjoint parts of the output, each element computed by the same
 * instructions in the same order as on one thread, so the results are bit for
 * bit those of one thread (tested) and training stays deterministic whatever
 * the number of threads or the timing.
 *
 * How: one `node:worker_threads` worker per extra thread (unreferenced, so a
 * finished program exits), started on first use; until one is ready kernels
 * run on one thread. A kernel is cut into chunks (up to 16: blocks of rows,
 * columns, images or elements), posted through a small shared control block
 * (`kernel_threads_protocol.ts`) with `Atomics.notify`; the caller and the
 * workers take chunks from a shared counter until none is left, and the caller
 * waits for the workers still in a chunk. A worker whose core is busy with
 * another process so takes fewer chunks instead of holding the caller up. A
 * wake-up costs about 5–30 µs, so only kernels of at least
 * {@link MIN_PARALLEL_WORK} are cut up. If the caller keeps waiting for a
 * worker stuck in a chunk (its core taken away), threads pause for a while
 * (see {@link STALL_MIN_MS}).
 *
 * Switches (`switches.ts`): `MNIST_KERNEL_THREADS=N` (threads in all, default
 * the number of cores up to 4; 1 turns threads off), and `Threads` in
 * `MNIST_WASM_OVERRIDES_OFF` (also leaves the backend's memory unshared).
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import {
  ARGS_OFFSET,
  CLOSED,
  CONTROL,
  CONTROL_BYTES,
  type KernelWorkerInit,
  MAX_ARITY,
  MAX_CHUNKS,
  SPIN_CHECKS,
} from "./kernel_threads_protocol.ts";
import { isShared } from "./shared_memory.ts";
import { threadsWanted } from "./switches.ts";
import { type AnyBackend, backendMemory, sharedKernelModules } from "./wasm_util.ts";

/** The functions a kernel thread can run, as `module.export`. */
export const KERNEL_FUNCTIONS = [
  "gemm.gemm_bcast",
  "gemm.gemm_dot",
  "gemm.sparse_lists",
  "gemm.sparse_rows",
  "conv.conv2dForward",
  "conv.conv2dFilterGrad",
  "simd.adam",
  "simd.addBiasRelu",
  "simd.maxPool2x2",
  "simd.maxPoolReluGrad2x2",
] as const;

/** One of {@link KERNEL_FUNCTIONS}. */
export type KernelFunction = typeof KERNEL_FUNCTIONS[number];

/**
 * Smallest kernel, in multiply-adds (or float operations for elementwise
 * kernels), worth cutting up: about 20–60 µs of work on one thread, against a
 * 5–30 µs wake-up of a worker.
 */
export const MIN_PARALLEL_WORK = 1 << 20;
/**
 * Work counted per element of a pass over memory (bias + ReLU, pooling and
 * its gradient) for {@link MIN_PARALLEL_WORK}: such a pass moves 12–20 bytes
 * per element, about as long as a few multiply-adds.
 */
export const PASS_WORK = 4;
/**
 * A job stalled when this thread, done with the chunks it could take, waited
 * for a worker longer than {@link STALL_MIN_MS} and longer than it had worked:
 * the worker's core was taken by another process in the middle of a chunk.
 * After {@link STALL_STRIKES} such jobs (a job without a stall takes one
 * back), kernels run on this thread for the next {@link PAUSE_CALLS} calls, then
 * threads are tried again. The results are the same bits either way; this only
 * keeps a busy machine from making threads slower than one thread.
 */
export const STALL_MIN_MS = 0.3;
/** See {@link STALL_MIN_MS}. */
export const STALL_STRIKES = 3;
/** See {@link STALL_MIN_MS}. */
export const PAUSE_CALLS = 500;
/** How long the caller waits for a worker still in a chunk before giving up on threads (a hung worker). */
export const WORKER_TIMEOUT_MS = 30_000;

/** A wasm export: a kernel function of this thread's instance. */
export type LocalKernel = (...args: number[]) => unknown;

/** Kernel threads ready to take chunks of a kernel. */
export interface KernelThreads {
  /** Threads that can work on a kernel: this one and the ready workers. */
  readonly threads: number;
  /**
   * Runs `fn` once per chunk (each entry of `chunks` one call's arguments) on
   * this thread (`local`: this thread's instance of `fn`) and the workers;
   * returns when every chunk is done.
   */
  run(fn: KernelFunction, chunks: readonly number[][], local: LocalKernel): void;
}

interface Pool {
  workers: Worker[];
  control: Int32Array;
  args: Float64Array;
  seq: number;
  broken: boolean;
  /** Recent jobs in which this thread waited long for a worker (see {@link STALL_STRIKES}). */
  strikes: number;
  /** Kernel calls left to run on one thread after a worker stalled too often. */
  paused: number;
}

const pools = new WeakMap<object, Pool | null>();
let enabled = true;
let jobs = 0;
let pauses = 0;

/** How often the threads were paused because a worker stalled (see {@link STALL_MIN_MS}). */
export function kernelThreadPauses(): number {
  return pauses;
}

/** How many kernels have been run on more than one thread since the program started (for tests and the bench). */
export function kernelThreadJobs(): number {
  return jobs;
}

/** Turns the kernel threads on or off for the calls that follow (tests, A/B timings); returns the old setting. */
export function setKernelThreads(on: boolean): boolean {
  const old = enabled;
  enabled = on;
  return old;
}

function startPool(memory: WebAssembly.Memory, workers: number): Pool | null {
  const buffer = new SharedArrayBuffer(CONTROL_BYTES);
  const pool: Pool = {
    workers: [],
    control: new Int32Array(buffer),
    args: new Float64Array(buffer, ARGS_OFFSET),
    seq: 0,
    broken: false,
    strikes: 0,
    paused: 0,
  };
  pool.control[CONTROL.next] = CLOSED;
  try {
    const init: KernelWorkerInit = {
      memory,
      modules: sharedKernelModules(),
      functions: [...KERNEL_FUNCTIONS],
      control: buffer,
    };
    for (let i = 0; i < workers; i++) {
      const worker = new Worker(new URL("./kernel_worker.ts", import.meta.url));
      worker.unref(); // a finished program exits without waiting for its kernel threads
      worker.on("error", (error) => {
        console.error(`kernel thread failed, computing on one thread from now on: ${error}`);
        pool.broken = true;
      });
      worker.postMessage(init);
      pool.workers.push(worker);
    }
  } catch (error) {
    console.error(`kernel threads unavailable, computing on one thread: ${error}`);
    for (const worker of pool.workers) worker.terminate();
    return null;
  }
  return pool;
}

function takeChunks(pool: Pool, local: LocalKernel, count: number): void {
  const { control, args } = pool;
  const arity = local.length;
  for (;;) {
    const chunk = Atomics.add(control, CONTROL.next, 1);
    if (chunk >= count) return;
    const at = chunk * MAX_ARITY;
    local(...Array.from(args.subarray(at, at + arity)));
  }
}

function waitForWorkers(pool: Pool): void {
  const { control } = pool;
  for (let i = 0; i < SPIN_CHECKS && Atomics.load(control, CONTROL.active) !== 0; i++);
  const start = performance.now();
  for (
    let active = Atomics.load(control, CONTROL.active);
    active !== 0;
    active = Atomics.load(control, CONTROL.active)
  ) {
    Atomics.wait(control, CONTROL.active, active, 100);
    if (performance.now() - start > WORKER_TIMEOUT_MS) {
      pool.broken = true;
      throw new Error(`a kernel thread did not finish its chunk in ${WORKER_TIMEOUT_MS / 1000} s`);
    }
  }
}

function poolThreads(pool: Pool): KernelThreads | null {
  const ready = Atomics.load(pool.control, CONTROL.ready);
  if (pool.broken || ready === 0) return null;
  if (pool.paused > 0) {
    pool.paused--;
    return null;
  }
  return {
    threads: ready + 1,
    run(fn, chunks, local) {
      const { control, args } = pool;
      if (chunks.length > MAX_CHUNKS) throw new Error(`${fn}: more than ${MAX_CHUNKS} chunks`);
      if (local.length > MAX_ARITY) throw new Error(`${fn}: more than ${MAX_ARITY} arguments`);
      chunks.forEach((call, i) => args.set(call, i * MAX_ARITY));
      control[CONTROL.fn] = KERNEL_FUNCTIONS.indexOf(fn);
      control[CONTROL.chunks] = chunks.length;
      control[CONTROL.failed] = 0;
      Atomics.store(control, CONTROL.next, 0);
      Atomics.store(control, CONTROL.seq, ++pool.seq);
      jobs++;
      Atomics.notify(control, CONTROL.seq);
      let error: unknown = null;
      const start = performance.now();
      try {
        takeChunks(pool, local, chunks.length);
      } catch (e) {
        error = e;
      }
      // No chunk is left to take; wait for the workers still in one (they write into tensors the caller owns).
      Atomics.store(control, CONTROL.next, CLOSED);
      const worked = performance.now();
      try {
        waitForWorkers(pool);
      } catch (e) {
        error ??= e;
      }
      const waited = performance.now() - worked;
      if (waited > STALL_MIN_MS && waited > worked - start) {
        if (++pool.strikes >= STALL_STRIKES) {
          pool.strikes = 0;
          pool.paused = PAUSE_CALLS;
          pauses++;
        }
      } else if (pool.strikes > 0) pool.strikes--;
      if (error == null && control[CONTROL.failed] !== 0) {
        pool.broken = true;
        error = new Error(`${fn} failed on a kernel thread`);
      }
      if (error != null) throw error;
    },
  };
}

/**
 * The kernel threads for this backend, or null when kernels should run on one
 * thread: threads switched off, one core, the backend's memory not shared, or
 * no worker ready yet (they start on the first call).
 */
export function kernelThreads(backend: AnyBackend): KernelThreads | null {
  const key = backend as object;
  let pool = pools.get(key);
  if (pool === undefined) {
    const memory = backendMemory(backend);
    const wanted = threadsWanted();
    pool = memory != null && isShared(memory) && wanted > 1 ? startPool(memory, wanted - 1) : null;
    pools.set(key, pool);
  }
  return pool == null || !enabled ? null : poolThreads(pool);
}

/**
 * Cuts `[0, total)` into at most `parts` ranges whose starts are multiples
 * of `align` (so that every chunk's tiles start where one thread's would),
 * as even as that allows. Empty ranges are left out.
 */
export function splitRange(total: number, parts: number, align: number): [start: number, count: number][] {
  const units = Math.ceil(total / align);
  const out: [number, number][] = [];
  let start = 0;
  for (let p = 0; p < parts && start < total; p++) {
    const end = Math.min(total, Math.round((units * (p + 1)) / parts) * align);
    if (end > start) out.push([start, end - start]);
    start = Math.max(start, end);
  }
  return out;
}

/**
 * Called after each {@link runInParts} with the function, its wall time in ms
 * and its work as the caller counted it (multiply-adds for products and
 * convolutions), for `profile_step.ts`.
 */
export type KernelProfiler = (fn: KernelFunction, ms: number, work: number) => void;
let profiler: KernelProfiler | null = null;

/** Sets (or, with null, removes) the {@link KernelProfiler}; returns the previous one. */
export function setKernelProfiler(next: KernelProfiler | null): KernelProfiler | null {
  const old = profiler;
  profiler = next;
  return old;
}

/**
 * Runs a kernel over `[0, total)`: in one call on this thread when `threads`
 * is null or the work is below {@link MIN_PARALLEL_WORK}, else in up to
 * `chunks` chunks (starts aligned to `align`) on all threads.
 * `argsFor(start, count)` gives the arguments of the call that computes
 * `[start, start + count)`.
 */
export function runInParts(
  threads: KernelThreads | null,
  fn: KernelFunction,
  local: LocalKernel,
  total: number,
  align: number,
  work: number,
  argsFor: (start: number, count: number) => number[],
  chunks = MAX_CHUNKS,
): void {
  const start = profiler == null ? 0 : performance.now();
  if (threads == null || work < MIN_PARALLEL_WORK || total <= align) {
    local(...argsFor(0, total));
  } else {
    threads.run(fn, splitRange(total, Math.min(chunks, MAX_CHUNKS), align).map(([s, c]) => argsFor(s, c)), local);
  }
  profiler?.(fn, performance.now() - start, work);
}
