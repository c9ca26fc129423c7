/**
 * The fused cross-entropy losses and accuracy metric (src/backend/fused_loss.ts)
 * against the functions tfjs-layers' `compile` picks: loss values, gradients
 * with respect to the probabilities, metric values, and a few training steps
 * of the report's models.
 */
import { assert, assertEquals } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { createRng } from "../src/random.ts";
import { fusedAccuracy, fusedCrossEntropy, type FusedLabels, isFused } from "../src/backend/fused_loss.ts";
import { OVERRIDES_OFF_ENV_VAR } from "../src/backend/overrides.ts";
import { createReportCnn, createReportMlp, inputShapeOf } from "../src/models/presets.ts";

type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Runs `f` with the fused loss switched off (so compile's own functions stay in place). */
function withStockLoss<T>(f: () => T): T {
  const old = Deno.env.get(OVERRIDES_OFF_ENV_VAR);
  Deno.env.set(OVERRIDES_OFF_ENV_VAR, "Loss");
  try {
    return f();
  } finally {
    if (old === undefined) Deno.env.delete(OVERRIDES_OFF_ENV_VAR);
    else Deno.env.set(OVERRIDES_OFF_ENV_VAR, old);
  }
}

interface Compiled {
  model?: { lossFunctions: LossFn[] };
  lossFunctions?: LossFn[];
  metricsTensors: [LossFn, number][];
}

/** The loss and accuracy functions tfjs-layers' compile chooses for the report's model of this encoding. */
function stockFunctions(labels: FusedLabels): { loss: LossFn; acc: LossFn } {
  const model = withStockLoss(() => labels === "sparse" ? createReportMlp(1) : createReportCnn(1));
  const compiled = model as unknown as Compiled;
  const loss = (compiled.model ?? compiled as { lossFunctions: LossFn[] }).lossFunctions![0];
  const acc = compiled.metricsTensors[0][0];
  model.dispose();
  assert(!isFused(loss) && !isFused(acc), "compile's own functions");
  return { loss, acc };
}

/** Probabilities of `rows` softmax rows, some extreme (exact 0 and 1, values under 1e-7), and their labels. */
function batch(rows: number, seed: number): { probs: Float32Array; labels: Float32Array; oneHot: Float32Array } {
  const rng = createRng(seed);
  const probs = new Float32Array(rows * 10), labels = new Float32Array(rows), oneHot = new Float32Array(rows * 10);
  for (let r = 0; r < rows; r++) {
    const logits = Array.from({ length: 10 }, () => (rng() - 0.5) * (r % 4 === 0 ? 60 : 8));
    const max = Math.max(...logits);
    const e = logits.map((v) => Math.exp(v - max));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => probs[r * 10 + j] = v / s);
    if (r === 1) probs.fill(0, 10, 20), probs[15] = 1; // a certain prediction: exact 0s and a 1
    labels[r] = Math.floor(rng() * 10);
    oneHot[r * 10 + labels[r]] = 1;
  }
  return { probs, labels, oneHot };
}

function valueAndGrad(fn: LossFn, yTrue: tf.Tensor, probs: Float32Array): [Float32Array, Float32Array] {
  const p = tf.tensor2d(probs, [probs.length / 10, 10]);
  const weights = tf.linspace(0.5, 1.5, probs.length / 10); // every row's loss matters differently
  const value = tf.tidy(() => fn(yTrue, p));
  const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(fn(yTrue, x), weights)))(p);
  const out: [Float32Array, Float32Array] = [Float32Array.from(value.dataSync()), Float32Array.from(grad.dataSync())];
  tf.dispose([p, weights, value, grad]);
  return out;
}

function assertClose(actual: Float32Array, expected: Float32Array, rtol: number, what: string): void {
  assertEquals(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= rtol * (Math.abs(expected[i]) + scale))) {
      throw new Error(`${what}: element ${i} is ${actual[i]} fused but ${expected[i]} stock (scale ${scale})`);
    }
  }
}

