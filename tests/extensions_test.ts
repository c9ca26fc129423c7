/**
 * Notebook 06's machinery (src/extensions.ts): the runs it trains, its tables
 * and its figure of augmented digits.
 */
import { assert, assertEquals } from "./assert.ts";
import { loadMnist } from "../src/data/mnist.ts";
import {
  augmentationGrid,
  checkpointFrame,
  DEEPER_EPOCHS,
  EARLY_STOPPING,
  extensionConfigs,
  modelComparisonFrame,
} from "../src/extensions.ts";
import { experimentConfigs } from "../src/notebook.ts";
import { historyFrame, type TrainResult } from "../src/train.ts";
import type { Evaluation } from "../src/evaluate.ts";
import { PNG_SIGNATURE } from "../src/plots/figure.ts";

Deno.test("extensionConfigs: the augmented CNN differs from the report's 5-epoch CNN only by augmentation", () => {
  for (const quick of [false, true]) {
    const ext = extensionConfigs(quick);
    const { augment, ...rest } = ext.cnnAugmented;
    assertEquals(augment, { rotation: 5, zoom: 0.05, shift: 0.05 });
    assertEquals(rest, experimentConfigs(quick).cnn5);
  }
  const full = extensionConfigs(false);
  assertEquals(full.mlpEarlyStopping.earlyStopping, { patience: EARLY_STOPPING.patience });
  assertEquals(full.mlpEarlyStopping.epochs, 30);
  assertEquals(full.mlpEarlyStopping.validation, { kind: "split", fraction: 0.1 });
  assertEquals(
    [full["deep-mlp"].epochs, full["wide-mlp"].epochs, full["deep-cnn"].epochs],
    [3, 3, 3].map(() => DEEPER_EPOCHS),
  );
  assertEquals(extensionConfigs(true)["deep-cnn"].trainCount, 2000);
});

Deno.test("checkpointFrame marks every new lowest validation loss and the epoch kept", () => {
  const rows = [0.5, 0.4, 0.45, 0.38, 0.39, 0.41, 0.42].map((v, i) => ({
    epoch: i + 1,
    loss: 0,
    accuracy: 0,
    val_loss: v,
    val_accuracy: 0,
  }));
  const result = { history: historyFrame(rows), bestEpoch: 4 } as unknown as TrainResult;
  const frame = checkpointFrame(result);
  const saved = frame.getColumn("checkpoint").toArray().map((s) => s !== "");
  assertEquals(saved, [true, true, false, true, false, false, false]);
  assertEquals(frame.getColumn("kept").toArray().findIndex((s) => s !== ""), 3);
});

Deno.test("modelComparisonFrame: accuracies and the gap in points", () => {
  const e = (accuracy: number, loss: number) => ({ accuracy, loss } as Evaluation);
  const frame = modelComparisonFrame([{ model: "a", train: e(0.99, 0.02), test: e(0.975, 0.08) }]);
  assertEquals(frame.height, 1);
  assertEquals(frame.getColumn("gap_points").toArray(), [1.5]);
});

Deno.test("augmentationGrid draws each digit and its copies as one PNG", async () => {
  const mnist = await loadMnist();
  const png = augmentationGrid(mnist.train, [0, 1], 3);
  assertEquals(Array.from(png.bytes.subarray(0, 8)), Array.from(PNG_SIGNATURE));
  // 4 columns (the digit and 3 copies) by 2 rows
  assert(png.width >= 4 * 28 * 3 && png.height >= 2 * 28 * 3 && png.width > png.height, `${png.width}×${png.height}`);
});
