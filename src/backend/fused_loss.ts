/**
 * The cross-entropy losses and the accuracy metric of `model.fit`, each as one
 * step instead of a chain of small ops.
 *
 * Why: TensorFlow.js Layers computes `sparseCategoricalCrossentropy` as about
 * a dozen ops (floor, cast, one-hot, clip, sum, divide, clip, log, multiply,
 * sum, negate) and their gradients, and the accuracy metric as four more. On
 * a batch of 32×10 numbers the arithmetic is nothing; the cost is the engine's
 * bookkeeping per op on the tape: about 60 of the MLP's 140 kernel calls per
 * training step went to them.
 *
 * How: the loss is a `tf.customGrad` whose forward pass reads the batch's
 * probabilities and labels (320 numbers), computes the per-sample loss and, in
 * the same pass, the gradient with respect to the probabilities, in float64;
 * the backward pass only scales that gradient by the incoming one. The metric
 * reads the same numbers and returns 1/0 per sample; it is not on the tape.
 * The formulas are tfjs-layers' own (`losses.ts`), including both clips to
 * [ε, 1−ε], ε = 1e-7, and the renormalisation by the row sum, and so are the
 * gradients those ops define (a clipped value passes no gradient). Only the
 * rounding differs: float64 inside, one rounding to float32 at the end, where
 * the op chain rounds after every op (`tests/backend_kernels_test.ts` compares
 * the two: values and gradients within 1e-5 relative).
 *
 * Installed by `compileFor` (`src/models/presets.ts`) on the wasm backend after
 * `model.compile`, in place of the functions compile chose: the model's
 * compile arguments (and what `model.save` writes) still name the stock loss
 * and metric. The cpu backend, the reference, keeps the stock functions.
 * `MNIST_WASM_OVERRIDES_OFF=Loss` (or `all`) leaves them out.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** The functions made here (so tests can tell them from tfjs-layers' own), with their label encoding. */
const made = new WeakMap<object, { kind: "loss" | "metric"; labels: FusedLabels }>();

/** True for a loss or metric function made by this module. */
export function isFused(fn: unknown): boolean {
  return typeof fn === "function" && made.has(fn);
}

/** What a function made here is: the loss or the accuracy metric, and for which labels; null for any other. */
export function fusedKind(fn: unknown): { kind: "loss" | "metric"; labels: FusedLabels } | null {
  return typeof fn === "function" ? made.get(fn) ?? null : null;
}

/** tfjs-layers' epsilon (`backend/common.ts`). */
const EPSILON = 1e-7;

/** Label encodings the fused functions handle. */
export type FusedLabels = "sparse" | "onehot";

export interface Batch {
  rows: number;
  classes: number;
  probs: Float32Array;
  /** For sparse labels: the class of each row (−1: none, as a one-hot of an out-of-range label). */
  label: Int32Array | null;
  /** For one-hot labels: the targets. */
  target: Float32Array | null;
}

function readBatch(yTrue: tf.Tensor, yPred: tf.Tensor, labels: FusedLabels): Batch {
  return batchFromValues(yPred.dataSync() as Float32Array, yPred.shape, yTrue.dataSync(), yTrue.shape, labels);
}

/** A batch from the values of the predictions and the labels (shapes as the tensors have them). */
export function batchFromValues(
  probs: Float32Array,
  predShape: readonly number[],
  raw: ArrayLike<number>,
  trueShape: readonly number[],
  labels: FusedLabels,
): Batch {
  const classes = predShape[predShape.length - 1]!;
  const rows = probs.length / classes;
  if (labels === "sparse") {
    if (raw.length !== rows) {
      throw new Error(
        `sparse labels: expected ${rows} labels for predictions of shape ${predShape}, got ${raw.length}`,
      );
    }
    const label = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const c = Math.floor(raw[r]); // tfjs: cast(floor(flatten(yTrue)), 'int32'), then oneHot
      label[r] = c >= 0 && c < classes ? c : -1;
    }
    return { rows, classes, probs, label, target: null };
  }
  if (raw.length !== probs.length) {
    throw new Error(`one-hot labels of shape ${trueShape} do not match predictions of shape ${predShape}`);
  }
  return { rows, classes, probs, label: null, target: Float32Array.from(raw) };
}

const clip = (v: number) => (v < EPSILON ? EPSILON : v > 1 - EPSILON ? 1 - EPSILON : v);
const passes = (v: number) => v >= EPSILON && v <= 1 - EPSILON;

/**
 * Per-row loss and d(loss_row)/d(probabilities), as tfjs-layers defines them:
 * sparse: `p1 = clip(p)`, then categorical on `p1`; categorical: `q = p1/Σp1`,
 * `loss = −Σ t·log(clip(q))`.
 */