for (const labels of ["sparse", "onehot"] as const) {
  Deno.test(`fused ${labels} cross-entropy: values and gradients equal tfjs-layers' loss`, () => {
    const stock = stockFunctions(labels);
    const fused = fusedCrossEntropy(labels);
    for (const seed of [1, 2, 3]) {
      const b = batch(32, seed);
      const yTrue = labels === "sparse" ? tf.tensor1d(b.labels) : tf.tensor2d(b.oneHot, [32, 10]);
      const [fv, fg] = valueAndGrad(fused, yTrue, b.probs);
      const [sv, sg] = valueAndGrad(stock.loss, yTrue, b.probs);
      yTrue.dispose();
      assertClose(fv, sv, 1e-5, `${labels} loss, seed ${seed}`);
      assertClose(fg, sg, 1e-5, `${labels} gradient, seed ${seed}`);
      // the extremes are in the batch: some loss is clipped at −log(1e-7) ≈ 16.1, some gradient is exactly 0
      assert(fv.some((v) => v > 15), "a clipped loss");
      assert(fg.some((v) => v === 0) && fg.some((v) => v !== 0), "clipped and unclipped gradients");
    }
  });

  Deno.test(`fused ${labels} accuracy equals tfjs-layers' metric`, () => {
    const stock = stockFunctions(labels);
    const fused = fusedAccuracy(labels);
    const b = batch(64, 7);
    b.probs.set([0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0], 20); // a tie: the first index wins in both
    b.labels[2] = 0, b.oneHot.fill(0, 20, 30), b.oneHot[20] = 1;
    const yTrue = labels === "sparse" ? tf.tensor1d(b.labels) : tf.tensor2d(b.oneHot, [64, 10]);
    const p = tf.tensor2d(b.probs, [64, 10]);
    const f = fused(yTrue, p), s = stock.acc(yTrue, p);
    assertEquals(Array.from(f.dataSync()), Array.from(s.dataSync()));
    assertEquals(f.dataSync()[2], 1);
    tf.dispose([yTrue, p, f, s]);
  });
}

Deno.test("fused loss is installed on wasm, and training with it follows training with the stock loss", async () => {
  for (const make of [createReportMlp, createReportCnn]) {
    const fusedModel = make(5);
    const stockModel = withStockLoss(() => make(5));
    const inner = (m: tf.LayersModel) => (m as unknown as Compiled).model!.lossFunctions[0];
    assert(isFused(inner(fusedModel)) && !isFused(inner(stockModel)), "fused on wasm, stock when switched off");
    const sparse = make === createReportMlp;
    const b = batch(64, 11);
    const rng = createRng(12);
    const x = tf.tensor(Float32Array.from({ length: 64 * 784 }, () => rng()), [64, ...inputShapeOf(fusedModel)]);
    const y = sparse ? tf.tensor1d(b.labels) : tf.tensor2d(b.oneHot, [64, 10]);
    const hf = await fusedModel.fit(x, y, { batchSize: 16, epochs: 2, shuffle: false, verbose: 0 });
    const hs = await stockModel.fit(x, y, { batchSize: 16, epochs: 2, shuffle: false, verbose: 0 });
    assertEquals(Object.keys(hf.history).sort(), Object.keys(hs.history).sort());
    for (const key of Object.keys(hs.history)) {
      assertClose(
        Float32Array.from(hf.history[key] as number[]),
        Float32Array.from(hs.history[key] as number[]),
        1e-4,
        key,
      );
    }
    const wf = fusedModel.getWeights(), ws = stockModel.getWeights();
    wf.forEach((w, i) =>
      assertClose(w.dataSync() as Float32Array, ws[i].dataSync() as Float32Array, 1e-3, `weight ${i}`)
    );
    tf.dispose([x, y]);
    fusedModel.dispose();
    stockModel.dispose();
  }
});
