/**
 * Every wasm kernel override (src/backend/) against TensorFlow.js's cpu
 * backend, the reference: values and gradients on the same data, across the
 * shapes and attributes the overrides handle (and a few they hand back to the
 * stock kernels).
 *
 * Tolerance: |wasm − cpu| ≤ 1e-4 · (|cpu| + max|cpu|), i.e. 1e-4 relative to
 * the larger of the element and the tensor's scale (float32 sums of thousands
 * of products differ in their last bits between the two backends).
 */
import { assert, assertEquals } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { assertClose, compare, data, input, run } from "./kernel_compare.ts";
import { WASM_OVERRIDES } from "../src/backend/overrides.ts";
import { choosePlan, setSparseProducts } from "../src/backend/mat_mul.ts";
import { setIm2colLimit } from "../src/backend/conv2d_backprop_filter.ts";
import { adamStepInto, setFusedAdam } from "../src/backend/fused_adam.ts";
import { simdKernels } from "../src/backend/simd_kernels.ts";
import { gemmKernels } from "../src/backend/gemm_kernels.ts";
import { setMaxPoolGradSimd } from "../src/backend/max_pool_grad.ts";
import { setSumSimd } from "../src/backend/sum.ts";
import { createReportCnn, createReportMlp, inputShapeOf } from "../src/models/presets.ts";

function wasmBackendDataIds(): number {
  return (tf.engine().backend as unknown as { numDataIds(): number }).numDataIds();
}

Deno.test("overrides are registered on wasm and the process runs on wasm", () => {
  assertEquals(tf.getBackend(), "wasm");
  for (const config of WASM_OVERRIDES) {
    assertEquals(tf.getKernel(config.kernelName, "wasm")?.kernelFunc, config.kernelFunc, config.kernelName);
  }
});

Deno.test("matMul: values and gradients match cpu for both transposes and many shapes", async () => {
  const shapes: [number, number, number][] = [
    [3, 5, 4],
    [32, 784, 128], // the MLP's first layer
    [32, 5408, 100], // the CNN's dense layer
    [1, 784, 128], // one drawn digit
    [7, 1, 9],
    [5, 6, 1],
    [1, 6, 1],
    [17, 33, 2],
    // edges of the direct kernels' tiles: rows not a multiple of 4, columns of 8, 4 and scalar, k in several
    // blocks of 128 and not a multiple of 4 (the dot form's scalar tail)
    [6, 130, 13],
    [5, 257, 12],
    [33, 7, 20],
    [2, 3, 3],
  ];
  let seed = 1;
  for (const [m, k, n] of shapes) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const a = input(transposeA ? [k, m] : [m, k], seed++);
        const b = input(transposeB ? [n, k] : [k, n], seed++);
        await compare(
          `matMul ${m}x${k}x${n} tA=${transposeA} tB=${transposeB}`,
          [a, b],
          (x, y) => tf.matMul(x, y, transposeA, transposeB),
        );
      }
    }
  }
});

Deno.test("matMul: the direct FMA kernels are reachable on wasm, so training products take them", () => {
  // Without them every product silently falls back to the planner below: still right, but slower.
  assert(gemmKernels(tf.backend() as unknown as Parameters<typeof gemmKernels>[0]) != null);
});

Deno.test("matMul: the fallback planner uses both plans in a training step", () => {
  // forward x·W packs W (large) → swapped; dW = xᵀ·dy → plain; dx = dy·Wᵀ → swapped.
  assertEquals(choosePlan({ m: 32, k: 5408, n: 100, transposeA: false, transposeB: false }), "swapped");
  assertEquals(choosePlan({ m: 5408, k: 32, n: 100, transposeA: true, transposeB: false }), "plain");
  assertEquals(choosePlan({ m: 32, k: 100, n: 5408, transposeA: false, transposeB: true }), "swapped");
  // inference with cached weights: plain, no packing.
  assertEquals(choosePlan({ m: 1, k: 784, n: 128, transposeA: false, transposeB: false, bPacked: true }), "plain");
});

