/**
 * The tables of the sources' runs at their own settings (notebooks 08 and 09,
 * REPORT.md's "The sources' runs"): each source's printed numbers beside
 * ours, source 002's test loss over its 100 epochs, what raw grey levels do
 * to an untrained model (source 003), and source 001's extensions against its
 * baseline, per digit and on the drawings of notebook 06.
 *
 * Numbers are formatted as the rest of the course prints them: accuracies as
 * percentages with 2 decimals, losses with 4, differences in points.
 *
 * @module
 */
import pl from "nodejs-polars";
import { tf } from "../tf.ts";
import type { EpochRow } from "../display/training.ts";
import { confusionMatrix, type Evaluation, overfittingGap, perClassAccuracy } from "../evaluate.ts";
import { NUM_CLASSES } from "../data/mnist.ts";
import { decimal4, percent2 } from "./models.ts";
import { header } from "./headers.ts";
import { type Bilingual, tr } from "../i18n.ts";
import { PUBLISHED_TEST_ACCURACY, SOURCE_002, SOURCE_003 } from "../sources.ts";
import type { RunResult } from "../runs.ts";
import { getPreset } from "../models/presets.ts";

/** Notebook 09 shows the same drawing-accuracy table as notebook 06. */
export { drawingAccuracyTable } from "./drawing.ts";

/** This module's own column headers (the shared ones are in `headers.ts`). */
const COLUMNS = {
  gap_points: { en: "gap_points", ko: "과적합 정도 (%p)" },
  five_point_rule: { en: "five_point_rule", ko: "5%p 규칙" },
  times_lowest_test_loss: { en: "times_lowest_test_loss", ko: "최저 테스트 손실의 배수" },
  note: { en: "note", ko: "비고" },
  source_accuracy: { en: "source_accuracy", ko: "자료의 정확도" },
  our_accuracy: { en: "our_accuracy", ko: "이 과정의 정확도" },
  source_loss: { en: "source_loss", ko: "자료의 손실" },
  our_loss: { en: "our_loss", ko: "이 과정의 손실" },
  mean_hidden_value: { en: "mean_hidden_value", ko: "은닉층 평균값" },
  largest_hidden_value: { en: "largest_hidden_value", ko: "은닉층 최댓값" },
  images_over_99_9_percent_sure: { en: "images_over_99_9_percent_sure", ko: "확신도 99.9% 초과 이미지" },
  change: { en: "change", ko: "변경" },
  vs_baseline_points: { en: "vs_baseline_points", ko: "기준 모델 대비 (%p)" },
  wrong_8_answers: { en: "wrong_8_answers", ko: "8로 잘못 답한 수" },
  source: { en: "source", ko: "출처" },
  optimizer: { en: "optimizer", ko: "옵티마이저" },
  batch_size: { en: "batch_size", ko: "배치 크기" },
  seconds_per_epoch: { en: "seconds_per_epoch", ko: "에폭당 초" },
  source_test_accuracy: { en: "source_test_accuracy", ko: "출처의 테스트 정확도" },
} as const satisfies Record<string, Bilingual>;

/** One of this module's headers in the language in force. */
const column = (key: keyof typeof COLUMNS): string => tr(COLUMNS[key]);

/** Accuracy and loss on one split (what `model.evaluate` returns, or an {@link Evaluation}). */
export interface Score {
  accuracy: number;
  loss: number;
}

/** Points with a sign and 2 decimals: 0.0123 → "+1.23". */
export const signedPoints = (difference: number): string =>
  `${difference >= 0 ? "+" : "−"}${Math.abs(difference * 100).toFixed(2)}`;

/** What source 002's 5-point rule says about a gap (its own two verdicts). */
export function fivePointRule(train: number, test: number): string {
  // in Korean, the words of the source's own print-out ("과적합 가능성", "적절한 일반화 성능")
  return overfittingGap(train, test).overfitting
    ? tr({ en: "possible overfitting", ko: "과적합 가능성" })
    : tr({ en: "generalises well", ko: "적절한 일반화 성능" });
}

/** One of our runs of source 002's model, as its table lists it. */
export interface Source002Row {
  run: string;
  /** Epochs, as written in the table (e.g. "100", or "12 (stopped after 15)"). */
  epochs: string;
  train: Score;
  test: Score;
}

/**
 * Source 002's result beside ours: train and test accuracy, the gap and what
 * its 5-point rule makes of it, and both losses. The first row is what the
 * source printed.
 */
