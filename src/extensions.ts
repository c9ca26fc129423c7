/**
 * The extensions the sources list, for notebook 06: data augmentation (source
 * 001), early stopping with a checkpoint (source 004) and the sources' deeper
 * models (sources 001–003). The runs are ordinary {@link TrainConfig}s, so the
 * model cache, seeds and quick mode work as for the report's runs.
 *
 * @module
 */
import pl from "nodejs-polars";
import { isQuickMode, QUICK } from "./experiments.ts";
import { makeTrainConfig, type TrainConfig, type TrainResult } from "./train.ts";
import { createRng, DEFAULT_SEED } from "./random.ts";
import { randomTransform, SOURCE_001_AUGMENTATION, transformImage } from "./data/augment.ts";
import { IMAGE_SIZE, imageAt, type MnistSplit, PIXELS_PER_IMAGE } from "./data/mnist.ts";
import { imageGrid, type Tile } from "./plots/digits.ts";
import type { PngImage } from "./plots/figure.ts";
import type { Evaluation } from "./evaluate.ts";
import { getPreset } from "./models/presets.ts";

/** Early stopping as notebook 06 uses it: at most 30 epochs, stop after 3 without a new lowest validation loss. */
export const EARLY_STOPPING = { maxEpochs: 30, patience: 3 } as const;
/** Epochs for each deeper model (the deeper CNN takes about 50 s an epoch on the reference machine). */
export const DEEPER_EPOCHS = 3;

/** Names of notebook 06's runs. */
export type ExtensionName = "cnnAugmented" | "mlpEarlyStopping" | "deep-mlp" | "wide-mlp" | "deep-cnn";

/**
 * The configs of notebook 06's runs. `cnnAugmented` is the report's 5-epoch
 * CNN run (same seed, data and validation) with augmentation added, so the
 * two differ in that alone. Quick mode: the quick slices, 1 epoch (early
 * stopping: at most 4).
 */
export function extensionConfigs(
  quick: boolean = isQuickMode(),
  seed = DEFAULT_SEED,
): Record<ExtensionName, TrainConfig> {
  const sizes = quick
    ? { trainCount: QUICK.trainCount, testCount: QUICK.testCount }
    : { trainCount: null, testCount: null };
  const epochs = (full: number, quickEpochs = 1) => (quick ? quickEpochs : full);
  const deeper = (preset: string) => makeTrainConfig({ preset, epochs: epochs(DEEPER_EPOCHS), seed, ...sizes });
  return {
    cnnAugmented: makeTrainConfig({
      preset: "cnn",
      epochs: epochs(5),
      seed,
      validation: { kind: "test" },
      augment: { ...SOURCE_001_AUGMENTATION },
      ...sizes,
    }),
    mlpEarlyStopping: makeTrainConfig({
      preset: "mlp",
      epochs: epochs(EARLY_STOPPING.maxEpochs, 4),
      seed,
      earlyStopping: { patience: EARLY_STOPPING.patience },
      ...sizes,
    }),
    "deep-mlp": deeper("deep-mlp"),
    "wide-mlp": deeper("wide-mlp"),
    "deep-cnn": deeper("deep-cnn"),
  };
}

/**
 * Digits and random augmented copies of them: one row per digit, the original
 * first, then `variants` copies with source 001's ranges (seeded).
 */
export function augmentationGrid(split: MnistSplit, indices: number[], variants = 5, seed = 1): PngImage {
  const rng = createRng(seed);
  const tiles: Tile[] = [];
  for (const index of indices) {
    const original = imageAt(split, index);
    tiles.push({
      values: original,
      width: IMAGE_SIZE,
      height: IMAGE_SIZE,
      caption: [`original ${split.labels[index]}`],
    });
    for (let v = 0; v < variants; v++) {
      const t = randomTransform(rng, SOURCE_001_AUGMENTATION);
      const copy = new Uint8Array(PIXELS_PER_IMAGE);
      transformImage(original, copy, t);
      tiles.push({
        values: copy,
        width: IMAGE_SIZE,
        height: IMAGE_SIZE,
        caption: [`${t.angle.toFixed(1)}°, ×${((t.zoomX + t.zoomY) / 2).toFixed(2)}`],
      });
    }
  }
  return imageGrid(tiles, {
    scale: 3,
    columns: variants + 1,
    title: `Each digit and ${variants} random copies (rotation ≤ 5°, zoom ≤ 5%, shift ≤ 5%)`,
  });
}

/** One row per epoch of an early-stopping run: the validation loss, the best so far, and whether a checkpoint was saved. */
export function checkpointFrame(result: TrainResult): pl.DataFrame {
  const rows = result.history.toRecords() as Record<string, number>[];
  let best = Infinity;
  const saved = rows.map((r) => {
    const better = r.val_loss < best;
    if (better) best = r.val_loss;
    return better;
  });
  return pl.DataFrame({
    epoch: rows.map((r) => r.epoch),
    val_loss: rows.map((r) => r.val_loss),
    val_accuracy: rows.map((r) => r.val_accuracy),
    checkpoint: saved.map((s) => (s ? "saved (new lowest val_loss)" : "")),
    kept: rows.map((r) => (r.epoch === result.bestEpoch ? "← the model you get" : "")),
  });
}

/** A row of the deeper-models table. */
export interface DeeperRow {
  /** The preset's name. */
  name: string;
  result: TrainResult;
  test: Evaluation;
}

/** Model, description, parameters, epochs, seconds per epoch (when trained now, else null) and test accuracy and loss. */
export function deeperModelsFrame(rows: DeeperRow[]): pl.DataFrame {
  return pl.DataFrame({
    model: rows.map((r) => r.name),
    description: rows.map((r) => getPreset(r.name).description),
    parameters: rows.map((r) => r.result.model.countParams()),
    epochs: rows.map((r) => r.result.history.height),
    seconds_per_epoch: rows.map((r) =>
      r.result.fromCache ? null : Number((r.result.seconds / r.result.history.height).toFixed(1))
    ),
    test_accuracy: rows.map((r) => r.test.accuracy),
    test_loss: rows.map((r) => r.test.loss),
  });
}

/** Training and test accuracy, the gap between them, and the test loss, one row per model. */
export function modelComparisonFrame(rows: { model: string; train: Evaluation; test: Evaluation }[]): pl.DataFrame {
  return pl.DataFrame({
    model: rows.map((r) => r.model),
    train_accuracy: rows.map((r) => r.train.accuracy),
    test_accuracy: rows.map((r) => r.test.accuracy),
    gap_points: rows.map((r) => Number(((r.train.accuracy - r.test.accuracy) * 100).toFixed(2))),
    test_loss: rows.map((r) => r.test.loss),
  });
}