Deno.test("matMul: batched and broadcast products (stock path) match cpu", async () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[2, 3, 4], [2, 4, 5], false, false],
    [[2, 4, 3], [2, 4, 5], true, false],
    [[2, 3, 4], [2, 5, 4], false, true],
    [[2, 3, 4], [1, 4, 5], false, false],
    [[3, 4], [2, 4, 5], false, false],
    [[1, 4, 3], [1, 5, 4], true, true],
  ];
  let seed = 100;
  for (const [sa, sb, tA, tB] of cases) {
    const a = input(sa, seed++);
    const b = input(sb, seed++);
    // tfjs-core's matMul gradient does not reduce broadcast batch dimensions (on any backend): values only there.
    const sameBatch = sa.length === sb.length && sa[0] === sb[0];
    await compare(`matMul ${sa}·${sb} tA=${tA} tB=${tB}`, [a, b], (x, y) => tf.matMul(x, y, tA, tB), sameBatch);
  }
});

Deno.test("matMul: the same weights used twice (cached packing) and after a change give right values", async () => {
  const x = input([4, 50], 7), w1 = input([50, 6], 8), w2 = input([50, 6], 9);
  const expected1 = await run("cpu", [x, w1], (a, b) => tf.matMul(a, b), false);
  const expected2 = await run("cpu", [x, w2], (a, b) => tf.matMul(a, b), false);
  assert(await tf.setBackend("wasm"));
  const xt = tf.tensor(x.values, x.shape);
  const w = tf.variable(tf.tensor(w1.values, w1.shape));
  for (let i = 0; i < 3; i++) {
    const y = tf.matMul(xt, w);
    assertClose(Float32Array.from(y.dataSync()), expected1[0], `call ${i}`);
    y.dispose();
  }
  w.assign(tf.tensor(w2.values, w2.shape));
  const y = tf.matMul(xt, w);
  assertClose(Float32Array.from(y.dataSync()), expected2[0], "after assign");
  tf.dispose([y, xt, w]);
});

Deno.test("fused matMul: a reused dense weight (inference) gives the same bits on every call, and stays right", async () => {
  // the report CNN's Dense(100) on one image: a product's result must not depend on what ran before it
  // (a model just trained and the same model loaded from disk must evaluate alike)
  const x = input([1, 5408], 11), w1 = input([5408, 100], 12), w2 = input([5408, 100], 13), b = input([100], 14);
  const dense = (a: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) =>
    tf.fused.matMul({ a: a as tf.Tensor2D, b: w as tf.Tensor2D, bias, activation: "relu" });
  const expected1 = await run("cpu", [x, w1, b], dense, false);
  const expected2 = await run("cpu", [x, w2, b], dense, false);
  assert(await tf.setBackend("wasm"));
  const xt = tf.tensor(x.values, x.shape), bt = tf.tensor(b.values, b.shape);
  const w = tf.variable(tf.tensor(w1.values, w1.shape));
  let first: Float32Array | null = null;
  for (let i = 0; i < 4; i++) {
    const y = dense(xt, w, bt);
    const values = Float32Array.from(y.dataSync());
    assertClose(values, expected1[0], `call ${i}`);
    first ??= values;
    assertEquals(Array.from(values), Array.from(first), `call ${i} is bit for bit the first call`);
    y.dispose();
  }
  w.assign(tf.tensor(w2.values, w2.shape)); // a training step: new weights, new tensor
  for (let i = 0; i < 2; i++) {
    const y = dense(xt, w, bt);
    assertClose(Float32Array.from(y.dataSync()), expected2[0], `after assign, call ${i}`);
    y.dispose();
  }
  tf.dispose([xt, bt, w]);
});

Deno.test("fused matMul: bias and activations match cpu, values and gradients", async () => {
  const cases: { m: number; k: number; n: number; tA: boolean; tB: boolean; bias: number[] | null; act: string }[] = [
    { m: 32, k: 5408, n: 100, tA: false, tB: false, bias: [100], act: "relu" },
    { m: 32, k: 784, n: 128, tA: false, tB: false, bias: [128], act: "relu" },
    { m: 32, k: 100, n: 10, tA: false, tB: false, bias: [10], act: "linear" },
    { m: 9, k: 300, n: 40, tA: true, tB: false, bias: [40], act: "relu6" },
    { m: 9, k: 300, n: 40, tA: false, tB: true, bias: [1], act: "relu" },
    { m: 40, k: 300, n: 9, tA: true, tB: true, bias: null, act: "relu" },
    { m: 12, k: 2000, n: 30, tA: false, tB: false, bias: null, act: "linear" },
    { m: 12, k: 200, n: 30, tA: false, tB: false, bias: [12, 30], act: "relu" }, // 2-D bias
    { m: 12, k: 200, n: 30, tA: false, tB: false, bias: [12, 1], act: "linear" }, // column bias
    { m: 12, k: 20, n: 30, tA: false, tB: false, bias: [1], act: "relu" }, // one value, plain plan
    { m: 12, k: 200, n: 30, tA: false, tB: true, bias: [30], act: "elu" }, // activation the swap does not apply
  ];
  let seed = 200;
  for (const c of cases) {
    const a = input(c.tA ? [c.k, c.m] : [c.m, c.k], seed++);
    const b = input(c.tB ? [c.n, c.k] : [c.k, c.n], seed++);
    const inputs = [a, b];
    if (c.bias) inputs.push(input(c.bias, seed++));
    await compare(
      `fused ${JSON.stringify(c)}`,
      inputs,
      (x, y, bias) =>
        tf.fused.matMul({
          a: x,
          b: y,
          transposeA: c.tA,
          transposeB: c.tB,
          bias,
          activation: c.act as tf.fused.Activation,
        }),
    );
  }
});

