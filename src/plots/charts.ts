/**
 * The course's charts, drawn with Observable Plot into SVG (a `document` from
 * linkedom stands in for the browser's DOM). One function per kind of figure;
 * each returns a {@link Figure} that a notebook displays and `reproduce` saves.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import type pl from "nodejs-polars";
import { Figure, hconcat } from "./figure.ts";
import { type Bilingual, tr } from "../i18n.ts";
import {
  FIGURE_HEIGHT,
  FIGURE_WIDTH,
  FONT_FAMILY,
  FONT_SIZE,
  HEATMAP_SCHEME,
  MODEL_COLORS,
  NEUTRAL_COLOR,
  PANEL_WIDTH,
  SPLIT_COLORS,
  SQUARE_SIZE,
  TEXT_COLOR,
} from "./theme.ts";

/** Observable Plot's options, as `Plot.plot` takes them. */
type PlotOptions = Plot.PlotOptions;

/**
 * Runs `Plot.plot` against a fresh linkedom document and wraps the SVG. Every
 * chart goes through here, so all share the course's font and background.
 */
export function renderPlot(options: PlotOptions, title?: string): Figure {
  const { document } = parseHTML("<html><body></body></html>") as unknown as { document: PlotOptions["document"] };
  const element = Plot.plot({
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    // Plot's default 40 px clips a label such as "6,000" at the course's 12 px font
    marginLeft: 48,
    ...options,
    style: { fontFamily: FONT_FAMILY, fontSize: `${FONT_SIZE}px`, background: "white", ...(options.style as object) },
    document,
  }) as unknown as { outerHTML: string; tagName: string };
  if (element.tagName.toLowerCase() !== "svg") {
    throw new Error("renderPlot expects a plain SVG chart (no Plot title, caption or legend options)");
  }
  const figure = new Figure(element.outerHTML);
  return title ? figure.withTitle(title) : figure;
}

/**
 * A bar's value label drawn twice, first as a thick white outline, so a grid
 * line running through it does not cross the digits (a separate mark rather
 * than `paintOrder`, which the PNG rasteriser ignores).
 */
function haloed(data: unknown[], options: Plot.TextOptions): Plot.Markish[] {
  return [
    Plot.text(data, { ...options, fill: "white", stroke: "white", strokeWidth: 4, strokeLinejoin: "round" }),
    Plot.text(data, options),
  ];
}

/** What the course's series are called in a chart (the data keeps the English keys, which pick the colours). */
const SERIES_NAMES: Readonly<Record<string, Bilingual>> = {
  train: { en: "train", ko: "학습" },
  validation: { en: "validation", ko: "검증" },
  test: { en: "test", ko: "테스트" },
  "held-out": { en: "held-out", ko: "검증" },
};

/** A series' name in the language in force (names of models, MLP and CNN, stay as they are). */
export function seriesName(key: string): string {
  const pair = SERIES_NAMES[key];
  return pair ? tr(pair) : key;
}

/** One row of a long-form series: x, y and the series it belongs to. */
interface SeriesPoint {
  epoch: number;
  value: number;
  series: string;
}

/** The rows of a polars DataFrame as plain objects. */
function rowsOf(frame: pl.DataFrame): Record<string, number>[] {
  return frame.toRecords() as Record<string, number>[];
}

/** A dashed vertical line at an epoch, with a label (e.g. the checkpoint of early stopping). */
export interface EpochMark {
  epoch: number;
  label: string;
}

/** Above this many epochs a curve is drawn without a dot per epoch (100 dots would hide the line). */
const MAX_DOTTED_EPOCHS = 30;

