/**
 * The machinery of notebook 02 (fundamentals): the digits a binary task keeps,
 * class shares of the official and the stratified split on real MNIST, the
 * steps-per-epoch arithmetic, gradient descent against closed forms, the
 * derivatives `tf.grad` gives for the six activation functions on the
 * course's backend, and the figures and tables that show them.
 */
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { setSeed } from "../src/random.ts";
import { classCounts, loadMnist, PIXELS_PER_IMAGE } from "../src/data/mnist.ts";
import { concatSplits, selectDigits, stratifiedSplit } from "../src/data/splits.ts";
import {
  activationFunctionsFigure,
  classShares,
  descentPathsFigure,
  leastSquaresLine,
  lineFitLoss,
  lossPerStepFigure,
  neuronWeightsFigure,
  sigmoid,
  sigmoidOutputsFigure,
  splitSharesFigure,
} from "../src/figures/fundamentals.ts";
import {
  activationRunsTable,
  classShareTable,
  descentTable,
  pairResultsTable,
  stepsPerEpoch,
  stepsPerEpochTable,
  trainingStepOf,
} from "../src/tables/fundamentals.ts";
import { insideMap, logLevels } from "../src/plots/lines.ts";
import { Figure, gridOf, PngImage, vconcat } from "../src/plots/figure.ts";

const mnist = await loadMnist();
const all = concatSplits(mnist.train, mnist.test);

/** How many times `pattern` occurs in `text`. */
function count(text: string, pattern: RegExp): number {
  return (text.match(new RegExp(pattern, "g")) ?? []).length;
}

Deno.test("selectDigits keeps exactly the images of the given digits, in order, with their pixels", () => {
  const pair = selectDigits(mnist.train, [3, 5]);
  const counts = classCounts(mnist.train);
  assertEquals(pair.count, counts[3] + counts[5]); // 6,131 + 5,421
  assert(pair.labels.every((l) => l === 3 || l === 5), "only 3s and 5s");
  // the first 3 of the training set is image 7: its pixels come along unchanged
  const first = mnist.train.labels.findIndex((l) => l === 3 || l === 5);
  assertEquals(
    pair.images.subarray(0, PIXELS_PER_IMAGE),
    mnist.train.images.subarray(first * PIXELS_PER_IMAGE, (first + 1) * PIXELS_PER_IMAGE),
  );
  assertThrows(() => selectDigits(mnist.train, []), RangeError, "digits must be");
  assertThrows(() => selectDigits(mnist.train, [3, 10]), RangeError, "digits must be");
});

Deno.test("class shares: the stratified 8:2 split keeps every digit's share, the official split only roughly", () => {
  const parts = stratifiedSplit(all, 0.8, 1234);
  const reference = classShares(all);
  assertAlmostEquals(reference.reduce((a, b) => a + b, 0), 1, 1e-12);
  const largest = (shares: number[]) => Math.max(...shares.map((s, d) => Math.abs(s - reference[d])));
  assert(largest(classShares(parts.train)) < 1e-4, "8:2 train within 0.01 points of the whole");
  assert(largest(classShares(parts.test)) < 1e-4, "8:2 test within 0.01 points of the whole");
  // MNIST's official test set has 1,032 2s of 10,000 against 6,990 of 70,000: a third of a point more
  assertAlmostEquals(largest(classShares(mnist.test)), 1032 / 10_000 - 6990 / 70_000, 1e-12);

  const table = classShareTable({ "all 70,000": all, "official test": mnist.test, "8:2 test": parts.test });
  assertEquals(table.columns, ["digit", "all 70,000", "official test", "8:2 test"]);
  const records = table.toRecords() as Record<string, string>[];
  assertEquals(records.length, 11);
  assertEquals(records[2]["official test"], "10.32%");
  assertEquals(records[2]["all 70,000"], "9.99%");
  assertEquals(records[10]["all 70,000"], "70,000");
  assertEquals(records.map((r) => r["8:2 test"]).slice(0, 10), records.map((r) => r["all 70,000"]).slice(0, 10));
  assertThrows(() => classShares({ images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 }), RangeError);
});