export function source002Table(ours: Source002Row[]): pl.DataFrame {
  const p = SOURCE_002.published;
  const rows = [
    {
      run: tr({ en: "source 002 (as printed)", ko: "자료 002 (출력된 값)" }),
      epochs: String(SOURCE_002.epochs),
      train: { accuracy: p.trainAccuracy, loss: p.trainLoss },
      test: { accuracy: p.testAccuracy, loss: p.testLoss },
    },
    ...ours,
  ];
  return pl.DataFrame({
    [header("run")]: rows.map((r) => r.run),
    [header("epochs")]: rows.map((r) => r.epochs),
    [header("train_accuracy")]: rows.map((r) => percent2(r.train.accuracy)),
    [header("test_accuracy")]: rows.map((r) => percent2(r.test.accuracy)),
    [column("gap_points")]: rows.map((r) => ((r.train.accuracy - r.test.accuracy) * 100).toFixed(2)),
    [column("five_point_rule")]: rows.map((r) => fivePointRule(r.train.accuracy, r.test.accuracy)),
    [header("train_loss")]: rows.map((r) => decimal4(r.train.loss)),
    [header("test_loss")]: rows.map((r) => decimal4(r.test.loss)),
  });
}

/** The epoch (1-based) with the lowest `val_loss` (the test loss, for a run that watches the test set). */
export function lowestLossEpoch(rows: EpochRow[]): number {
  if (rows.length === 0 || !("val_loss" in rows[0])) throw new Error("lowestLossEpoch needs rows with val_loss");
  let best = rows[0];
  for (const row of rows) if (row.val_loss < best.val_loss) best = row;
  return best.epoch;
}

/** Epochs the test-loss table shows besides the lowest one. */
const TEST_LOSS_EPOCHS = [1, 5, 10, 20, 30, 50, 75, 100];

/**
 * The test loss and accuracy of a run that watched the test set, at a few
 * epochs and at its lowest test loss: what the train–test accuracy gap does
 * not show. `train_loss` and `train_accuracy` are the running averages over
 * each epoch, as the training log prints them.
 */
export function testLossTable(rows: EpochRow[]): pl.DataFrame {
  const lowest = lowestLossEpoch(rows);
  const epochs = [...new Set([...TEST_LOSS_EPOCHS, lowest, rows.length])].filter((e) => e <= rows.length)
    .sort((a, b) => a - b);
  const picked = epochs.map((e) => rows[e - 1]);
  const epoch = header("epoch");
  const lowestNote = tr({ en: "lowest test loss", ko: "테스트 손실 최저" });
  return pl.DataFrame({
    [epoch]: pl.Series(epoch, epochs, pl.Int32),
    [header("train_loss")]: picked.map((r) => decimal4(r.loss)),
    [header("train_accuracy")]: picked.map((r) => percent2(r.accuracy)),
    [header("test_loss")]: picked.map((r) => decimal4(r.val_loss)),
    [header("test_accuracy")]: picked.map((r) => percent2(r.val_accuracy)),
    [column("times_lowest_test_loss")]: picked.map((r) => `${(r.val_loss / rows[lowest - 1].val_loss).toFixed(2)}×`),
    [column("note")]: picked.map((r) => (r.epoch === lowest ? lowestNote : "")),
  });
}

/** Source 002's printed log (epochs 1–7: the running train accuracy and loss) beside ours. */
export function firstEpochsTable(rows: EpochRow[]): pl.DataFrame {
  const log = SOURCE_002.publishedLog.filter((p) => p.epoch <= rows.length);
  const epoch = header("epoch");
  return pl.DataFrame({
    [epoch]: pl.Series(epoch, log.map((p) => p.epoch), pl.Int32),
    [column("source_accuracy")]: log.map((p) => percent2(p.accuracy)),
    [column("our_accuracy")]: log.map((p) => percent2(rows[p.epoch - 1].accuracy)),
    [column("source_loss")]: log.map((p) => decimal4(p.loss)),
    [column("our_loss")]: log.map((p) => decimal4(rows[p.epoch - 1].loss)),
  });
}

/** One of our runs of source 003's model. */
export interface Source003Row {
  run: string;
  /** What the model was fed: e.g. "÷ 255 (0 to 1)" or "raw (0 to 255)". */
  input: string;
  train: Score;
  test: Score;
}

/** Source 003's claim beside our runs of its model with and without `/ 255`. */
export function source003Table(ours: Source003Row[]): pl.DataFrame {
  const percent = (SOURCE_003.publishedTestAccuracy * 100).toFixed(0);
  const claimed = tr({
    en: `about ${percent}% (stated, not printed)`,
    ko: `약 ${percent}% (글에 적힌 값, 출력 아님)`,
  });
  return pl.DataFrame({
    [header("run")]: [tr({ en: "source 003 (the post)", ko: "자료 003 (블로그 글)" }), ...ours.map((r) => r.run)],
    [header("input")]: [
      tr({ en: "raw (its code has no / 255)", ko: "원래 값 (코드에 / 255가 없음)" }),
      ...ours.map((r) => r.input),
    ],
    [header("epochs")]: [String(SOURCE_003.epochs), ...ours.map(() => String(SOURCE_003.epochs))],
    [header("train_accuracy")]: ["", ...ours.map((r) => percent2(r.train.accuracy))],
    [header("test_accuracy")]: [claimed, ...ours.map((r) => percent2(r.test.accuracy))],
    [header("test_loss")]: ["", ...ours.map((r) => decimal4(r.test.loss))],
  });
}

