/**
 * The figures of notebook 07 (the sources' extensions): digits beside their
 * augmented copies, and learning curves with the epoch early stopping kept.
 *
 * @module
 */
import { createRng } from "../random.ts";
import { type AugmentOptions, randomTransform, SOURCE_001_AUGMENTATION, transformImage } from "../data/augment.ts";
import { IMAGE_SIZE, imageAt, type MnistSplit, PIXELS_PER_IMAGE } from "../data/mnist.ts";
import { imageGrid, type Tile } from "../plots/digits.ts";
import type { PngImage } from "../plots/figure.ts";
import { learningCurves } from "../plots/charts.ts";
import type { Displayable } from "../plots/figure.ts";
import type { EpochRow } from "../display/training.ts";
import { historyFrame } from "../tables/models.ts";

/**
 * Digits and random augmented copies of them: one row per digit, the original
 * first, then `variants` copies with source 001's ranges (seeded).
 */
export function augmentationGrid(
  split: MnistSplit,
  indices: number[],
  variants = 5,
  seed = 1,
  options: AugmentOptions = SOURCE_001_AUGMENTATION,
): PngImage {
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
      const t = randomTransform(rng, options);
      const copy = new Uint8Array(PIXELS_PER_IMAGE);
      transformImage(original, copy, t);
      tiles.push({
        values: copy,
        width: IMAGE_SIZE,
        height: IMAGE_SIZE,
        caption: [
          `${t.angle.toFixed(1)}°, ×${((t.zoomX + t.zoomY) / 2).toFixed(2)}`,
          ...(t.cut === undefined ? [] : [`pen cut ${t.cut.toFixed(2)}`]),
        ],
      });
    }
  }
  return imageGrid(tiles, {
    scale: 3,
    columns: variants + 1,
    title: `Each digit and ${variants} random copies (rotation ≤ ${options.rotation}°, zoom ≤ ${
      options.zoom * 100
    }%, shift ≤ ${options.shift * 100}%${options.stroke ? `, pen cut ${penCuts(options.stroke)}` : ""})`,
  });
}

/** The range of the pen's cut: 0.4 → "0.1–0.9". */
function penCuts(stroke: number): string {
  return `${Number((0.5 - stroke).toFixed(2))}–${Number((0.5 + stroke).toFixed(2))}`;
}

/** Learning curves of a run with early stopping, with a dashed line at the epoch whose weights were kept. */
export function earlyStoppingCurvesFigure(rows: EpochRow[], bestEpoch: number, patience: number): Displayable {
  return learningCurves(historyFrame(rows), {
    title: `Early stopping (patience ${patience}): the weights kept are epoch ${bestEpoch}'s`,
    markEpoch: { epoch: bestEpoch, label: "kept" },
  });
}