Deno.test("steps per epoch: the report's logs (54,000 / 32 → 1,688, 60,000 / 32 → 1,875) and the last batch", () => {
  assertEquals(stepsPerEpoch(54_000, 32), 1688);
  assertEquals(stepsPerEpoch(60_000, 32), 1875);
  assertEquals(stepsPerEpoch(60_000, 128), 469);
  assertEquals(stepsPerEpoch(0, 32), 0);
  const records = stepsPerEpochTable([
    { setting: "mlp", images: 54_000, batchSize: 32 },
    { setting: "cnn", images: 60_000, batchSize: 32 },
  ]).toRecords() as Record<string, number>[];
  assertEquals([records[0].steps_per_epoch, records[0].last_batch], [1688, 16]);
  assertEquals([records[1].steps_per_epoch, records[1].last_batch], [1875, 32]);
  assertThrows(() => stepsPerEpoch(100, 0), RangeError, "batch size");
  assertThrows(() => stepsPerEpoch(10.5, 32), RangeError, "images");
});

Deno.test("tf.train.sgd on (w − 3)² follows the closed form w_k = 3 + (w₀ − 3)(1 − 2η)^k, and diverges for η > 1", () => {
  const run = (eta: number, steps: number) => {
    const w = tf.variable(tf.scalar(-1));
    const optimizer = tf.train.sgd(eta);
    const path: number[] = [];
    for (let k = 0; k < steps; k++) {
      optimizer.minimize(() => w.sub(3).square().sum() as tf.Scalar, false, [w]);
      path.push(w.dataSync()[0]);
    }
    w.dispose();
    optimizer.dispose();
    return path;
  };
  for (const eta of [0.01, 0.1, 0.45]) {
    run(eta, 20).forEach((w, k) =>
      assertAlmostEquals(w, 3 + -4 * (1 - 2 * eta) ** (k + 1), 1e-4, `η = ${eta}, step ${k + 1}`)
    );
  }
  // the curvature of (w − 3)² is λ = 2: any η above 2/λ = 1 makes every step longer than the last
  const diverging = run(1.05, 10).map((w) => Math.abs(w - 3));
  diverging.slice(1).forEach((d, k) => assert(d > diverging[k], `step ${k + 2} is further from the minimum`));
});

Deno.test("the line fit: lineFitLoss is TF.js's mean squared error, leastSquaresLine is where its gradient vanishes", () => {
  const x = [0.5, 1, 2, 3, 3.5];
  const y = [2.1, 2.9, 5.2, 6.8, 8.1];
  const loss = lineFitLoss({ x, y });
  const mse = (w: tf.Tensor, b: tf.Tensor) => w.mul(tf.tensor1d(x)).add(b).sub(tf.tensor1d(y)).square().mean();
  for (const [w, b] of [[0, 0], [2, 1], [-1, 4]]) {
    assertAlmostEquals(loss(w, b), mse(tf.scalar(w), tf.scalar(b)).dataSync()[0], 1e-4);
  }
  const best = leastSquaresLine({ x, y });
  const [dw, db] = tf.grads((w: tf.Tensor, b: tf.Tensor) => mse(w, b))([tf.scalar(best.w), tf.scalar(best.b)]);
  assertAlmostEquals(dw.dataSync()[0], 0, 1e-4);
  assertAlmostEquals(db.dataSync()[0], 0, 1e-4);
  for (const [dW, dB] of [[0.01, 0], [0, 0.01], [-0.01, 0.01]]) {
    assert(loss(best.w + dW, best.b + dB) > loss(best.w, best.b));
  }
  assertThrows(() => lineFitLoss({ x: [1, 2], y: [1] }), RangeError);
  assertThrows(() => leastSquaresLine({ x: [2, 2], y: [1, 3] }), RangeError, "all x values are equal");
});