Deno.test("maxPool gradient matches cpu: strides, padding, overlapping pools, ties, all-negative windows", async () => {
  const cases: {
    shape: number[];
    f: number | [number, number];
    s: number | [number, number];
    pad: "valid" | "same";
  }[] = [
    { shape: [32, 26, 26, 32], f: 2, s: 2, pad: "valid" }, // the report's CNN
    { shape: [2, 6, 6, 3], f: 2, s: 2, pad: "same" },
    { shape: [2, 7, 5, 3], f: 2, s: 2, pad: "valid" }, // odd sizes: last row/column unused
    { shape: [2, 7, 5, 8], f: 2, s: 2, pad: "valid" }, // the same, on the SIMD path
    { shape: [2, 6, 6, 4], f: 2, s: 2, pad: "same" }, // SIMD path
    { shape: [2, 7, 5, 3], f: 2, s: 2, pad: "same" }, // odd sizes: padded windows
    { shape: [1, 8, 8, 2], f: 3, s: 1, pad: "same" }, // overlapping
    { shape: [1, 8, 8, 2], f: 3, s: 2, pad: "valid" }, // overlapping
    { shape: [2, 9, 9, 4], f: 3, s: 2, pad: "same" },
    { shape: [1, 6, 9, 1], f: [2, 3], s: [1, 2], pad: "valid" },
  ];
  const generators: [string, (rng: () => number) => number][] = [
    ["random", (rng) => rng() * 2 - 1],
    ["ties", (rng) => Math.floor(rng() * 3)], // many equal maxima
    ["all negative", (rng) => -0.1 - rng()], // the stock kernel loses these
    ["zeros", () => 0],
    ["NaN and ±Infinity", (rng) => [NaN, Infinity, -Infinity, 1, -1][Math.floor(rng() * 5)]],
  ];
  let seed = 300;
  for (const simd of [true, false]) {
    const old = setMaxPoolGradSimd(simd);
    try {
      for (const c of cases) {
        for (const [name, gen] of generators) {
          if (c.shape[0] === 32 && name !== "random" && name !== "all negative") continue;
          await compare(
            `maxPool ${JSON.stringify(c)} ${name} simd=${simd}`,
            [input(c.shape, seed++, gen)],
            (x) => tf.maxPool(x as tf.Tensor4D, c.f, c.s, c.pad),
            true,
            // The stock forward MaxPool (XNNPACK) treats NaN differently from cpu; ours (2×2, stride 2,
            // channels a multiple of 4, see max_pool.ts) takes it as cpu does.
            !name.startsWith("NaN") || (c.f === 2 && c.s === 2 && c.shape[3] % 4 === 0),
          );
        }
      }
    } finally {
      setMaxPoolGradSimd(old);
    }
  }
});

Deno.test("maxPool gradient of an all-negative window is not lost", async () => {
  assert(await tf.setBackend("wasm"));
  const x = tf.tensor4d([-4, -1, -3, -2], [1, 2, 2, 1]);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, "valid")))(x);
  assertEquals(Array.from(dx.dataSync()), [0, 1, 0, 0]);
  tf.dispose([x, dx]);
});

