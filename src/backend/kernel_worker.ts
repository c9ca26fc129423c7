/**
 * A kernel thread (started by `kernel_threads.ts`): instantiates our
 * hand-written modules on the backend's shared memory, then takes chunks of
 * the jobs the calling thread posts (see `kernel_threads_protocol.ts`),
 * forever.
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import { ARGS_OFFSET, CONTROL, type KernelWorkerInit, MAX_ARITY, SPIN_CHECKS } from "./kernel_threads_protocol.ts";

type KernelCall = (...args: number[]) => unknown;

function instantiate(init: KernelWorkerInit): KernelCall[] {
  const instances: Record<string, WebAssembly.Exports> = {};
  for (const [name, module] of Object.entries(init.modules)) {
    instances[name] = new WebAssembly.Instance(module, { env: { memory: init.memory } }).exports;
  }
  return init.functions.map((qualified) => {
    const [module, fn] = qualified.split(".");
    const f = instances[module]?.[fn];
    if (typeof f !== "function") throw new Error(`no function ${qualified}`);
    return f as KernelCall;
  });
}

parentPort?.once("message", (init: KernelWorkerInit) => {
  const control = new Int32Array(init.control);
  const args = new Float64Array(init.control, ARGS_OFFSET);
  let functions: KernelCall[];
  try {
    functions = instantiate(init);
  } catch (error) {
    console.error(`kernel thread: ${error}`);
    Atomics.add(control, CONTROL.broken, 1);
    Atomics.notify(control, CONTROL.broken);
    return;
  }
  Atomics.add(control, CONTROL.ready, 1);
  let seen = Atomics.load(control, CONTROL.seq);
  for (;;) {
    // A short spin first: jobs come in bursts within a training step, and a futex wake costs 5–30 µs.
    for (let i = 0; i < SPIN_CHECKS && Atomics.load(control, CONTROL.seq) === seen; i++);
    while (Atomics.load(control, CONTROL.seq) === seen) Atomics.wait(control, CONTROL.seq, seen);
    seen = Atomics.load(control, CONTROL.seq);
    // Counted in before taking a chunk: the caller waits for `active` to fall back to 0.
    Atomics.add(control, CONTROL.active, 1);
    for (;;) {
      const chunk = Atomics.add(control, CONTROL.next, 1);
      if (chunk >= control[CONTROL.chunks]) break;
      const call = functions[control[CONTROL.fn]];
      const at = chunk * MAX_ARITY;
      try {
        call(...Array.from(args.subarray(at, at + call.length)));
      } catch (error) {
        console.error(`kernel thread: ${init.functions[control[CONTROL.fn]]}: ${error}`);
        Atomics.store(control, CONTROL.failed, 1);
      }
    }
    Atomics.sub(control, CONTROL.active, 1);
    Atomics.notify(control, CONTROL.active);
  }
});