Deno.test("tf.grad of the six activation functions matches their closed-form derivatives on the course's backend", () => {
  const xs = [-3, -1.5, -0.25, 0.25, 1, 2.5];
  const grid = tf.tensor1d(xs);
  const cases: {
    name: string;
    f: (t: tf.Tensor) => tf.Tensor;
    value: (x: number) => number;
    derivative: (x: number) => number;
  }[] = [
    { name: "sigmoid", f: (t) => tf.sigmoid(t), value: sigmoid, derivative: (x) => sigmoid(x) * (1 - sigmoid(x)) },
    { name: "tanh", f: (t) => tf.tanh(t), value: Math.tanh, derivative: (x) => 1 - Math.tanh(x) ** 2 },
    { name: "ReLU", f: (t) => tf.relu(t), value: (x) => Math.max(0, x), derivative: (x) => (x > 0 ? 1 : 0) },
    {
      name: "leaky ReLU",
      f: (t) => tf.leakyRelu(t, 0.1),
      value: (x) => Math.max(0.1 * x, x),
      derivative: (x) => (x > 0 ? 1 : 0.1),
    },
    {
      name: "ELU",
      f: (t) => tf.elu(t),
      value: (x) => (x >= 0 ? x : Math.exp(x) - 1),
      derivative: (x) => (x >= 0 ? 1 : Math.exp(x)),
    },
    {
      name: "maxout",
      f: (t) => tf.maximum(t, t.mul(-0.5).sub(1)),
      value: (x) => Math.max(x, -0.5 * x - 1),
      derivative: (x) => (x > -0.5 * x - 1 ? 1 : -0.5),
    },
  ];
  const before = tf.memory().numTensors;
  for (const { name, f, value, derivative } of cases) {
    const values = tf.tidy(() => f(grid).dataSync());
    const slopes = tf.tidy(() => tf.grad(f)(grid).dataSync());
    xs.forEach((x, i) => {
      assertAlmostEquals(values[i], value(x), 1e-5, `${name}(${x})`);
      assertAlmostEquals(slopes[i], derivative(x), 1e-5, `${name}′(${x})`);
    });
  }
  assertEquals(tf.memory().numTensors, before, "no tensor is left behind");
  grid.dispose();
});

/** A run of gradient descent along a straight line, for the tables and figures. */
function fakeRun(label: string, losses: number[], w = (k: number) => k, b = (k: number) => -k) {
  return { label, path: losses.map((loss, step) => ({ step, w: w(step), b: b(step), loss })) };
}

Deno.test("descentTable tells reached, still on its way and diverged apart", () => {
  const runs = [
    fakeRun("reached", [10, 1, 0.1005]),
    fakeRun("slow", [10, 5, 2]),
    fakeRun("diverged", [10, 50, 2e9]),
  ];
  const records = descentTable(runs, 0.1).toRecords() as Record<string, string>[];
  assertEquals(records.map((r) => r.outcome), ["reached the minimum", "still on its way", "diverged: the loss grew"]);
  assertEquals(records[1].above_minimum, "1.9000");
  assertEquals(records[2].loss, "2.00e+9");
});

Deno.test("figures: split shares, descent paths cut where they leave the map, loss per step, activations", async () => {
  const parts = stratifiedSplit(all, 0.8, 1234);
  const shares = splitSharesFigure(all, mnist, parts) as Figure;
  assertEquals(count(shares.svg, /<rect fill="#(4e79a7|e15759|a0cbe8|ff9d9a)"/), 40); // 4 splits × 10 digits (the legend squares list x first)

  const points = { x: [0, 1, 2, 3, 4], y: [1, 3, 5, 7, 9] }; // exactly y = 2x + 1
  const best = leastSquaresLine(points);
  assertAlmostEquals(best.w, 2, 1e-12);
  assertAlmostEquals(best.b, 1, 1e-12);
  const inside = fakeRun("in", [5, 2, 1], (k) => -1 + k, (k) => 4 - k);
  const leaving = fakeRun("out", [5, 50, 500, 5000], (k) => -1 + 10 * k, () => 4);
  const paths = descentPathsFigure(points, [inside, leaving]) as Figure;
  assertEquals(count(paths.svg, /aria-label="contour"/), 2); // one map per panel
  assertEquals(count(paths.svg, /aria-label="line"/), 2); // one path per panel
  const surface = {
    value: lineFitLoss(points),
    xDomain: [-2.5, 3.5] as [number, number],
    yDomain: [-0.5, 5.5] as [number, number],
  };
  assertEquals(insideMap(leaving.path.map((p) => ({ x: p.w, y: p.b })), surface).length, 2); // start, then the step out
  assertEquals(insideMap(inside.path.map((p) => ({ x: p.w, y: p.b })), surface).length, 3);

  const losses = lossPerStepFigure([inside, leaving], { title: "loss" }) as Figure;
  assert(losses.svg.includes(">in<") && losses.svg.includes(">out<"), "each run labelled");
  await losses.toPng(); // rasterises

  const x = [-2, -1, 0, 1, 2];
  const curves = ["a", "b", "c", "d", "e", "f"].map((name) => ({ name, x, value: x, derivative: x.map(() => 1) }));
  const activations = activationFunctionsFigure(curves) as Figure;
  assertEquals(count(activations.svg, /aria-label="line"/), 12); // f and f′ in each of six panels
  for (const name of ["a", "f"]) assert(activations.svg.includes(`>${name}<`), `panel ${name} has its title`);
  assertThrows(
    () => activationFunctionsFigure([{ name: "bad", x, value: x, derivative: [1] }]),
    RangeError,
    "same length",
  );
  assertEquals(logLevels(1, 100, 3).map((v) => Math.round(v)), [1, 10, 100]);
});

