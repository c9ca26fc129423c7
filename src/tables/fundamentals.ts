/**
 * The tables of notebook 02 (fundamentals): each digit's share in several
 * splits, the steps per epoch that batch sizes give, where gradient descent
 * ended, one-neuron models on pairs of digits, and the report's MLP trained
 * with each activation function. Accuracies as percentages with 2 decimals,
 * losses with 4, as everywhere in the course.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { tf } from "../tf.ts";
import { fastPathReport } from "../backend/fast_path.ts";
import { NUM_CLASSES } from "../data/mnist.ts";
import type { MnistSplit } from "../data/mnist.ts";
import { classShares, type DescentRun } from "../figures/fundamentals.ts";
import { decimal4, percent2 } from "./models.ts";

/**
 * One row per digit with its share (%) in each named split, and a last row
 * with the number of images of each split.
 *
 * @example
 * classShareTable({ "all 70,000": all, "8:2 train": parts.train, "8:2 test": parts.test })
 */
export function classShareTable(splits: Record<string, MnistSplit>): pl.DataFrame {
  const names = Object.keys(splits);
  if (names.length === 0) throw new Error("classShareTable needs at least one split");
  const rows = [...Array.from({ length: NUM_CLASSES }, (_, d) => String(d)), "images"];
  return pl.DataFrame({
    digit: rows,
    ...Object.fromEntries(names.map((name) => {
      const split = splits[name];
      const shares = classShares(split).map(percent2);
      return [name, [...shares, split.count.toLocaleString("en-US")]];
    })),
  });
}

/** Steps (batches) in one epoch over `images` with batches of `batchSize`: the last batch may be smaller. */
export function stepsPerEpoch(images: number, batchSize: number): number {
  if (!Number.isInteger(images) || images < 0) throw new RangeError(`images must be a whole number ≥ 0, got ${images}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batch size must be a whole number ≥ 1, got ${batchSize}`);
  }
  return Math.ceil(images / batchSize);
}

/** For each setting: images per epoch, batch size, steps per epoch and the size of the last batch. */
export function stepsPerEpochTable(rows: { setting: string; images: number; batchSize: number }[]): pl.DataFrame {
  return pl.DataFrame({
    setting: rows.map((r) => r.setting),
    images: pl.Series("images", rows.map((r) => r.images), pl.Int32),
    batch_size: pl.Series("batch_size", rows.map((r) => r.batchSize), pl.Int32),
    steps_per_epoch: pl.Series("steps_per_epoch", rows.map((r) => stepsPerEpoch(r.images, r.batchSize)), pl.Int32),
    last_batch: pl.Series(
      "last_batch",
      rows.map((r) => r.images - (stepsPerEpoch(r.images, r.batchSize) - 1) * r.batchSize),
      pl.Int32,
    ),
  });
}

/** How close to the minimum loss a run must end to count as having reached it. */
const AT_MINIMUM_TOLERANCE = 1e-3;

/**
 * Where each run of gradient descent ended: its weights and loss after the
 * last step, how far that loss is above the lowest possible one, and the
 * outcome: reached the minimum, still on its way, or diverged (the loss grew).
 */
export function descentTable(runs: DescentRun[], minimumLoss: number): pl.DataFrame {
  const last = runs.map((r) => r.path[r.path.length - 1]);
  const fmt = (v: number) => (Number.isFinite(v) && Math.abs(v) < 1e6 ? v.toFixed(4) : v.toExponential(2));
  return pl.DataFrame({
    run: runs.map((r) => r.label),
    steps: pl.Series("steps", last.map((p) => p.step), pl.Int32),
    w: last.map((p) => fmt(p.w)),
    b: last.map((p) => fmt(p.b)),
    loss: last.map((p) => fmt(p.loss)),
    above_minimum: last.map((p) => fmt(p.loss - minimumLoss)),
    outcome: runs.map((r, i) => {
      const end = last[i].loss;
      if (!Number.isFinite(end) || end > r.path[0].loss) return "diverged: the loss grew";
      return end - minimumLoss < AT_MINIMUM_TOLERANCE ? "reached the minimum" : "still on its way";
    }),
  });
}

/** One row per pair of digits a one-neuron model separates: images, and accuracy and loss on its test images. */
export function pairResultsTable(
  rows: { pair: [number, number]; trainImages: number; testImages: number; testAccuracy: number; testLoss: number }[],
): pl.DataFrame {
  return pl.DataFrame({
    pair: rows.map((r) => `${r.pair[0]} vs ${r.pair[1]}`),
    train_images: pl.Series("train_images", rows.map((r) => r.trainImages), pl.Int32),
    test_images: pl.Series("test_images", rows.map((r) => r.testImages), pl.Int32),
    test_accuracy: rows.map((r) => percent2(r.testAccuracy)),
    test_loss: rows.map((r) => decimal4(r.testLoss)),
  });
}

/** How `fit` ran a model's training step on this backend: the course's direct step, or TF.js's own. */
export function trainingStepOf(model: tf.LayersModel): string {
  const report = fastPathReport(model);
  if (!report) return "TF.js (cpu backend)";
  return report.step.ok ? "course's direct step" : "TF.js's own step";
}

/**
 * The report's MLP with each activation function in its hidden layer: its
 * parameters, test accuracy and loss, and training seconds per epoch, with the
 * training step that ran (ReLU's is the course's faster direct step, so its
 * time does not compare with the others').
 */
export function activationRunsTable(
  rows: {
    activation: string;
    model: tf.LayersModel;
    epochs: number;
    seconds: number;
    testAccuracy: number;
    testLoss: number;
  }[],
): pl.DataFrame {
  return pl.DataFrame({
    activation: rows.map((r) => r.activation),
    parameters: pl.Series("parameters", rows.map((r) => r.model.countParams()), pl.Int32),
    test_accuracy: rows.map((r) => percent2(r.testAccuracy)),
    test_loss: rows.map((r) => decimal4(r.testLoss)),
    seconds_per_epoch: rows.map((r) => (r.seconds / r.epochs).toFixed(1)),
    training_step: rows.map((r) => trainingStepOf(r.model)),
  });
}
