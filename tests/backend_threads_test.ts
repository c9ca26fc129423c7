/**
 * Kernel threads (src/backend/kernel_threads.ts) and the shared heap they need
 * (src/backend/shared_memory.ts): a kernel split over threads must give the
 * same bits as on one thread, and a training run the same weights, so
 * training stays deterministic whatever the number of cores.
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { sliceSplit } from "../src/data/splits.ts";
import { imageTensor, oneHotTensor } from "../src/data/tensors.ts";
import { createReportCnn } from "../src/models/presets.ts";
import { withSeed } from "../src/random.ts";
import { isShared, MAX_MEMORY_PAGES, sharedMemoryImport } from "../src/backend/shared_memory.ts";
import {
  kernelThreadJobs,
  type KernelThreads,
  kernelThreads,
  setKernelThreads,
  splitRange,
} from "../src/backend/kernel_threads.ts";
import { threadsWanted } from "../src/backend/switches.ts";
import { backendMemory } from "../src/backend/wasm_util.ts";
import { data } from "./kernel_compare.ts";

// deno-lint-ignore no-explicit-any
const backend = () => tf.backend() as any;

/** The kernel threads, once a worker is ready (they start on the first request), or null after 20 s. */
async function readyThreads(): Promise<KernelThreads | null> {
  for (let waited = 0; waited < 20_000; waited += 50) {
    const threads = kernelThreads(backend());
    if (threads != null) return threads;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

/** `f`'s result with the kernel threads on and off; with threads on, some kernel must have been split. */
async function onAndOff<T>(f: () => T | Promise<T>): Promise<{ on: T; off: T }> {
  setKernelThreads(true);
  try {
    const jobs = kernelThreadJobs();
    const on = await f();
    if (threads != null) assert(kernelThreadJobs() > jobs, "no kernel ran on more than one thread");
    setKernelThreads(false);
    const off = await f();
    return { on, off };
  } finally {
    setKernelThreads(true);
  }
}

function bits(values: Float32Array | Float32Array[]): number[] {
  const list = Array.isArray(values) ? values : [values];
  return list.flatMap((v) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length)));
}

Deno.test("shared memory: a module's own memory becomes a shared import, an imported one is marked shared", () => {
  // (module (memory 2 10) (func (export "put") (param i32 f32) (f32.store (local.get 0) (local.get 1))))
  const defined = new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00, // header
    0x01,
    0x06,
    0x01,
    0x60,
    0x02,
    0x7f,
    0x7d,
    0x00, // type: (i32, f32) -> ()
    0x03,
    0x02,
    0x01,
    0x00, // function 0 has type 0
    0x05,
    0x04,
    0x01,
    0x01,
    0x02,
    0x0a, // memory: min 2, max 10
    0x07,
    0x07,
    0x01,
    0x03,
    0x70,
    0x75,
    0x74,
    0x00,
    0x00, // export "put"
    0x0a,
    0x0b,
    0x01,
    0x09,
    0x00,
    0x20,
    0x00,
    0x20,
    0x01,
    0x38,
    0x02,
    0x00,
    0x0b, // code
  ]);
  const rewritten = sharedMemoryImport(defined);
  assertEquals([rewritten.initial, rewritten.maximum], [2, 10]);
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 10, shared: true });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(rewritten.bytes), { env: { memory } });
  (instance.exports.put as (at: number, value: number) => void)(8, 1.5);
  assertEquals(new Float32Array(memory.buffer, 8, 1)[0], 1.5);
  assert(isShared(memory));
  // The same module rewritten again (its memory is now an import) stays loadable, with the given maximum.
  const again = sharedMemoryImport(rewritten.bytes, MAX_MEMORY_PAGES);
  assertEquals([again.initial, again.maximum], [2, MAX_MEMORY_PAGES]);
  new WebAssembly.Module(again.bytes);
  // A module without memory is refused, not silently changed.
  const noMemory = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  assertThrows(() => sharedMemoryImport(noMemory), Error, "no memory");
});

Deno.test("splitRange: aligned, covering, in order", () => {
  assertEquals(splitRange(100, 2, 32), [[0, 64], [64, 36]]);
  assertEquals(splitRange(5408, 4, 8), [[0, 1352], [1352, 1352], [2704, 1352], [4056, 1352]]);
  assertEquals(splitRange(3, 16, 1), [[0, 1], [1, 1], [2, 1]]);
  assertEquals(splitRange(10, 3, 8), [[0, 8], [8, 2]]);
});

