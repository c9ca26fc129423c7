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

/** One row per epoch of an early-stopping run: the validation loss, whether it was the lowest so far, and the epoch kept. */
export function earlyStoppingTable(rows: EpochRow[], bestEpoch: number): pl.DataFrame {
  let best = Infinity;
  const improved = rows.map((r) => {
    const better = r.val_loss < best;
    if (better) best = r.val_loss;
    return better;
  });
  return pl.DataFrame({
    epoch: pl.Series("epoch", rows.map((r) => r.epoch), pl.Int32),
    val_loss: rows.map((r) => decimal4(r.val_loss)),
    val_accuracy: rows.map((r) => percent2(r.val_accuracy)),
    lowest_so_far: improved.map((s) => (s ? "yes" : "")),
    kept: rows.map((r) => (r.epoch === bestEpoch ? "← the weights the model keeps" : "")),
  });
}

/** Train and test accuracy, the gap between them and the test loss, one row per model. */
export function runComparisonTable(rows: { model: string; train: Evaluation; test: Evaluation }[]): pl.DataFrame {
  return pl.DataFrame({
    model: rows.map((r) => r.model),
    train_accuracy: rows.map((r) => percent2(r.train.accuracy)),
    test_accuracy: rows.map((r) => percent2(r.test.accuracy)),
    gap_points: rows.map((r) => ((r.train.accuracy - r.test.accuracy) * 100).toFixed(2)),
    test_loss: rows.map((r) => decimal4(r.test.loss)),
  });
}