Deno.test("sum over leading axes matches cpu (and other reductions still work)", async () => {
  const cases: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
    { shape: [32, 26, 26, 32], axis: [0, 1, 2], keepDims: false }, // the conv bias gradient
    { shape: [32, 100], axis: 0, keepDims: false },
    { shape: [32, 10], axis: [0], keepDims: true },
    { shape: [4, 5, 6], axis: [1, 0], keepDims: false }, // unsorted
    { shape: [4, 5, 6], axis: [-3, -2], keepDims: true }, // negative
    { shape: [4, 5, 6], axis: [2], keepDims: false }, // innermost: stock
    { shape: [4, 5, 6], axis: [0, 2], keepDims: false }, // interleaved: stock
    { shape: [4, 5, 6], axis: [0, 1, 2], keepDims: false }, // all: stock
    { shape: [7], axis: 0, keepDims: false },
    { shape: [70001, 8], axis: 0, keepDims: false }, // many rows, not a multiple of the 64-row blocks
    { shape: [3, 2, 12], axis: [0, 1], keepDims: true },
  ];
  for (const simd of [true, false]) {
    const old = setSumSimd(simd);
    try {
      let seed = 400;
      for (const c of cases) {
        await compare(
          `sum ${JSON.stringify(c)} simd=${simd}`,
          [input(c.shape, seed++)],
          (x) => tf.sum(x, c.axis, c.keepDims),
        );
      }
    } finally {
      setSumSimd(old);
    }
  }
  assert(await tf.setBackend("wasm"));
  const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], "int32");
  const s = tf.sum(ints, 0);
  assertEquals(s.dtype, "int32");
  assertEquals(Array.from(s.dataSync()), [9, 12]);
  tf.dispose([ints, s]);
});

const CONV_CASES: { x: number[]; f: number[]; s: number | [number, number]; pad: "valid" | "same" | number }[] = [
  { x: [32, 28, 28, 1], f: [3, 3, 1, 32], s: 1, pad: "valid" }, // the report's CNN
  { x: [2, 8, 8, 1], f: [3, 3, 1, 4], s: 1, pad: "same" },
  { x: [2, 8, 8, 1], f: [3, 3, 1, 4], s: 2, pad: "valid" },
  { x: [2, 9, 7, 3], f: [3, 3, 3, 5], s: 2, pad: "same" },
  { x: [2, 9, 7, 3], f: [3, 3, 3, 5], s: 1, pad: "valid" },
  { x: [3, 11, 11, 8], f: [5, 5, 8, 16], s: 1, pad: "same" },
  { x: [3, 10, 10, 32], f: [3, 3, 32, 64], s: 2, pad: "same" },
  { x: [2, 6, 6, 2], f: [1, 1, 2, 3], s: 1, pad: "valid" },
  { x: [2, 7, 7, 2], f: [2, 3, 2, 3], s: [2, 1], pad: "same" },
  { x: [1, 6, 6, 2], f: [3, 3, 2, 2], s: 1, pad: 1 },
];

Deno.test("conv2d filter gradient on wasm equals cpu: strides, same/valid padding, channel counts", async () => {
  let seed = 500;
  for (const c of CONV_CASES) {
    await compare(
      `conv2d ${JSON.stringify(c)}`,
      [input(c.x, seed++), input(c.f, seed++)],
      (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.s, c.pad),
    );
  }
});

Deno.test("conv2d filter gradient: the batch cut into chunks (one image each) also equals cpu", async () => {
  const old = setIm2colLimit(0);
  try {
    let seed = 600;
    for (const c of CONV_CASES.filter((c) => c.x[0] <= 3)) {
      await compare(
        `conv2d chunked ${JSON.stringify(c)}`,
        [input(c.x, seed++), input(c.f, seed++)],
        (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.s, c.pad),
      );
    }
  } finally {
    setIm2colLimit(old);
  }
});

Deno.test("the report's CNN as functional ops: loss gradients w.r.t. every weight equal cpu", async () => {
  const inputs = [
    input([16, 28, 28, 1], 700, (rng) => rng()), // images in [0,1]
    input([3, 3, 1, 32], 701, (rng) => (rng() - 0.5) * 0.5),
    input([32], 702, (rng) => (rng() - 0.5) * 0.1),
    input([5408, 100], 703, (rng) => (rng() - 0.5) * 0.06),
    input([100], 704, (rng) => (rng() - 0.5) * 0.1),
    input([100, 10], 705, (rng) => (rng() - 0.5) * 0.4),
    input([10], 706, (rng) => (rng() - 0.5) * 0.1),
  ];
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), "int32"), 10);
  const labelValues = Float32Array.from(labels.dataSync());
  labels.dispose();
  await compare("cnn", inputs, (x, k, kb, w1, b1, w2, b2) => {
    const conv = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, "valid"), kb));
    const pooled = tf.reshape(tf.maxPool(conv as tf.Tensor4D, 2, 2, "valid"), [16, 5408]);
    const hidden = tf.fused.matMul({ a: pooled, b: w1, bias: b1, activation: "relu" });
    const logits = tf.fused.matMul({ a: hidden, b: w2, bias: b2 });
    return tf.losses.softmaxCrossEntropy(tf.tensor2d(labelValues, [16, 10]), logits);
  });
});

