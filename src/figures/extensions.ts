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
import { tr } from "../i18n.ts";

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
  return imageGrid(augmentationTiles(split, indices, variants, seed, options), {
    scale: 3,
    columns: variants + 1,
    title: augmentationTitle(variants, options),
  });
}

/** The tiles of {@link augmentationGrid}: each digit, captioned "original N", then its copies with their transforms. */
export function augmentationTiles(
  split: MnistSplit,
  indices: number[],
  variants = 5,
  seed = 1,
  options: AugmentOptions = SOURCE_001_AUGMENTATION,
): Tile[] {
  const rng = createRng(seed);
  const tiles: Tile[] = [];
  for (const index of indices) {
    const original = imageAt(split, index);
    tiles.push({
      values: original,
      width: IMAGE_SIZE,
      height: IMAGE_SIZE,
      caption: [tr({ en: `original ${split.labels[index]}`, ko: `원본 ${split.labels[index]}` })],
    });
    for (let v = 0; v < variants; v++) {
      const t = randomTransform(rng, options);
      const copy = new Uint8Array(PIXELS_PER_IMAGE);
      transformImage(original, copy, t);
      const cut = t.cut?.toFixed(2);
      tiles.push({
        values: copy,
        width: IMAGE_SIZE,
        height: IMAGE_SIZE,
        caption: [
          `${t.angle.toFixed(1)}°, ×${((t.zoomX + t.zoomY) / 2).toFixed(2)}`,
          ...(cut === undefined ? [] : [tr({ en: `pen cut ${cut}`, ko: `펜 자르기 ${cut}` })]),
        ],
      });
    }
  }
  return tiles;
}

/** The title of {@link augmentationGrid}: how many copies, and the ranges they are drawn from. */
export function augmentationTitle(variants: number, options: AugmentOptions): string {
  const [rotation, zoom, shift] = [options.rotation, options.zoom * 100, options.shift * 100];
  const pen = options.stroke ? penCuts(options.stroke) : null;
  return tr({
    en: `Each digit and ${variants} random copies (rotation ≤ ${rotation}°, zoom ≤ ${zoom}%, shift ≤ ${shift}%${
      pen ? `, pen cut ${pen}` : ""
    })`,
    ko: `숫자마다 무작위 사본 ${variants}개 (회전 ≤ ${rotation}°, 확대/축소 ≤ ${zoom}%, 이동 ≤ ${shift}%${
      pen ? `, 펜 자르기 ${pen}` : ""
    })`,
  });
}

/** The range of the pen's cut: 0.4 → "0.1–0.9". */
function penCuts(stroke: number): string {
  return `${Number((0.5 - stroke).toFixed(2))}–${Number((0.5 + stroke).toFixed(2))}`;
}

/** Learning curves of a run with early stopping, with a dashed line at the epoch whose weights were kept. */
export function earlyStoppingCurvesFigure(rows: EpochRow[], bestEpoch: number, patience: number): Displayable {
  return learningCurves(historyFrame(rows), {
    title: tr({
      en: `Early stopping (patience ${patience}): the weights kept are epoch ${bestEpoch}'s`,
      ko: `조기 종료 (patience ${patience}): 남긴 가중치는 ${bestEpoch}번째 에폭의 것`,
    }),
    markEpoch: { epoch: bestEpoch, label: tr({ en: "kept", ko: "남김" }) },
  });
}
