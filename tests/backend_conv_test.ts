/**
 * The direct SIMD convolutions (`src/backend/conv2d.ts`, the direct path of
 * `src/backend/conv2d_backprop_filter.ts`, kernels in `conv_kernels.wat`)
 * against TensorFlow.js's cpu backend: values and gradients (with respect to
 * the input, the filter and the bias) on the same data, across the shapes and
 * attributes the kernels handle and a few they hand back to the stock kernels.
 *
 * Tolerance: |wasm − cpu| ≤ 1e-4 · (|cpu| + max|cpu|), as in
 * `backend_kernels_test.ts`.
 */
import { assert } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { assertClose, compare, type Input, input } from "./kernel_compare.ts";
import { convKernels } from "../src/backend/conv_kernels.ts";
import { fusedConv2dConfig, setConv2dDirect } from "../src/backend/conv2d.ts";
import { setConv2dFilterGradDirect, setIm2colLimit } from "../src/backend/conv2d_backprop_filter.ts";

/** `tf.fused.conv2d` with stride 1, valid padding, a bias and `activation` (and PReLU weights as a 4th input). */
function fusedValid(activation: tf.fused.Activation) {
  return (x: tf.Tensor, filter: tf.Tensor, bias: tf.Tensor, alpha?: tf.Tensor) =>
    tf.fused.conv2d({
      x: x as tf.Tensor4D,
      filter: filter as tf.Tensor4D,
      strides: 1,
      pad: "valid",
      bias,
      activation,
      preluActivationWeights: alpha,
    });
}

type Pad = "valid" | "same" | number;

type Shape4 = [number, number, number, number];

interface Case {
  x: Shape4;
  f: Shape4;
  s: number | [number, number];
  pad: Pad;
  /** Input values: default about [-3,3]; "images" in [0,1] as MNIST's. */
  images?: boolean;
}

const CASES: Case[] = [
  { x: [32, 28, 28, 1], f: [3, 3, 1, 32], s: 1, pad: "valid", images: true }, // the report's CNN
  { x: [2, 9, 9, 3], f: [3, 3, 3, 8], s: 1, pad: "valid" }, // several input channels
  { x: [2, 8, 8, 2], f: [3, 3, 2, 4], s: 2, pad: "valid" }, // stride 2, (in − k) odd
  { x: [3, 9, 10, 2], f: [3, 2, 2, 12], s: [2, 3], pad: "valid" }, // unequal strides
  { x: [2, 7, 7, 3], f: [3, 3, 3, 16], s: 1, pad: "same" },
  { x: [2, 8, 7, 2], f: [3, 3, 2, 8], s: 2, pad: "same" }, // same padding with stride: uneven pads
  { x: [2, 12, 11, 2], f: [5, 5, 2, 36], s: 1, pad: "valid" }, // 5×5; 32 channels in a block + 4
  { x: [2, 9, 9, 1], f: [5, 5, 1, 40], s: 1, pad: "same" }, // 5×5, same: two rows and columns of padding
  { x: [1, 6, 6, 2], f: [3, 3, 2, 4], s: 1, pad: 1 }, // explicit padding
  { x: [2, 4, 4, 2], f: [5, 5, 2, 4], s: 1, pad: "same" }, // filter larger than the input
  { x: [3, 10, 10, 32], f: [3, 3, 32, 64], s: 2, pad: "same" },
  { x: [2, 6, 6, 2], f: [1, 1, 2, 8], s: 1, pad: "valid" }, // 1×1
  { x: [2, 7, 7, 2], f: [2, 3, 2, 3], s: [2, 1], pad: "same" }, // outC 3: stock kernels
  { x: [2, 9, 9, 3], f: [3, 3, 3, 6], s: 1, pad: "valid" }, // outC 6: stock kernels
  // The input gradient on the direct kernel (stride 1, input channels a multiple of 4):
  { x: [2, 13, 13, 32], f: [3, 3, 32, 64], s: 1, pad: "valid" }, // the deep CNN's second convolution
  { x: [2, 5, 5, 64], f: [3, 3, 64, 64], s: 1, pad: "valid" }, // its third
  { x: [2, 7, 6, 4], f: [3, 3, 4, 8], s: 1, pad: "same" },
  { x: [2, 6, 6, 8], f: [5, 5, 8, 4], s: 1, pad: "same" }, // two rows and columns of padding
  { x: [2, 4, 4, 4], f: [5, 5, 4, 4], s: 1, pad: "same" }, // filter larger than the input
  { x: [1, 6, 7, 4], f: [3, 3, 4, 4], s: 1, pad: 1 }, // explicit padding
  { x: [2, 6, 7, 4], f: [2, 3, 4, 4], s: 1, pad: "valid" }, // unequal filter sides
];

function caseInputs(c: Case, seed: number): Input[] {
  return [
    input(c.x, seed, c.images ? (rng) => rng() : undefined),
    input(c.f, seed + 1, c.images ? (rng) => (rng() - 0.5) * 0.5 : undefined),
  ];
}

Deno.test("the conv kernels are reachable on this wasm backend", async () => {
  assert(await tf.setBackend("wasm"));
  assert(convKernels(tf.backend()) != null, "conv_kernels.wat could not be instantiated on the backend's memory");
});

