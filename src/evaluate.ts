/**
 * Measuring a trained model: accuracy and loss on a split (as Keras's
 * `evaluate`), predictions, the confusion matrix, per-class accuracy and the
 * overfitting gap with the rule one source uses.
 *
 * Everything runs in batches inside `tf.tidy`, so no tensor outlives a call.
 *
 * @module
 */
import pl from "nodejs-polars";
import { tf } from "./tf.ts";
import { type MnistSplit, NUM_CLASSES } from "./data/mnist.ts";
import { sliceSplit } from "./data/splits.ts";
import { toImageTensor } from "./data/tensors.ts";

/** Batch size for inference; large batches are fastest and memory stays small. */
export const EVAL_BATCH_SIZE = 1000;
/** One source's rule: a train–test accuracy gap above 5 points suggests overfitting. */
export const OVERFITTING_THRESHOLD = 0.05;

/** Class probabilities for every image of a split, `count × 10`, row after row. */
export function predictProbabilities(model: tf.LayersModel, split: MnistSplit): Float32Array {
  const out = new Float32Array(split.count * NUM_CLASSES);
  for (let start = 0; start < split.count; start += EVAL_BATCH_SIZE) {
    const part = sliceSplit(split, start, start + EVAL_BATCH_SIZE);
    const probs = tf.tidy(() => {
      const x = toImageTensor(part);
      return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    });
    out.set(probs, start * NUM_CLASSES);
  }
  return out;
}

/** The most probable class of each row of `probabilities`. */
export function argmaxRows(probabilities: Float32Array, classes = NUM_CLASSES): Uint8Array {
  const n = probabilities.length / classes;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[i * classes + c] > probabilities[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Accuracy and cross-entropy loss of a model on a split, with its predictions. */
export interface Evaluation {
  /** Fraction of images classified correctly. */
  accuracy: number;
  /** Mean categorical cross-entropy, −log p(true class), as Keras computes it. */
  loss: number;
  /** Predicted digit of each image. */
  predictions: Uint8Array;
  /** Probabilities, `count × 10`. */
  probabilities: Float32Array;
  /** Number of images. */
  count: number;
}

/** Keras clips probabilities to [ε, 1−ε] before the log; so do we, to report the same loss. */
const EPSILON = 1e-7;

/**
 * Evaluates `model` on `split`: accuracy and the cross-entropy loss (the same
 * value for one-hot and integer labels).
 */
export function evaluateModel(model: tf.LayersModel, split: MnistSplit): Evaluation {
  const probabilities = predictProbabilities(model, split);
  const predictions = argmaxRows(probabilities);
  let correct = 0;
  let lossSum = 0;
  for (let i = 0; i < split.count; i++) {
    const label = split.labels[i];
    if (predictions[i] === label) correct++;
    const p = Math.min(Math.max(probabilities[i * NUM_CLASSES + label], EPSILON), 1 - EPSILON);
    lossSum -= Math.log(p);
  }
  return {
    accuracy: correct / split.count,
    loss: lossSum / split.count,
    predictions,
    probabilities,
    count: split.count,
  };
}

/** `matrix[true][predicted]` = how many images of digit `true` were classified as `predicted`. */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  classes = NUM_CLASSES,
): number[][] {
  if (labels.length !== predictions.length) {
    throw new Error(
      `confusionMatrix needs as many predictions as labels, got ${predictions.length} and ${labels.length}`,
    );
  }
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) matrix[labels[i]][predictions[i]]++;
  return matrix;
}

/** The confusion matrix in long form (true, predicted, count), for tables and heatmaps. */
export function confusionFrame(matrix: number[][]): pl.DataFrame {
  const rows = matrix.flatMap((row, t) => row.map((count, p) => ({ true: t, predicted: p, count })));
  return pl.DataFrame({
    true: rows.map((r) => r.true),
    predicted: rows.map((r) => r.predicted),
    count: rows.map((r) => r.count),
  });
}

/** Accuracy per digit (recall): the diagonal over the row sums. */
export function perClassAccuracy(matrix: number[][]): number[] {
  return matrix.map((row, digit) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? NaN : row[digit] / total;
  });
}

/** The train–test accuracy gap and what one source's rule says about it. */
export interface OverfittingGap {
  trainAccuracy: number;
  testAccuracy: number;
  /** Train minus test accuracy (0.0121 = 1.21 points). */
  gap: number;
  /** True when the gap is above {@link OVERFITTING_THRESHOLD}. */
  overfitting: boolean;
  /** A sentence for the reader. */
  verdict: string;
}

/** The overfitting gap (train minus test accuracy) with the 5-point rule. */
export function overfittingGap(trainAccuracy: number, testAccuracy: number): OverfittingGap {
  const gap = trainAccuracy - testAccuracy;
  const overfitting = gap > OVERFITTING_THRESHOLD;
  const points = (gap * 100).toFixed(2);
  const verdict = overfitting
    ? `gap of ${points} points is above 5: the model may be overfitting`
    : `gap of ${points} points is within 5: it generalises well`;
  return { trainAccuracy, testAccuracy, gap, overfitting, verdict };
}

/** Indices of the images a model got wrong. */
export function mistakeIndices(labels: ArrayLike<number>, predictions: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== predictions[i]) out.push(i);
  return out;
}

/** Indices of the images on which two models predict different digits. */
export function disagreementIndices(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  if (a.length !== b.length) throw new Error(`cannot compare ${a.length} predictions with ${b.length}`);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

/** How two models' answers relate on each image: both right, only one right, or both wrong (agreeing or not). */
export function agreementCounts(
  labels: ArrayLike<number>,
  mlp: ArrayLike<number>,
  cnn: ArrayLike<number>,
): Record<string, number> {
  const out = {
    "both right": 0,
    "only MLP right": 0,
    "only CNN right": 0,
    "both wrong, same answer": 0,
    "both wrong, different answers": 0,
  };
  for (let i = 0; i < labels.length; i++) {
    const m = mlp[i] === labels[i];
    const c = cnn[i] === labels[i];
    if (m && c) out["both right"]++;
    else if (m) out["only MLP right"]++;
    else if (c) out["only CNN right"]++;
    else if (mlp[i] === cnn[i]) out["both wrong, same answer"]++;
    else out["both wrong, different answers"]++;
  }
  return out;
}

/** How two models' answers relate on every image (see {@link agreementCounts}), as a table. */
export function agreementFrame(
  labels: ArrayLike<number>,
  mlp: ArrayLike<number>,
  cnn: ArrayLike<number>,
): pl.DataFrame {
  const counts = agreementCounts(labels, mlp, cnn);
  return pl.DataFrame({
    outcome: Object.keys(counts),
    images: pl.Series("images", Object.values(counts), pl.Int32),
  });
}

/** Per-digit accuracy of several models: one row per digit, a column per model. */
export function perClassFrame(accuracies: Record<string, number[]>): pl.DataFrame {
  return pl.DataFrame({
    digit: pl.Series("digit", Array.from({ length: NUM_CLASSES }, (_, d) => d), pl.Int32),
    ...accuracies,
  });
}