async function leakCheck(create: () => tf.LayersModel, onehot: boolean) {
  assert(await tf.setBackend("wasm"));
  const n = 96;
  const model = create();
  const x = tf.tensor(data([n, 28, 28, 1], 800, (rng) => rng()), [n, ...inputShapeOf(model)]);
  const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), "int32");
  const y = onehot ? tf.oneHot(labels, 10) : labels.cast("float32");
  await model.fit(x, y, { batchSize: 32, epochs: 1, verbose: 0 }); // warm-up: optimizer slots exist now
  const tensors = tf.memory().numTensors;
  const dataIds = wasmBackendDataIds();
  for (let epoch = 0; epoch < 2; epoch++) {
    await model.fit(x, y, { batchSize: 32, epochs: 1, verbose: 0 });
    assertEquals(tf.memory().numTensors, tensors, `tensors after epoch ${epoch + 1}`);
    assertEquals(wasmBackendDataIds(), dataIds, `wasm data ids after epoch ${epoch + 1}`);
  }
  const before = tf.memory().numTensors;
  const p = tf.tidy(() => (model.predict(x.slice(0, 1)) as tf.Tensor).argMax(-1));
  p.dispose();
  assertEquals(tf.memory().numTensors, before, "inference");
  model.dispose();
  tf.dispose([x, labels, y]);
}

Deno.test("no leaks: a CNN training epoch leaves tensor and wasm data counts unchanged", async () => {
  await leakCheck(() => createReportCnn(1), true);
});

Deno.test("no leaks: an MLP training epoch leaves tensor and wasm data counts unchanged", async () => {
  await leakCheck(() => createReportMlp(1), false);
});

async function adamRun(backend: "cpu" | "wasm", fused: boolean): Promise<Float32Array[]> {
  assert(await tf.setBackend(backend));
  const old = setFusedAdam(fused);
  try {
    const shapes = [[1001], [37, 5], [3]];
    const vars = shapes.map((s, i) =>
      tf.variable(tf.tensor(data(s, 900 + i), s), true, `adam_test_${backend}_${fused}_${i}`)
    );
    const optimizer = tf.train.adam(0.01);
    for (let step = 0; step < 4; step++) {
      const grads: Record<string, tf.Variable> = {};
      vars.forEach((v, i) =>
        grads[v.name] = tf.variable(tf.tensor(data(v.shape, 950 + 10 * step + i), v.shape), false)
      );
      optimizer.applyGradients(grads);
      tf.dispose(Object.values(grads));
    }
    const out = vars.map((v) => Float32Array.from(v.dataSync()));
    const moments = (await optimizer.getWeights()).slice(1).map((w) => Float32Array.from(w.tensor.dataSync()));
    optimizer.dispose();
    tf.dispose(vars);
    return [...out, ...moments];
  } finally {
    setFusedAdam(old);
  }
}

Deno.test("fused Adam: weights and moments equal stock Adam on wasm and on cpu", async () => {
  const fused = await adamRun("wasm", true);
  const stock = await adamRun("wasm", false);
  const cpu = await adamRun("cpu", false);
  assert(await tf.setBackend("wasm"));
  assertEquals(fused.length, 9);
  fused.forEach((f, i) => {
    assertClose(f, stock[i], `tensor ${i} vs stock on wasm`);
    assertClose(f, cpu[i], `tensor ${i} vs cpu`);
  });
});

