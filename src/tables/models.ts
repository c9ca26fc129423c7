/**
 * The tables of the model notebooks (02, 03, 04): a run's history, accuracy and
 * loss on the two splits, parameters per layer, one image's probabilities,
 * per-digit accuracy and the confusion matrix. Numbers are printed as the
 * report prints them: losses with 4 decimals, accuracies as percentages with 2.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { tf } from "../tf.ts";
import { NUM_CLASSES } from "../data/mnist.ts";
import type { EpochRow } from "../display/training.ts";
import { tr } from "../i18n.ts";

/** A loss (or any fraction the report prints as a decimal) with 4 decimals. */
export const decimal4 = (v: number): string => v.toFixed(4);
/** An accuracy as a percentage with 2 decimals, as the report's tables print it. */
export const percent2 = (v: number): string => `${(v * 100).toFixed(2)}%`;

/** Metric columns of a history, in the order Keras prints them. */
const HISTORY_COLUMNS = ["accuracy", "loss", "val_accuracy", "val_loss"];

/**
 * A training history as a table: one row per epoch, the metrics with 4
 * decimals (as Keras prints them) and the seconds the epoch took.
 */
export function historyTable(rows: EpochRow[]): pl.DataFrame {
  if (rows.length === 0) return pl.DataFrame({ epoch: [] as number[] });
  const columns = HISTORY_COLUMNS.filter((c) => c in rows[0]);
  const epoch = tr({ en: "epoch", ko: "에폭" });
  return pl.DataFrame({
    [epoch]: pl.Series(epoch, rows.map((r) => r.epoch), pl.Int32),
    ...Object.fromEntries(columns.map((c) => [c, rows.map((r) => decimal4(r[c]))])),
    ...("seconds" in rows[0] ? { [tr({ en: "seconds", ko: "초" })]: rows.map((r) => r.seconds.toFixed(1)) } : {}),
  });
}

/** A history's numbers as a DataFrame of floats (for figures and CSV files, full precision). */
export function historyFrame(rows: EpochRow[]): pl.DataFrame {
  if (rows.length === 0) return pl.DataFrame({ epoch: [] as number[] });
  const columns = ["epoch", ...HISTORY_COLUMNS].filter((c) => c in rows[0]);
  return pl.DataFrame(
    columns.map((c) =>
      c === "epoch" ? pl.Series(c, rows.map((r) => r[c]), pl.Int32) : pl.Series(c, rows.map((r) => r[c]), pl.Float64)
    ),
  );
}

/** Train and test accuracy and loss, one row per split, as the report's section 2.3 prints them. */
export function scoresTable(scores: { train: [number, number]; test: [number, number] }): pl.DataFrame {
  return pl.DataFrame({
    [tr({ en: "data", ko: "데이터" })]: [tr({ en: "train", ko: "학습" }), tr({ en: "test", ko: "테스트" })],
    [tr({ en: "accuracy", ko: "정확도" })]: [percent2(scores.train[1]), percent2(scores.test[1])],
    [tr({ en: "loss", ko: "손실" })]: [decimal4(scores.train[0]), decimal4(scores.test[0])],
  });
}

/** Parameters per layer of each model, and the total. */
export function parameterTable(models: Record<string, tf.LayersModel>): pl.DataFrame {
  const rows = Object.entries(models).flatMap(([name, model]) => [
    ...model.layers.map((l) => ({ model: name, layer: l.getClassName(), parameters: l.countParams() })),
    { model: name, layer: tr({ en: "total", ko: "합계" }), parameters: model.countParams() },
  ]);
  const parameters = tr({ en: "parameters", ko: "파라미터 수" });
  return pl.DataFrame({
    [tr({ en: "model", ko: "모델" })]: rows.map((r) => r.model),
    [tr({ en: "layer", ko: "층" })]: rows.map((r) => r.layer),
    [parameters]: pl.Series(parameters, rows.map((r) => r.parameters), pl.Int32),
  });
}

/** The probability of every digit for one image, as percentages with 2 decimals. */
export function probabilityTable(probabilities: ArrayLike<number>): pl.DataFrame {
  if (probabilities.length !== NUM_CLASSES) {
    throw new RangeError(`expected ${NUM_CLASSES} probabilities, got ${probabilities.length}`);
  }
  const digit = tr({ en: "digit", ko: "숫자" });
  return pl.DataFrame({
    [digit]: pl.Series(digit, [...Array(NUM_CLASSES).keys()], pl.Int32),
    [tr({ en: "probability", ko: "확률" })]: Array.from(probabilities, (p) => percent2(p)),
  });
}

/** Per-digit accuracy of several models: one row per digit, a column per model (percentages). */
export function perClassTable(accuracies: Record<string, number[]>): pl.DataFrame {
  const digit = tr({ en: "digit", ko: "숫자" });
  return pl.DataFrame({
    [digit]: pl.Series(digit, Array.from({ length: NUM_CLASSES }, (_, d) => d), pl.Int32),
    ...Object.fromEntries(Object.entries(accuracies).map(([name, values]) => [name, values.map(percent2)])),
  });
}

/** Per-digit accuracy as floats (for CSV files). */
export function perClassFrame(accuracies: Record<string, number[]>): pl.DataFrame {
  return pl.DataFrame({
    digit: pl.Series("digit", Array.from({ length: NUM_CLASSES }, (_, d) => d), pl.Int32),
    ...accuracies,
  });
}

/** A confusion matrix as a table: one row per true digit, a column per predicted digit. */
export function confusionTable(matrix: number[][]): pl.DataFrame {
  // the Korean words of the confusion-matrix figure's axes (실제 숫자, 예측한 숫자)
  const actual = tr({ en: "true", ko: "실제 숫자" });
  const columns: Record<string, pl.Series> = { [actual]: pl.Series(actual, [...Array(NUM_CLASSES).keys()], pl.Int32) };
  for (let p = 0; p < NUM_CLASSES; p++) {
    const predicted = tr({ en: `pred_${p}`, ko: `예측 ${p}` });
    columns[predicted] = pl.Series(predicted, matrix.map((r) => r[p]), pl.Int32);
  }
  return pl.DataFrame(columns);
}
