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
import { tr } from "../i18n.ts";

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
  const rows = [...Array.from({ length: NUM_CLASSES }, (_, d) => String(d)), tr({ en: "images", ko: "이미지 수" })];
  return pl.DataFrame({
    [tr({ en: "digit", ko: "숫자" })]: rows,
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
  const int = (en: string, ko: string, values: number[]) => {
    const name = tr({ en, ko });
    return [name, pl.Series(name, values, pl.Int32)] as const;
  };
  return pl.DataFrame(Object.fromEntries([
    [tr({ en: "setting", ko: "설정" }), rows.map((r) => r.setting)],
    int("images", "이미지 수", rows.map((r) => r.images)),
    int("batch_size", "배치 크기", rows.map((r) => r.batchSize)),
    int("steps_per_epoch", "에폭당 스텝", rows.map((r) => stepsPerEpoch(r.images, r.batchSize))),
    int(
      "last_batch",
      "마지막 배치",
      rows.map((r) => r.images - (stepsPerEpoch(r.images, r.batchSize) - 1) * r.batchSize),
    ),
  ]));
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
  const steps = tr({ en: "steps", ko: "스텝" });
  return pl.DataFrame({
    [tr({ en: "run", ko: "실행" })]: runs.map((r) => r.label),
    [steps]: pl.Series(steps, last.map((p) => p.step), pl.Int32),
    w: last.map((p) => fmt(p.w)),
    b: last.map((p) => fmt(p.b)),
    [tr({ en: "loss", ko: "손실" })]: last.map((p) => fmt(p.loss)),
    [tr({ en: "above_minimum", ko: "최솟값과의 차이" })]: last.map((p) => fmt(p.loss - minimumLoss)),
    [tr({ en: "outcome", ko: "결과" })]: runs.map((r, i) => {
      const end = last[i].loss;
      if (!Number.isFinite(end) || end > r.path[0].loss) {
        return tr({ en: "diverged: the loss grew", ko: "발산: 손실이 커짐" });
      }
      return end - minimumLoss < AT_MINIMUM_TOLERANCE
        ? tr({ en: "reached the minimum", ko: "최솟값에 도달" })
        : tr({ en: "still on its way", ko: "아직 가는 중" });
    }),
  });
}

/** One row per pair of digits a one-neuron model separates: images, and accuracy and loss on its test images. */
export function pairResultsTable(
  rows: { pair: [number, number]; trainImages: number; testImages: number; testAccuracy: number; testLoss: number }[],
): pl.DataFrame {
  const trainImages = tr({ en: "train_images", ko: "학습 이미지" });
  const testImages = tr({ en: "test_images", ko: "테스트 이미지" });
  return pl.DataFrame({
    [tr({ en: "pair", ko: "숫자 쌍" })]: rows.map((r) =>
      tr({ en: `${r.pair[0]} vs ${r.pair[1]}`, ko: `${r.pair[0]} 대 ${r.pair[1]}` })
    ),
    [trainImages]: pl.Series(trainImages, rows.map((r) => r.trainImages), pl.Int32),
    [testImages]: pl.Series(testImages, rows.map((r) => r.testImages), pl.Int32),
    [tr({ en: "test_accuracy", ko: "테스트 정확도" })]: rows.map((r) => percent2(r.testAccuracy)),
    [tr({ en: "test_loss", ko: "테스트 손실" })]: rows.map((r) => decimal4(r.testLoss)),
  });
}

/** How `fit` ran a model's training step on this backend: the course's direct step, or TF.js's own. */
export function trainingStepOf(model: tf.LayersModel): string {
  const report = fastPathReport(model);
  if (!report) return tr({ en: "TF.js (cpu backend)", ko: "TF.js (cpu 백엔드)" });
  return report.step.ok
    ? tr({ en: "course's direct step", ko: "이 과정의 직접 스텝" })
    : tr({ en: "TF.js's own step", ko: "TF.js 자체 스텝" });
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
  const parameters = tr({ en: "parameters", ko: "파라미터 수" });
  return pl.DataFrame({
    [tr({ en: "activation", ko: "활성화 함수" })]: rows.map((r) => r.activation),
    [parameters]: pl.Series(parameters, rows.map((r) => r.model.countParams()), pl.Int32),
    [tr({ en: "test_accuracy", ko: "테스트 정확도" })]: rows.map((r) => percent2(r.testAccuracy)),
    [tr({ en: "test_loss", ko: "테스트 손실" })]: rows.map((r) => decimal4(r.testLoss)),
    [tr({ en: "seconds_per_epoch", ko: "에폭당 초" })]: rows.map((r) => (r.seconds / r.epochs).toFixed(1)),
    [tr({ en: "training_step", ko: "학습 스텝" })]: rows.map((r) => trainingStepOf(r.model)),
  });
}