/** An untrained model is "sure" of an image when its top probability is above this. */
export const SURE_PROBABILITY = 0.999;

/**
 * What the same model (untrained, or trained) does with differently scaled
 * inputs: the mean and largest value of its first hidden layer (after ReLU),
 * the share of images it gives one digit more than 99.9% probability, and its
 * loss. `inputs` maps a label to `[x, y]` (images and the labels its loss takes).
 */
export function inputScaleTable(model: tf.LayersModel, inputs: Record<string, [tf.Tensor, tf.Tensor]>): pl.DataFrame {
  const rows = Object.entries(inputs).map(([input, [x, y]]) => {
    const [meanHidden, maxHidden, sure] = tf.tidy(() => {
      // the output of the first dense layer: the layers before it (Flatten) reshape only
      const denseIndex = model.layers.findIndex((l) => l.getClassName() === "Dense");
      let h = x;
      for (const layer of model.layers.slice(0, denseIndex + 1)) h = layer.apply(h) as tf.Tensor;
      const top = (model.predict(x) as tf.Tensor).max(1);
      return [h.mean(), h.max(), top.greater(SURE_PROBABILITY).mean()].map((t) => t.dataSync()[0]);
    });
    const scores = model.evaluate(x, y) as tf.Scalar[];
    const [loss, accuracy] = scores.map((s) => s.dataSync()[0]);
    tf.dispose(scores);
    return { input, meanHidden, maxHidden, sure, loss, accuracy };
  });
  return pl.DataFrame({
    [header("input")]: rows.map((r) => r.input),
    [column("mean_hidden_value")]: rows.map((r) => r.meanHidden.toFixed(2)),
    [column("largest_hidden_value")]: rows.map((r) => r.maxHidden.toFixed(1)),
    [column("images_over_99_9_percent_sure")]: rows.map((r) => percent2(r.sure)),
    [header("accuracy")]: rows.map((r) => percent2(r.accuracy)),
    [header("loss")]: rows.map((r) => decimal4(r.loss)),
  });
}

/** One of source 001's runs for its comparison table. */
export interface Source001Row {
  run: string;
  /** What differs from the baseline, in a few words. */
  change: string;
  trainImages: number;
  /** Epochs, as written in the table (e.g. "5", or "5 + 3" for a fine-tuned model). */
  epochs: string;
  test: Evaluation;
  /** The test labels, to count how often the model answers 8 for another digit. */
  labels: ArrayLike<number>;
}

/** How many images of another digit a model called `digit` (its false alarms). */
export function wrongAnswersOf(digit: number, labels: ArrayLike<number>, predictions: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === digit && labels[i] !== digit) count++;
  return count;
}

/** Source 001's baseline and extensions: training images, epochs, test accuracy and loss, and wrong 8s. */
export function source001Table(rows: Source001Row[]): pl.DataFrame {
  const base = rows[0];
  const [trainingImages, wrongEights] = [header("training_images"), column("wrong_8_answers")];
  return pl.DataFrame({
    [header("run")]: rows.map((r) => r.run),
    [column("change")]: rows.map((r) => r.change),
    [trainingImages]: pl.Series(trainingImages, rows.map((r) => r.trainImages), pl.Int32),
    [header("epochs")]: rows.map((r) => r.epochs),
    [header("test_accuracy")]: rows.map((r) => percent2(r.test.accuracy)),
    [column("vs_baseline_points")]: rows.map((r) =>
      r === base ? "" : signedPoints(r.test.accuracy - base.test.accuracy)
    ),
    [header("test_loss")]: rows.map((r) => decimal4(r.test.loss)),
    [wrongEights]: pl.Series(wrongEights, rows.map((r) => wrongAnswersOf(8, r.labels, r.test.predictions)), pl.Int32),
  });
}

/** Per-digit test accuracy of each run (from its predictions). */
export function perDigitAccuracy(labels: ArrayLike<number>, predictions: ArrayLike<number>): number[] {
  return perClassAccuracy(confusionMatrix(labels, predictions));
}

/**
 * Per-digit test accuracy of a baseline and of runs measured against it: the
 * baseline's percentage, then each run's percentage with its difference in
 * points, and how many test images of the digit there are.
 */