export function crossEntropyWithGradient(b: Batch): { loss: Float32Array; grad: Float64Array } {
  const { rows, classes, probs } = b;
  const loss = new Float32Array(rows);
  const grad = new Float64Array(rows * classes);
  const sparse = b.label != null;
  const p1 = new Float64Array(classes), g = new Float64Array(classes);
  for (let r = 0, o = 0; r < rows; r++, o += classes) {
    let sum = 0;
    for (let j = 0; j < classes; j++) {
      const p = probs[o + j];
      p1[j] = sparse ? clip(p) : p;
      sum += p1[j];
    }
    let l = 0, gp = 0; // gp = Σ g_j · p1_j
    for (let j = 0; j < classes; j++) {
      const t = sparse ? (j === b.label![r] ? 1 : 0) : b.target![o + j];
      g[j] = 0;
      if (t === 0) continue;
      const q = p1[j] / sum, q2 = clip(q);
      l -= t * Math.log(q2);
      if (passes(q)) g[j] = -t / q2;
      gp += g[j] * p1[j];
    }
    loss[r] = l;
    for (let j = 0; j < classes; j++) {
      let d = g[j] / sum - gp / (sum * sum);
      if (sparse && !passes(probs[o + j])) d = 0;
      grad[o + j] = d;
    }
  }
  return { loss, grad };
}

/** The loss function `model.fit` calls: per-row loss `[rows]`, gradient through a custom op. */
export function fusedCrossEntropy(labels: FusedLabels): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  const f = tf.customGrad(
    ((yTrue: tf.Tensor, yPred: tf.Tensor) => {
      const batch = readBatch(yTrue, yPred, labels);
      const { loss, grad } = crossEntropyWithGradient(batch);
      const predShape = yPred.shape, trueShape = yTrue.shape;
      const lossShape = predShape.slice(0, -1);
      return {
        value: tf.tensor(loss, lossShape, "float32"),
        gradFunc: (dy: tf.Tensor) => {
          const up = dy.dataSync();
          const out = new Float32Array(grad.length);
          for (let r = 0, o = 0; r < batch.rows; r++, o += batch.classes) {
            for (let j = 0; j < batch.classes; j++) out[o + j] = up[r] * grad[o + j];
          }
          return [tf.zeros(trueShape), tf.tensor(out, predShape, "float32")];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  const fn = (yTrue: tf.Tensor, yPred: tf.Tensor) => f(yTrue, yPred);
  made.set(fn, { kind: "loss", labels });
  Object.defineProperty(fn, "name", {
    value: labels === "sparse" ? "sparseCategoricalCrossentropy" : "categoricalCrossentropy",
  });
  return fn;
}

/** Index of the first largest value of each row (tfjs's `argMax` picks the first of ties). */
function argMaxRows(values: ArrayLike<number>, rows: number, classes: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0, o = 0; r < rows; r++, o += classes) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (values[o + j] > values[o + best]) best = j;
    out[r] = best;
  }
  return out;
}

/** Per row, 1 where the largest probability is the label's, else 0 (into `out`, `rows` values). */
export function accuracyInto(
  probs: ArrayLike<number>,
  raw: ArrayLike<number>,
  rows: number,
  classes: number,
  labels: FusedLabels,
  out: Float32Array,
): void {
  const predicted = argMaxRows(probs, rows, classes);
  const truth = labels === "sparse" ? Int32Array.from(raw, (v) => Math.floor(v)) : argMaxRows(raw, rows, classes);
  for (let r = 0; r < rows; r++) out[r] = predicted[r] === truth[r] ? 1 : 0;
}

/** The accuracy metric: 1 where the largest probability is the label's, else 0, per row (not on the tape). */
export function fusedAccuracy(labels: FusedLabels): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  const fn = (yTrue: tf.Tensor, yPred: tf.Tensor) => {
    const classes = yPred.shape[yPred.shape.length - 1]!;
    const rows = yPred.size / classes;
    const out = new Float32Array(rows);
    accuracyInto(yPred.dataSync(), yTrue.dataSync(), rows, classes, labels, out);
    return tf.tensor(out, yPred.shape.slice(0, -1), "float32");
  };
  made.set(fn, { kind: "metric", labels });
  Object.defineProperty(fn, "name", {
    value: labels === "sparse" ? "sparseCategoricalAccuracy" : "categoricalAccuracy",
  });
  return fn;
}

/** What `LayersModel` keeps after `compile` (tfjs-layers 4.22), the parts replaced here. */
interface CompiledParts {
  lossFunctions?: unknown[];
  metricsTensors?: [unknown, number][];
  metricsNames?: string[];
}

/**
 * Replaces the compiled model's loss (single output, cross-entropy) and
 * accuracy metric with the fused ones. Returns false, changing nothing, when
 * the model is not in the shape this handles.
 */
export function installFusedLoss(model: { outputs: unknown[] }, labels: FusedLabels): boolean {
  // A Sequential model compiles, and trains, the LayersModel it wraps.
  const inner = (model as { model?: unknown }).model;
  const parts = (inner ?? model) as CompiledParts;
  if (model.outputs.length !== 1 || parts.lossFunctions?.length !== 1) return false;
  parts.lossFunctions[0] = fusedCrossEntropy(labels);
  const names = parts.metricsNames ?? [];
  (parts.metricsTensors ?? []).forEach((entry, i) => {
    // metricsNames[0] is 'loss'; entry i is named metricsNames[i + 1]
    if (names[i + 1] === "acc" || names[i + 1] === "accuracy") entry[0] = fusedAccuracy(labels);
  });
  return true;
}