Deno.test("conv2d: values and gradients (input and filter) match cpu", async () => {
  let seed = 100;
  for (const c of CASES) {
    await compare(
      `conv2d ${JSON.stringify(c)}`,
      caseInputs(c, seed),
      (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.s, c.pad),
    );
    seed += 2;
  }
});

Deno.test("conv2d: the stock kernel and the im2col filter gradient (one image per chunk) also match cpu", async () => {
  const oldDirect = setConv2dDirect(false);
  const oldGrad = setConv2dFilterGradDirect(false);
  const oldLimit = setIm2colLimit(0);
  try {
    let seed = 200;
    for (const c of CASES.filter((c) => c.x[0] <= 3)) {
      await compare(
        `conv2d (stock, im2col) ${JSON.stringify(c)}`,
        caseInputs(c, seed),
        (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.s, c.pad),
      );
      seed += 2;
    }
  } finally {
    setConv2dDirect(oldDirect);
    setConv2dFilterGradDirect(oldGrad);
    setIm2colLimit(oldLimit);
  }
});

Deno.test("conv2d + bias + relu as a layer computes it in training: values and all gradients match cpu", async () => {
  let seed = 300;
  for (const c of CASES) {
    const outC = c.f[3];
    await compare(
      `conv2d+add+relu ${JSON.stringify(c)}`,
      [...caseInputs(c, seed), input([outC], seed + 2, (rng) => rng() - 0.5)],
      (x, f, b) => tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.s, c.pad), b)),
    );
    seed += 3;
  }
});

Deno.test("fused conv2d: bias with relu or linear, no bias, and a [1,1,1,C] bias match cpu (values and gradients)", async () => {
  let seed = 400;
  for (const c of CASES) {
    const outC = c.f[3];
    for (const activation of ["relu", "linear"] as const) {
      // The stock kernel (outC not a multiple of 4, or our override switched
      // off by MNIST_WASM_OVERRIDES_OFF) takes rank-1 biases only.
      const direct = outC % 4 === 0 && tf.getKernel("FusedConv2D", "wasm")?.kernelFunc === fusedConv2dConfig.kernelFunc;
      for (const biasShape of direct ? [[outC], [1, 1, 1, outC], null] : [[outC], null]) {
        const inputs = caseInputs(c, seed);
        if (biasShape != null) inputs.push(input(biasShape, seed + 2, (rng) => rng() - 0.5));
        await compare(
          `fused conv2d ${activation} bias ${JSON.stringify(biasShape)} ${JSON.stringify(c)}`,
          inputs,
          (x, filter, bias) =>
            tf.fused.conv2d({
              x: x as tf.Tensor4D,
              filter: filter as tf.Tensor4D,
              strides: c.s,
              pad: c.pad,
              bias,
              activation,
            }),
          // Gradients of the larger shapes are covered above; keep this test short.
          c.x[0] * c.x[1] * c.x[2] * c.f[3] < 20000,
        );
        seed += 3;
      }
    }
  }
});

Deno.test("fused conv2d inside tf.tidy without gradients (inference) matches cpu, including all-negative outputs", async () => {
  // Shifted inputs: most sums are negative, so ReLU zeroes most outputs.
  const c = CASES[0];
  const inputs = [
    input(c.x, 500, (rng) => rng()),
    input(c.f, 501, (rng) => rng() - 0.9),
    input([c.f[3]], 502, (rng) => -rng()),
  ];
  await compare(
    "fused conv2d, mostly negative",
    inputs,
    fusedValid("relu"),
    false,
  );
});

Deno.test("fused conv2d with an activation the direct kernel lacks (elu, prelu) falls back and matches cpu", async () => {
  const c = CASES[1];
  const outC = c.f[3];
  await compare(
    "fused conv2d elu",
    [...caseInputs(c, 600), input([outC], 602)],
    fusedValid("elu"),
    false,
  );
  await compare(
    "fused conv2d prelu",
    [...caseInputs(c, 610), input([outC], 612), input([outC], 613, (rng) => rng() * 0.3)],
    fusedValid("prelu"),
    false,
  );
});

Deno.test("conv2d filter gradient via tf.grad with respect to the filter alone matches cpu", async () => {
  let seed = 700;
  for (const c of CASES) {
    const [x, f] = caseInputs(c, seed);
    const dyShape = tf.tidy(() =>
      tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.s, c.pad).shape
    );
    const dy = input(dyShape, seed + 2);
    const grad = async (backend: "cpu" | "wasm") => {
      assert(await tf.setBackend(backend));
      return tf.tidy(() => {
        const xt = tf.tensor4d(x.values, x.shape as [number, number, number, number]);
        const dyt = tf.tensor(dy.values, dy.shape);
        const g = tf.grad((ft: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xt, ft as tf.Tensor4D, c.s, c.pad), dyt)));
        return Float32Array.from(g(tf.tensor(f.values, f.shape)).dataSync());
      });
    };
    const expected = await grad("cpu");
    const actual = await grad("wasm");
    assertClose(actual, expected, `filter gradient ${JSON.stringify(c)}`);
    seed += 3;
  }
});

Deno.test("conv2d with NaN and infinite inputs propagates them as cpu does", async () => {
  const x = input([1, 5, 5, 1], 800);
  x.values[6] = NaN;
  x.values[18] = Infinity;
  await compare(
    "conv2d NaN/Inf",
    [x, input([3, 3, 1, 4], 801)],
    (x, f) => tf.relu(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, "same")),
    false,
  );
});