/** One panel of the learning curves: a metric per epoch for train and held-out data. */
function curvePanel(
  points: SeriesPoint[],
  yLabel: string,
  colors: Record<string, string>,
  percent: boolean,
  marks: EpochMark[] = [],
  logScale = false,
  /** Where mark labels go: where the curves are not (accuracies climb to the top, losses fall to the bottom). */
  labelAnchor: "top" | "bottom" = "top",
): Figure {
  const series = [...new Set(points.map((p) => p.series))];
  const epochs = [...new Set(points.map((p) => p.epoch))];
  return renderPlot({
    width: PANEL_WIDTH,
    height: FIGURE_HEIGHT,
    marginRight: 90,
    x: {
      label: tr({ en: "epoch", ko: "에폭" }),
      ticks: epochs.length <= 12 ? epochs : undefined,
      tickFormat: "d",
      nice: false,
    },
    y: {
      label: yLabel,
      grid: true,
      nice: true,
      // "~g": 0.2 and 10 rather than d3's default SI prefixes ("200m"); d3 leaves out labels that would crowd
      ...(logScale ? { type: "log", tickFormat: "~g" } : {}),
      ...(percent ? { tickFormat: (d: number) => `${(d * 100).toFixed(1)}` } : {}),
    },
    color: { domain: series, range: series.map((s) => colors[s] ?? NEUTRAL_COLOR) },
    marks: [
      ...marks.flatMap((mark, i) => [
        Plot.ruleX([mark.epoch], { stroke: TEXT_COLOR, strokeDasharray: "4,3" }),
        // several labels stack away from the edge so that two marks close together stay readable
        Plot.text([mark.label], {
          x: mark.epoch,
          frameAnchor: labelAnchor,
          dy: (labelAnchor === "top" ? 1 : -1) * (4 + i * (FONT_SIZE + 2)),
          dx: 4,
          textAnchor: "start",
        }),
      ]),
      Plot.line(points, { x: "epoch", y: "value", z: "series", stroke: "series", strokeWidth: 2 }),
      ...(epochs.length <= MAX_DOTTED_EPOCHS
        ? [Plot.dot(points, { x: "epoch", y: "value", fill: "series", r: 3 })]
        : []),
      Plot.text(
        points,
        Plot.selectLast({
          x: "epoch",
          y: "value",
          z: "series",
          text: (p: SeriesPoint) => seriesName(p.series),
          fill: "series",
          textAnchor: "start",
          dx: 6,
          fontWeight: "bold",
        }),
      ),
    ],
  });
}

/**
 * Learning curves like the report's: accuracy (left) and loss (right) per
 * epoch, training versus held-out data. Takes the history DataFrame of
 * `trainPreset` (columns epoch, loss, accuracy, val_loss, val_accuracy).
 *
 * @param heldOutLabel what the `val_` columns measured: "validation" (a split
 *   of the training images) or "test" (the report's CNN validated on the test set)
 */
export function learningCurves(
  history: pl.DataFrame,
  options: {
    title?: string;
    heldOutLabel?: "validation" | "test";
    /** Dashed vertical lines at epochs, with labels (e.g. the checkpoint of early stopping). */
    markEpoch?: EpochMark | EpochMark[];
  } = {},
): Figure {
  const marks = options.markEpoch === undefined ? [] : [options.markEpoch].flat();
  const heldOut = options.heldOutLabel ?? "validation";
  const rows = rowsOf(history);
  if (rows.length === 0) throw new Error("learningCurves needs a history with at least one epoch");
  const panel = (metric: "accuracy" | "loss") => {
    const points: SeriesPoint[] = [];
    for (const row of rows) {
      if (row[metric] !== undefined) points.push({ epoch: row.epoch, value: row[metric], series: "train" });
      if (row[`val_${metric}`] !== undefined) {
        points.push({ epoch: row.epoch, value: row[`val_${metric}`], series: heldOut });
      }
    }
    const label = metric === "accuracy"
      ? tr({ en: "↑ accuracy (%)", ko: "↑ 정확도 (%)" })
      : tr({ en: "↓ loss (cross-entropy)", ko: "↓ 손실 (교차 엔트로피)" });
    const accuracy = metric === "accuracy";
    return curvePanel(points, label, SPLIT_COLORS, accuracy, marks, false, accuracy ? "bottom" : "top");
  };
  const figure = hconcat([panel("accuracy"), panel("loss")]);
  return options.title ? figure.withTitle(options.title) : figure;
}

/**
 * Held-out accuracy or loss per epoch for several models in one chart, e.g.
 * the MLP's and the CNN's 10-epoch runs.
 */