Deno.test("fused Adam: the SIMD kernel and the JavaScript fallback agree", () => {
  const n = 1003;
  const [w, g, m, v] = [0, 1, 2, 3].map((i) =>
    data([n], 960 + i, (rng) => rng() * (i === 3 ? 1 : 2) - (i === 3 ? 0 : 1))
  );
  const h = { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, oneMinusAccBeta1: 0.271, oneMinusAccBeta2: 0.003 };
  const js = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  adamStepInto(w, g, m, v, js[0], js[1], js[2], h);
  const backend = tf.engine().backend as unknown as Parameters<typeof simdKernels>[0];
  const simd = simdKernels(backend);
  assert(simd != null, "the SIMD kernels load on the wasm backend");
  const inputs = [w, g, m, v].map((a) => tf.tensor1d(a));
  const outputs = [0, 1, 2].map(() => tf.zeros([n]));
  const at = (t: tf.Tensor) =>
    (backend as unknown as { dataIdMap: { get(id: unknown): { memoryOffset: number } } }).dataIdMap.get(t.dataId)
      .memoryOffset;
  const f = Math.fround;
  simd.adam(
    ...(inputs.map(at) as [number, number, number, number]),
    ...(outputs.map(at) as [number, number, number]),
    n,
    h.beta1,
    f(1 - h.beta1),
    h.beta2,
    f(1 - h.beta2),
    h.oneMinusAccBeta1,
    h.oneMinusAccBeta2,
    h.epsilon,
    -h.lr,
  );
  outputs.forEach((o, i) => assertClose(Float32Array.from(o.dataSync()), js[i], `output ${i}`));
  tf.dispose([...inputs, ...outputs]);
});

Deno.test("gather matches cpu: rows, inner axes, batchDims, short slices, dtypes; bad indices throw", async () => {
  const cases: { shape: number[]; indices: number[]; indexShape: number[]; axis: number; batchDims: number }[] = [
    { shape: [50, 28, 28, 1], indices: [3, 49, 0, 3, 17], indexShape: [5], axis: 0, batchDims: 0 }, // fit's batches
    { shape: [6, 5, 4], indices: [4, 0, 2], indexShape: [3], axis: 1, batchDims: 0 },
    { shape: [6, 5, 4], indices: [3, 3, 1, 0], indexShape: [2, 2], axis: 2, batchDims: 0 }, // slices of 1
    { shape: [3, 5, 20], indices: [1, 4, 0, 2, 2, 3], indexShape: [3, 2], axis: 1, batchDims: 1 },
    { shape: [10], indices: [9, 0, 5], indexShape: [3], axis: 0, batchDims: 0 },
  ];
  let seed = 1000;
  for (const c of cases) {
    for (const dtype of ["float32", "int32"] as const) {
      const values = data(c.shape, seed++);
      const run1 = async (backend: "cpu" | "wasm") => {
        assert(await tf.setBackend(backend));
        const x = tf.tensor(dtype === "int32" ? Int32Array.from(values, (v) => Math.round(v * 100)) : values, c.shape);
        const i = tf.tensor(c.indices, c.indexShape, "int32");
        const y = tf.gather(x, i, c.axis, c.batchDims);
        const out = { shape: y.shape, dtype: y.dtype, values: Array.from(y.dataSync()) };
        tf.dispose([x, i, y]);
        return out;
      };
      const expected = await run1("cpu");
      const actual = await run1("wasm");
      assertEquals(actual, expected, `gather ${JSON.stringify(c)} ${dtype}`);
    }
  }
  // (no gradient check: gather's gradient needs UnsortedSegmentSum, which tfjs-backend-wasm 4.22 lacks)
  assert(await tf.setBackend("wasm"));
  const b = tf.tensor2d([[true, false], [false, true]], [2, 2], "bool");
  const gb = tf.gather(b, tf.tensor1d([1, 0, 1], "int32"));
  assertEquals(Array.from(gb.dataSync()), [0, 1, 1, 0, 0, 1]);
  const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  let threw = false;
  try {
    tf.gather(x, tf.tensor1d([2], "int32"));
  } catch (error) {
    threw = String(error).includes("not in [0, 1]");
  }
  assert(threw, "an out-of-range index throws");
  tf.dispose([b, gb, x]);
});

Deno.test("add of a bias vector (SIMD path) and other adds match cpu, values and gradients", async () => {
  const cases: [number[], number[]][] = [
    [[32, 26, 26, 32], [32]], // the conv bias
    [[32, 100], [100]],
    [[8], [3, 5, 8]], // bias first
    [[5, 12], [1, 12]],
    [[2, 3, 8], [1, 1, 8]],
    [[5, 6], [6]], // 6 channels: stock
    [[4, 8], [4, 8]], // same shape: stock
    [[4, 1], [1, 8]], // general broadcast: stock
    [[1, 8], [8]], // one row
  ];
  let seed = 1100;
  for (const [sa, sb] of cases) {
    await compare(`add ${sa} + ${sb}`, [input(sa, seed++), input(sb, seed++)], (x, y) => tf.add(x, y));
  }
  assert(await tf.setBackend("wasm"));
  const i = tf.add(tf.tensor2d([1, 2, 3, 4], [1, 4], "int32"), tf.tensor1d([1, 1, 1, 1], "int32"));
  assertEquals([i.dtype, Array.from(i.dataSync())], ["int32", [2, 3, 4, 5]]);
  i.dispose();
});

