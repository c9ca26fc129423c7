/**
 * Measuring a trained model: accuracy and loss on a split (Keras's
 * `evaluate`, called as the notebooks call it), predictions, the confusion
 * matrix, per-class accuracy and the overfitting gap with one source's rule.
 *
 * Inference runs in batches inside `tf.tidy`, so no tensor outlives a call.
 *
 * @module
 */
import pl from "nodejs-polars";
import { tf } from "./tf.ts";
import { type MnistSplit, NUM_CLASSES } from "./data/mnist.ts";
import { sliceSplit } from "./data/splits.ts";
import { imageTensor, labelTensor, oneHotTensor, type Pixels } from "./data/tensors.ts";
import { inputShapeOf, labelEncodingOf } from "./models/presets.ts";

/** Batch size for predictions; large batches are fastest and memory stays small. */
export const PREDICT_BATCH_SIZE = 1000;
/** One source's rule: a train–test accuracy gap above 5 points suggests overfitting. */
export const OVERFITTING_THRESHOLD = 0.05;

/** What {@link evaluateModel} and {@link predictProbabilities} need to know about the model's input. */
export interface EvaluateOptions {
  /** The grey levels the model was trained on: scaled to [0, 1] (default) or raw 0–255 (source 003's code). */
  pixels?: Pixels;
}

/** Class probabilities for every image of a split, `count × 10`, row after row. */
export function predictProbabilities(
  model: tf.LayersModel,
  split: MnistSplit,
  options: EvaluateOptions = {},
): Float32Array {
  const shape = inputShapeOf(model);
  const out = new Float32Array(split.count * NUM_CLASSES);
  for (let start = 0; start < split.count; start += PREDICT_BATCH_SIZE) {
    const part = sliceSplit(split, start, start + PREDICT_BATCH_SIZE);
    const probs = tf.tidy(() =>
      (model.predict(imageTensor(part, shape, options.pixels)) as tf.Tensor).dataSync() as Float32Array
    );
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

/** Accuracy and loss of a model on a split, with its predictions. */
export interface Evaluation {
  /** Fraction of images classified correctly (Keras's `evaluate`). */
  accuracy: number;
  /** The model's loss (cross-entropy), as Keras's `evaluate` reports it. */
  loss: number;
  /** Predicted digit of each image. */
  predictions: Uint8Array;
  /** Probabilities, `count × 10`. */
  probabilities: Float32Array;
  /** Number of images. */
  count: number;
}

/**
 * `model.evaluate(x, y)` on a split, exactly as a notebook cell calls it
 * (Keras's default batch size, 32), so a notebook and `reproduce` print the
 * same numbers: returns `[loss, accuracy]`.
 */
export function evaluateLossAndAccuracy(
  model: tf.LayersModel,
  split: MnistSplit,
  options: EvaluateOptions = {},
): [number, number] {
  const encoding = labelEncodingOf(model);
  if (!encoding) throw new Error(`model ${model.name} is not compiled with a categorical cross-entropy`);
  const x = imageTensor(split, inputShapeOf(model), options.pixels);
  const y = encoding === "sparse" ? labelTensor(split) : oneHotTensor(split);
  try {
    const scores = model.evaluate(x, y) as tf.Scalar[];
    const values = scores.map((s) => s.dataSync()[0]);
    tf.dispose(scores);
    return [values[0], values[1]];
  } finally {
    tf.dispose([x, y]);
  }
}

/** Evaluates `model` on `split`: `evaluate`'s loss and accuracy, and every image's prediction. */
export function evaluateModel(model: tf.LayersModel, split: MnistSplit, options: EvaluateOptions = {}): Evaluation {
  const [loss, accuracy] = evaluateLossAndAccuracy(model, split, options);
  const probabilities = predictProbabilities(model, split, options);
  return { accuracy, loss, predictions: argmaxRows(probabilities), probabilities, count: split.count };
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
