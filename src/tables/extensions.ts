/**
 * The tables of notebook 07 (the sources' extensions): the epochs of an
 * early-stopping run, and runs side by side.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { EpochRow } from "../display/training.ts";
import type { Evaluation } from "../evaluate.ts";
import { decimal4, percent2 } from "./models.ts";
import { tr } from "../i18n.ts";

/** One row per epoch of an early-stopping run: the validation loss, whether it was the lowest so far, and the epoch kept. */
export function earlyStoppingTable(rows: EpochRow[], bestEpoch: number): pl.DataFrame {
  let best = Infinity;
  const improved = rows.map((r) => {
    const better = r.val_loss < best;
    if (better) best = r.val_loss;
    return better;
  });
  const epoch = tr({ en: "epoch", ko: "에폭" });
  return pl.DataFrame({
    [epoch]: pl.Series(epoch, rows.map((r) => r.epoch), pl.Int32),
    val_loss: rows.map((r) => decimal4(r.val_loss)),
    val_accuracy: rows.map((r) => percent2(r.val_accuracy)),
    [tr({ en: "lowest_so_far", ko: "지금까지 최저" })]: improved.map((s) => (s ? tr({ en: "yes", ko: "예" }) : "")),
    [tr({ en: "kept", ko: "남김" })]: rows.map((r) =>
      r.epoch === bestEpoch ? tr({ en: "← the weights the model keeps", ko: "← 모델이 남기는 가중치" }) : ""
    ),
  });
}

/** Train and test accuracy, the gap between them and the test loss, one row per model. */
export function runComparisonTable(rows: { model: string; train: Evaluation; test: Evaluation }[]): pl.DataFrame {
  return pl.DataFrame({
    [tr({ en: "model", ko: "모델" })]: rows.map((r) => r.model),
    [tr({ en: "train_accuracy", ko: "학습 정확도" })]: rows.map((r) => percent2(r.train.accuracy)),
    [tr({ en: "test_accuracy", ko: "테스트 정확도" })]: rows.map((r) => percent2(r.test.accuracy)),
    [tr({ en: "gap_points", ko: "차이 (포인트)" })]: rows.map((r) =>
      ((r.train.accuracy - r.test.accuracy) * 100).toFixed(2)
    ),
    [tr({ en: "test_loss", ko: "테스트 손실" })]: rows.map((r) => decimal4(r.test.loss)),
  });
}