Deno.test("figures: a neuron's weights as 28×28 images and test images on the sigmoid", () => {
  const weights = Float32Array.from({ length: PIXELS_PER_IMAGE }, (_, i) => (i % 28) - 14);
  const image = neuronWeightsFigure([{ pair: [0, 1], weights }, { pair: [3, 5], weights }]);
  assert(image instanceof PngImage, "a PNG");
  assertThrows(() => neuronWeightsFigure([{ pair: [0, 1], weights: [1, 2] }]), RangeError, "784");

  const figure = sigmoidOutputsFigure([-4, -1, 0.5, 3, 2], [3, 3, 3, 5, 5], [3, 5]) as Figure;
  assertEquals(count(figure.svg, /<circle/), 5);
  assert(figure.svg.includes("true 3 (label 0)") && figure.svg.includes("true 5 (label 1)"), "a legend per digit");
  assertThrows(() => sigmoidOutputsFigure([1, 2], [3], [3, 5]), RangeError);
});

Deno.test("vconcat and gridOf stack figures into one SVG of the right size", () => {
  const a = new Figure('<svg width="100" height="50"></svg>');
  const b = new Figure('<svg width="60" height="80"></svg>');
  const stacked = vconcat([a, b], 10);
  assertEquals([stacked.width, stacked.height], [100, 140]);
  const grid = gridOf([a, b, a], 2, 16);
  assertEquals([grid.width, grid.height], [100 + 16 + 60, 80 + 16 + 50]);
  assertThrows(() => gridOf([a], 0), RangeError);
});

Deno.test("the activation table says which training step ran and counts maxout's doubled weights", () => {
  setSeed(1234);
  const relu = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({ units: 128, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  relu.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  const input = tf.input({ shape: [28, 28] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const pieces = [tf.layers.dense({ units: 128 }).apply(flat), tf.layers.dense({ units: 128 }).apply(flat)];
  const hidden = tf.layers.maximum().apply(pieces as tf.SymbolicTensor[]) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 10, activation: "softmax" }).apply(hidden) as tf.SymbolicTensor;
  const maxout = tf.model({ inputs: input, outputs: output });
  maxout.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  const onWasm = tf.getBackend() === "wasm";
  if (onWasm) {
    assertEquals(trainingStepOf(relu), "course's direct step");
    assertEquals(trainingStepOf(maxout), "TF.js's own step");
  }
  const records = activationRunsTable([
    { activation: "ReLU", model: relu, epochs: 2, seconds: 7.8, testAccuracy: 0.9702, testLoss: 0.10291 },
    { activation: "maxout", model: maxout, epochs: 2, seconds: 16.5, testAccuracy: 0.9721, testLoss: 0.0921 },
  ]).toRecords() as Record<string, string | number>[];
  assertEquals(records.map((r) => r.parameters), [101_770, 2 * (784 * 128 + 128) + 128 * 10 + 10]);
  assertEquals(records.map((r) => r.seconds_per_epoch), ["3.9", "8.3"]);
  assertEquals(records[0].test_accuracy, "97.02%");
  assertEquals(records[0].test_loss, "0.1029");

  const pairs = pairResultsTable([{
    pair: [3, 5],
    trainImages: 11552,
    testImages: 1902,
    testAccuracy: 0.9611,
    testLoss: 0.1042,
  }])
    .toRecords() as Record<string, string | number>[];
  assertEquals(pairs[0].pair, "3 vs 5");
  assertEquals(pairs[0].test_accuracy, "96.11%");
  relu.dispose();
  maxout.dispose();
});