Deno.test("relu gradient (one SIMD kernel on wasm) matches cpu's dy·step(x), including zeros and NaN", async () => {
  const shapes = [[3, 7, 5], [4, 26, 26, 32], [32, 128], [1], [6]];
  let seed = 700;
  for (const shape of shapes) {
    // a third of the values exactly 0, the rest both signs
    const x = input(shape, seed++, (rng) => rng() < 0.33 ? 0 : (rng() - 0.5) * 4);
    await compare(`relu ${shape}`, [x], (t) => tf.relu(t));
  }
  assert(await tf.setBackend("wasm"));
  const x = tf.tensor1d([NaN, -1, 0, 2, NaN, 3, -0.5]);
  const dy = tf.tensor1d([1, 1, 1, 1, 1, -2, 5]);
  const g = tf.tidy(() => {
    const [gx] = tf.grads((t: tf.Tensor) => tf.relu(t))([x], dy);
    return gx;
  });
  const got = Array.from(g.dataSync());
  assert(Number.isNaN(got[0]) && Number.isNaN(got[4]), `NaN inputs give NaN gradients: ${got}`);
  assertEquals(got.slice(1, 4).concat(got.slice(5)), [0, 0, 1, -2, 0]);
  assertEquals(tf.getKernel("MnistReluGrad", "wasm") != null, true);
  tf.dispose([x, dy, g]);
});

Deno.test("matMul: the sparse kernel (A mostly zeros, as MNIST pixels) matches cpu and is bit for bit the dense kernel", async () => {
  const shapes: [number, number, number][] = [
    [32, 784, 128],
    [5, 130, 13],
    [64, 300, 100],
    [33, 200, 4],
    [40, 150, 36],
    [9, 3000, 90], // B above SPARSE_MAX_B: the dense kernel
  ];
  let seed = 800;
  for (const [m, k, n] of shapes) {
    for (const transposeA of [false, true]) {
      // 80% exact zeros (some of them −0), the rest in (0, 1]
      const a = input(transposeA ? [k, m] : [m, k], seed++, (rng) => {
        const r = rng();
        return r < 0.4 ? 0 : r < 0.8 ? -0 : rng() + 1e-3;
      });
      const b = input([k, n], seed++);
      await compare(
        `sparse matMul ${m}x${k}x${n} tA=${transposeA}`,
        [a, b],
        (x, y) => tf.matMul(x, y, transposeA, false),
      );
      // the same product through the dense kernel: identical bits (fma(0, b, acc) = acc)
      const results: Float32Array[] = [];
      for (const sparse of [true, false]) {
        const old = setSparseProducts(sparse);
        try {
          const x = tf.tensor(a.values, a.shape), y = tf.tensor(b.values, b.shape); // new tensors: not a reused weight
          const z = tf.matMul(x, y, transposeA, false);
          results.push(Float32Array.from(z.dataSync()));
          tf.dispose([x, y, z]);
        } finally {
          setSparseProducts(old);
        }
      }
      const [s, d] = results;
      for (let i = 0; i < d.length; i++) {
        if (!Object.is(s[i], d[i])) {
          throw new Error(`${m}x${k}x${n} tA=${transposeA}: element ${i} sparse ${s[i]} dense ${d[i]}`);
        }
      }
    }
  }
});

Deno.test("softmax gradient (one kernel on wasm) matches cpu's chain of ops", async () => {
  const cases: [number[], number][] = [[[32, 10], -1], [[5, 3, 7], -1], [[4, 6], 1], [[1, 1], -1], [[3, 1003], -1]];
  let seed = 900;
  for (const [shape, dim] of cases) {
    await compare(`softmax ${shape} dim ${dim}`, [input(shape, seed++)], (t) => tf.softmax(t, dim));
  }
  assertEquals(tf.getKernel("MnistSoftmaxGrad", "wasm") != null, true);
});