export function perDigitChangeTable(
  labels: ArrayLike<number>,
  baseline: { run: string; predictions: ArrayLike<number> },
  others: { run: string; predictions: ArrayLike<number> }[],
): pl.DataFrame {
  const base = perDigitAccuracy(labels, baseline.predictions);
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  const [digit, testImages] = [header("digit"), header("test_images")];
  const columns: Record<string, unknown> = {
    [digit]: pl.Series(digit, [...Array(NUM_CLASSES).keys()], pl.Int32),
    [testImages]: pl.Series(testImages, counts, pl.Int32),
    [baseline.run]: base.map(percent2),
  };
  for (const other of others) {
    const accuracy = perDigitAccuracy(labels, other.predictions);
    columns[other.run] = accuracy.map((a, d) => `${percent2(a)} (${signedPoints(a - base[d])})`);
  }
  return pl.DataFrame(columns);
}

/** One model of the course at its source's settings, for the overview table. */
export interface SettingsRow {
  model: string;
  /** The run's source as `src/runs.ts` names it (in English; the table names it in the language in force). */
  source: string;
  parameters: number;
  optimizer: string;
  epochs: number;
  batchSize: number;
  /** Seconds the training took on this machine (when it ran). */
  seconds: number;
  test: Score;
  /**
   * The source's own test accuracy, as text in the language in force (e.g. "98.36%", "about 98%", or "" when it
   * printed none).
   */
  published: string;
}

/** The Korean name of each run's source (`RunSpec.source` in `src/runs.ts`), by its English name. */
const SOURCE_NAMES_KO: Readonly<Record<string, string>> = {
  "report §2.2": "보고서 §2.2",
  "report §4.1": "보고서 §4.1",
  "source 001": "자료 001",
  "source 002": "자료 002",
  "source 003": "자료 003",
  "source 001 (augmentation)": "자료 001 (데이터 증강)",
  "source 004 (early stopping and checkpoints)": "자료 004 (조기 종료와 체크포인트)",
  "source 002, with source 004's early stopping": "자료 002, 자료 004의 조기 종료 적용",
  "source 001 (class rebalancing)": "자료 001 (클래스 불균형 조정)",
  "source 001 (augmentation of some digits)": "자료 001 (일부 숫자의 데이터 증강)",
  "source 001 (fine-tuning the saved model)": "자료 001 (저장한 모델의 미세 조정)",
  "source 001 (deeper CNN, augmentation) taken further, with pen-width augmentation (notebook 06)":
    "자료 001 (더 깊은 CNN, 데이터 증강)을 더 밀고 나가 펜 굵기까지 증강 (06 노트북)",
};

/** A run's source as the tables name it, in the language in force (unknown names stay as written). */
export function sourceName(source: string): string {
  const ko = SOURCE_NAMES_KO[source];
  return ko ? tr({ en: source, ko }) : source;
}

/**
 * The overview row of a registry run: its parameters, its preset's optimizer,
 * its epochs and batch size, its training time, its test score, and its
 * source's published test accuracy ({@link PUBLISHED_TEST_ACCURACY}).
 */
export function settingsRow(run: RunResult, test: Score): SettingsRow {
  return {
    model: run.spec.name,
    source: run.spec.source,
    parameters: run.model.countParams(),
    optimizer: getPreset(run.spec.preset).optimizer,
    epochs: run.rows.length,
    batchSize: run.spec.batchSize,
    seconds: run.seconds,
    test,
    published: PUBLISHED_TEST_ACCURACY[run.spec.name] ? tr(PUBLISHED_TEST_ACCURACY[run.spec.name]) : "",
  };
}

/** Every model at its source's settings: size, settings, time per epoch and test accuracy, and the source's own. */
export function settingsTable(rows: SettingsRow[]): pl.DataFrame {
  const [parameters, epochs, batchSize] = [header("parameters"), header("epochs"), column("batch_size")];
  return pl.DataFrame({
    [header("model")]: rows.map((r) => r.model),
    [column("source")]: rows.map((r) => sourceName(r.source)),
    [parameters]: pl.Series(parameters, rows.map((r) => r.parameters), pl.Int32),
    [column("optimizer")]: rows.map((r) => r.optimizer),
    [epochs]: pl.Series(epochs, rows.map((r) => r.epochs), pl.Int32),
    [batchSize]: pl.Series(batchSize, rows.map((r) => r.batchSize), pl.Int32),
    [column("seconds_per_epoch")]: rows.map((r) => (r.seconds / r.epochs).toFixed(1)),
    [header("test_accuracy")]: rows.map((r) => percent2(r.test.accuracy)),
    [header("test_loss")]: rows.map((r) => decimal4(r.test.loss)),
    [column("source_test_accuracy")]: rows.map((r) => r.published),
  });
}