export function compareCurves(
  histories: { model: string; history: pl.DataFrame }[],
  metric: "accuracy" | "loss" | "val_accuracy" | "val_loss",
  options: {
    title?: string;
    /** Colour of each model's curve (default: the course's MLP and CNN colours). */
    colors?: Record<string, string>;
    /** What the `val_` columns measured (default "held-out"). */
    heldOutLabel?: "held-out" | "validation" | "test";
    /** A logarithmic y axis, for losses that differ by orders of magnitude. */
    logScale?: boolean;
  } = {},
): Figure {
  const points: SeriesPoint[] = histories.flatMap(({ model, history }) =>
    rowsOf(history).filter((r) => r[metric] !== undefined).map((r) => ({
      epoch: r.epoch,
      value: r[metric],
      series: model,
    }))
  );
  const accuracy = metric.endsWith("accuracy");
  const what = metric.startsWith("val_")
    ? seriesName(options.heldOutLabel ?? "held-out")
    : tr({ en: "training", ko: "학습" });
  const label = accuracy ? tr({ en: `↑ ${what} accuracy (%)`, ko: `↑ ${what} 정확도 (%)` }) : tr({
    en: `↓ ${what} loss (cross-entropy${options.logScale ? ", log scale" : ""})`,
    ko: `↓ ${what} 손실 (교차 엔트로피${options.logScale ? ", 로그 눈금" : ""})`,
  });
  const figure = curvePanel(points, label, options.colors ?? MODEL_COLORS, accuracy, [], options.logScale);
  return options.title ? figure.withTitle(options.title) : figure;
}

/** One bar of a grouped bar chart: which group, which series within it, and its height. */
export interface GroupedValue {
  group: string | number;
  series: string;
  value: number;
}

/**
 * Grouped bars: one cluster per group (a metric, a digit), one bar per series
 * (a model, a split) in the course's model colours, each bar labelled with its value.
 *
 * @param options.format how bar labels are written (default: 4 decimals, or a
 *   percentage with 2 decimals when `percent` is set)
 */
export function groupedBars(
  rows: GroupedValue[],
  options: {
    title?: string;
    xLabel?: string;
    yLabel?: string;
    percent?: boolean;
    colors?: Record<string, string>;
    yDomain?: [number, number];
    width?: number;
    labels?: boolean;
    format?: (value: number) => string;
  } = {},
): Figure {
  const series = [...new Set(rows.map((r) => r.series))];
  const groups = [...new Set(rows.map((r) => r.group))];
  const colors = options.colors ?? { ...MODEL_COLORS, ...SPLIT_COLORS };
  const format = options.format ??
    (options.percent ? (v: number) => `${(v * 100).toFixed(2)}` : (v: number) => v.toFixed(4));
  const labelMarks = options.labels === false ? [] : haloed(rows, {
    fx: "group",
    x: "series",
    y: "value",
    text: (d: GroupedValue) => format(d.value),
    dy: -6,
    fontSize: FONT_SIZE - 3,
  });
  const figure = renderPlot({
    width: options.width ?? FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    marginBottom: 40,
    marginTop: 24,
    fx: { label: options.xLabel ?? null, domain: groups, padding: 0.15 },
    x: { domain: series, axis: null, paddingInner: 0.1 },
    y: {
      label: options.yLabel ?? null,
      grid: true,
      domain: options.yDomain,
      ...(options.percent ? { tickFormat: (d: number) => `${(d * 100).toFixed(1)}` } : {}),
    },
    color: { domain: series, range: series.map((s) => colors[s] ?? NEUTRAL_COLOR) },
    marks: [Plot.barY(rows, { fx: "group", x: "series", y: "value", fill: "series", clip: true }), ...labelMarks],
  });
  return figure.withHeader({
    title: options.title,
    legend: series.map((s) => ({ label: seriesName(s), color: colors[s] ?? NEUTRAL_COLOR })),
  });
}

/**
 * Bars of a single series: one bar per category, e.g. images per digit, each
 * labelled with its value; `highlight` colours one bar (the predicted digit).
 */
export function barChart(
  rows: { category: string | number; value: number }[],
  options: {
    title?: string;
    xLabel?: string;
    yLabel?: string;
    color?: string;
    width?: number;
    highlight?: string | number;
    highlightColor?: string;
    format?: (value: number) => string;
    yDomain?: [number, number];
  } = {},
): Figure {
  const color = options.color ?? NEUTRAL_COLOR;
  const format = options.format ?? ((v: number) => `${v}`);
  return renderPlot({
    width: options.width ?? FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    marginTop: 24,
    x: { label: options.xLabel ?? null, domain: rows.map((r) => r.category) },
    y: { label: options.yLabel ?? null, grid: true, domain: options.yDomain },
    marks: [
      Plot.barY(rows, {
        x: "category",
        y: "value",
        fill: (d: { category: string | number }) =>
          d.category === options.highlight ? options.highlightColor ?? MODEL_COLORS.CNN : color,
      }),
      ...haloed(rows, { x: "category", y: "value", text: (d: { value: number }) => format(d.value), dy: -6 }),
      Plot.ruleY([0]),
    ],
  }, options.title);
}

