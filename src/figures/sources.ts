/**
 * The figures of the sources' runs at their own settings (notebooks 08 and
 * 09, REPORT.md's "The sources' runs"): source 002's 100 epochs of train and
 * test curves, source 003's run with and without `/ 255`, and source 001's
 * extensions per digit against its baseline.
 *
 * @module
 */
import type { EpochRow } from "../display/training.ts";
import { compareCurves, type EpochMark, groupedBars, learningCurves } from "../plots/charts.ts";
import { type Displayable, hconcat } from "../plots/figure.ts";
import { historyFrame } from "../tables/models.ts";
import { lowestLossEpoch, perDigitAccuracy } from "../tables/sources.ts";
import { NUM_CLASSES } from "../data/mnist.ts";
import { FIGURE_WIDTH, MODEL_COLORS, NEUTRAL_COLOR, SPLIT_COLORS } from "../plots/theme.ts";

/**
 * Train and test curves of a run that watched the test set after every epoch.
 * With `markLowest`, a dashed line at the lowest test loss; with `keptEpoch`,
 * one at the epoch an early-stopping run kept.
 */
export function testCurvesFigure(
  title: string,
  rows: EpochRow[],
  options: { markLowest?: boolean; keptEpoch?: number } = {},
): Displayable {
  const marks: EpochMark[] = [];
  if (options.markLowest) marks.push({ epoch: lowestLossEpoch(rows), label: "lowest test loss" });
  if (options.keptEpoch !== undefined) marks.push({ epoch: options.keptEpoch, label: "early stopping kept" });
  return learningCurves(historyFrame(rows), { title, heldOutLabel: "test", markEpoch: marks });
}

/** Colours of the two inputs of source 003's model. */
const INPUT_COLORS = { "÷ 255": SPLIT_COLORS.train, "raw 0-255": SPLIT_COLORS.test };

/**
 * Source 003's model on scaled and on raw grey levels: test accuracy and test
 * loss per epoch (the loss on a log scale: the two differ by orders of magnitude).
 */
export function rawPixelsFigure(scaled: EpochRow[], raw: EpochRow[]): Displayable {
  const histories = [
    { model: "÷ 255", history: historyFrame(scaled) },
    { model: "raw 0-255", history: historyFrame(raw) },
  ];
  const options = { colors: INPUT_COLORS, heldOutLabel: "test" as const };
  return hconcat([
    compareCurves(histories, "val_accuracy", options),
    compareCurves(histories, "val_loss", { ...options, logScale: true }),
  ]).withTitle("Source 003's MLP with and without / 255 (test set after each epoch)");
}

/** Bar colours of source 001's extensions. */
const EXTENSION_COLORS = [MODEL_COLORS.MLP, MODEL_COLORS.CNN, NEUTRAL_COLOR, SPLIT_COLORS.test];

/**
 * Per-digit test accuracy of each extension minus the baseline's, in points
 * (a bar above zero: the extension reads that digit better).
 */
export function perDigitChangeFigure(
  labels: ArrayLike<number>,
  baseline: { run: string; predictions: ArrayLike<number> },
  others: { run: string; predictions: ArrayLike<number> }[],
): Displayable {
  const base = perDigitAccuracy(labels, baseline.predictions);
  // the legend names each run by what follows the baseline's name ("source-001-cnn-fine-tuned" → "fine-tuned")
  const label = (run: string) => (run.startsWith(`${baseline.run}-`) ? run.slice(baseline.run.length + 1) : run);
  const rows = others.flatMap((other) =>
    perDigitAccuracy(labels, other.predictions).map((a, digit) => ({
      group: digit,
      series: label(other.run),
      value: (a - base[digit]) * 100,
    }))
  );
  const colors = Object.fromEntries(
    others.map((o, i) => [label(o.run), EXTENSION_COLORS[i % EXTENSION_COLORS.length]]),
  );
  // a symmetric axis with room above the longest bar, in half points (the bars are clipped to the axis)
  const largest = Math.ceil(Math.max(1, ...rows.map((r) => Math.abs(r.value))) * 1.1 * 2) / 2;
  return groupedBars(rows, {
    title: `Test accuracy per digit against ${baseline.run} (points)`,
    xLabel: "digit",
    yLabel: "↑ change in accuracy (points)",
    colors,
    yDomain: [-largest, largest],
    labels: false,
    width: Math.max(FIGURE_WIDTH, NUM_CLASSES * others.length * 22),
  });
}