const wanted = threadsWanted();
const threads = wanted > 1 ? await readyThreads() : null;

Deno.test("kernel threads: the backend's heap is shared and a worker starts when more than one thread is wanted", () => {
  const memory = backendMemory(backend());
  assert(memory != null);
  if (wanted === 1) {
    assert(!isShared(memory), "one thread: the heap stays as TensorFlow.js made it");
    assertEquals(kernelThreads(backend()), null);
    return;
  }
  assert(isShared(memory), "the backend's heap is not shared");
  assert(threads != null, "no kernel thread became ready in 20 s");
  assertEquals(threads.threads, wanted);
});

Deno.test("kernel threads: products, convolution and pooling give the same bits on every thread count", async () => {
  const shapes: [number[], number[], boolean, boolean][] = [
    [[32, 5408], [5408, 100], false, false], // the CNN's dense layer, forward
    [[32, 5408], [32, 100], true, false], // its weight gradient xᵀ·dy
    [[32, 100], [5408, 100], false, true], // its input gradient dy·Wᵀ
    [[37, 533], [533, 77], false, false], // odd sizes: partial tiles and panels
    [[37, 533], [37, 77], true, false],
    [[37, 77], [533, 77], false, true],
  ];
  for (const [sa, sb, ta, tb] of shapes) {
    const a = tf.tensor(data(sa, 1), sa), b = tf.tensor(data(sb, 2), sb);
    const { on, off } = await onAndOff(() => tf.tidy(() => tf.matMul(a, b, ta, tb).dataSync() as Float32Array));
    assertEquals(bits(on), bits(off), `matMul ${sa}·${sb} (${ta}, ${tb})`);
    tf.dispose([a, b]);
  }
  // Sparse A (an MNIST batch: mostly zeros) takes the sparse kernel.
  const pixels = tf.tensor(data([64, 784], 3, (rng) => rng() < 0.8 ? 0 : rng()), [64, 784]);
  const w = tf.tensor(data([784, 128], 4), [784, 128]);
  const sparse = await onAndOff(() => tf.tidy(() => tf.matMul(pixels, w).dataSync() as Float32Array));
  assertEquals(bits(sparse.on), bits(sparse.off), "sparse product");
  const x = tf.tensor4d(data([33, 28, 28, 1], 5), [33, 28, 28, 1]);
  const filter = tf.tensor4d(data([3, 3, 1, 32], 6), [3, 3, 1, 32]);
  const conv = await onAndOff(() =>
    tf.tidy(() => {
      const y = tf.conv2d(x, filter, 1, "valid");
      return [y.dataSync() as Float32Array, tf.maxPool(y, 2, 2, "valid").dataSync() as Float32Array];
    })
  );
  assertEquals(bits(conv.on), bits(conv.off), "convolution and pooling");
  // The filter gradient, its rows shared out: valid and same padding, stride 1 and 2, a 5×5 filter.
  const cases: [number, "valid" | "same", number][] = [[3, "valid", 1], [3, "same", 1], [3, "valid", 2], [
    5,
    "same",
    1,
  ]];
  for (const [k, pad, stride] of cases) {
    const f = tf.tensor4d(data([k, k, 1, 32], 7), [k, k, 1, 32]);
    const grad = await onAndOff(() =>
      tf.tidy(() => {
        const dw = tf.grad((filter: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, filter as tf.Tensor4D, stride, pad))))(
          f,
        );
        return dw.dataSync() as Float32Array;
      })
    );
    assertEquals(bits(grad.on), bits(grad.off), `filter gradient ${k}×${k} ${pad} stride ${stride}`);
    f.dispose();
  }
  tf.dispose([pixels, w, x, filter]);
});

Deno.test("kernel threads: the report's CNN trains to the same bits with and without threads", async () => {
  const mnist = await loadMnist();
  const split = sliceSplit(mnist.train, 0, 160);
  const images = imageTensor(split), labels = oneHotTensor(split);
  const trained = await onAndOff(async () => {
    const model = createReportCnn(11);
    await withSeed(3, () => model.fit(images, labels, { batchSize: 32, epochs: 2, shuffle: true, verbose: 0 }));
    const weights = model.getWeights().map((t) => t.dataSync() as Float32Array);
    model.dispose();
    return weights;
  });
  assertEquals(bits(trained.on), bits(trained.off));
  tf.dispose([images, labels]);
});
