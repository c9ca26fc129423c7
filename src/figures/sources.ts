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
import { type Bilingual, tr } from "../i18n.ts";

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
  if (options.markLowest) {
    marks.push({ epoch: lowestLossEpoch(rows), label: tr({ en: "lowest test loss", ko: "테스트 손실 최저" }) });
  }
  if (options.keptEpoch !== undefined) {
    marks.push({ epoch: options.keptEpoch, label: tr({ en: "early stopping kept", ko: "조기 종료가 남긴 에폭" }) });
  }
  return learningCurves(historyFrame(rows), { title, heldOutLabel: "test", markEpoch: marks });
}

/**
 * Source 003's model on scaled and on raw grey levels: test accuracy and test
 * loss per epoch (the loss on a log scale: the two differ by orders of magnitude).
 */
export function rawPixelsFigure(scaled: EpochRow[], raw: EpochRow[]): Displayable {
  const [scaledName, rawName] = ["÷ 255", tr({ en: "raw 0-255", ko: "원래 값 0-255" })];
  const histories = [
    { model: scaledName, history: historyFrame(scaled) },
    { model: rawName, history: historyFrame(raw) },
  ];
  // the colours of the two inputs of source 003's model
  const colors = { [scaledName]: SPLIT_COLORS.train, [rawName]: SPLIT_COLORS.test };
  const options = { colors, heldOutLabel: "test" as const };
  return hconcat([
    compareCurves(histories, "val_accuracy", options),
    compareCurves(histories, "val_loss", { ...options, logScale: true }),
  ]).withTitle(tr({
    en: "Source 003's MLP with and without / 255 (test set after each epoch)",
    ko: "/ 255가 있을 때와 없을 때의 자료 003 MLP (에폭마다 테스트 데이터로 측정)",
  }));
}

/** What the legend calls source 001's extensions (the end of their run names). */
const EXTENSION_NAMES: Record<string, Bilingual> = {
  "fewer-eights": { en: "fewer-eights", ko: "8을 줄인 데이터" },
  "augmented-069": { en: "augmented-069", ko: "0·6·9 데이터 증강" },
  "fine-tuned": { en: "fine-tuned", ko: "미세 조정" },
};

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
  const label = (run: string) => {
    const suffix = run.startsWith(`${baseline.run}-`) ? run.slice(baseline.run.length + 1) : run;
    return EXTENSION_NAMES[suffix] ? tr(EXTENSION_NAMES[suffix]) : suffix;
  };
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
    title: tr({
      en: `Test accuracy per digit against ${baseline.run} (points)`,
      ko: `${baseline.run} 대비 숫자별 테스트 정확도 변화 (%p)`,
    }),
    xLabel: tr({ en: "digit", ko: "숫자" }),
    yLabel: tr({ en: "↑ change in accuracy (points)", ko: "↑ 정확도 변화 (%p)" }),
    colors,
    yDomain: [-largest, largest],
    labels: false,
    width: Math.max(FIGURE_WIDTH, NUM_CLASSES * others.length * 22),
  });
}