/**
 * Images per digit in the training and the test set, side by side (the two
 * sets differ in size, so each gets its own axis).
 */
export function classCountChart(trainCounts: number[], testCounts: number[], options: { title?: string } = {}): Figure {
  const panel = (counts: number[], yLabel: string, color: string) =>
    barChart(counts.map((value, digit) => ({ category: digit, value })), {
      xLabel: tr({ en: "digit", ko: "숫자" }),
      yLabel,
      color,
      width: PANEL_WIDTH,
    });
  const figure = hconcat([
    panel(trainCounts, tr({ en: "↑ training images", ko: "↑ 학습 이미지 수" }), SPLIT_COLORS.train),
    panel(testCounts, tr({ en: "↑ test images", ko: "↑ 테스트 이미지 수" }), SPLIT_COLORS.test),
  ]);
  return options.title ? figure.withTitle(options.title) : figure;
}

/** Number of grey levels in an MNIST image (0–255). */
const GREY_LEVELS = 256;

/** How often each grey level 0–255 occurs in `pixels`. */
export function greyLevelCounts(pixels: Uint8Array): number[] {
  const counts = new Array<number>(GREY_LEVELS).fill(0);
  for (const value of pixels) counts[value]++;
  return counts;
}

/**
 * Histogram of pixel intensities (grey levels 0–255) in bins of `binWidth`
 * levels, on a log count axis: most pixels are background (0), a few are full
 * ink (255), and only a thin edge is in between.
 */
export function pixelHistogram(pixels: Uint8Array, options: { title?: string; binWidth?: number } = {}): Figure {
  const binWidth = options.binWidth ?? 8;
  const counts = greyLevelCounts(pixels);
  const bins: { x1: number; x2: number; count: number }[] = [];
  for (let start = 0; start < GREY_LEVELS; start += binWidth) {
    const count = counts.slice(start, start + binWidth).reduce((a, b) => a + b, 0);
    bins.push({ x1: start, x2: Math.min(start + binWidth, GREY_LEVELS), count });
  }
  return renderPlot({
    marginLeft: 60,
    x: {
      label: tr({ en: "grey level (0 = background, 255 = ink) →", ko: "밝기 값 (0 = 배경, 255 = 잉크) →" }),
      domain: [0, GREY_LEVELS],
    },
    y: { label: tr({ en: "↑ pixels (log scale)", ko: "↑ 픽셀 수 (로그 눈금)" }), type: "log", grid: true },
    marks: [
      Plot.rect(bins.filter((b) => b.count > 0), {
        x1: "x1",
        x2: "x2",
        y1: 1,
        y2: "count",
        fill: NEUTRAL_COLOR,
        inset: 0.5,
      }),
    ],
  }, options.title);
}

/**
 * The confusion matrix as a heatmap: rows are true digits, columns predicted
 * digits, each cell labelled with its count. The colour scale is a square
 * root so that the few mistakes stay visible beside the large diagonal.
 */
export function confusionMatrixChart(matrix: number[][], options: { title?: string } = {}): Figure {
  const cells = matrix.flatMap((row, t) => row.map((count, p) => ({ true: t, predicted: p, count })));
  const max = Math.max(...cells.map((c) => c.count), 1);
  const digits = matrix.map((_, i) => i);
  return renderPlot({
    width: SQUARE_SIZE + 40,
    height: SQUARE_SIZE + 20,
    marginLeft: 60,
    marginTop: 50,
    padding: 0.04,
    x: { label: tr({ en: "predicted digit", ko: "예측한 숫자" }), axis: "top", domain: digits, labelAnchor: "center" },
    y: { label: tr({ en: "true digit", ko: "실제 숫자" }), domain: digits, labelAnchor: "center", labelOffset: 42 },
    color: { scheme: HEATMAP_SCHEME, type: "sqrt", domain: [0, max] },
    marks: [
      Plot.cell(cells, { x: "predicted", y: "true", fill: "count", inset: 0.5 }),
      Plot.text(cells.filter((c) => c.count > 0), {
        x: "predicted",
        y: "true",
        text: "count",
        fill: (c: { count: number }) => (Math.sqrt(c.count / max) > 0.6 ? "white" : "black"),
        fontSize: FONT_SIZE - 2,
      }),
    ],
  }, options.title);
}
