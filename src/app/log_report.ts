/**
 * The prediction log turned into a report: what was drawn, how often the
 * model was right on the digits users confirmed or corrected, where it went
 * wrong, and how sure it was.
 *
 * {@link buildLogReport} computes everything from the log's contents and
 * returns the figures as displayable values (a notebook shows them);
 * {@link writeLogReport} saves `REPORT.md` and the figures under
 * `reports/log-report/`. Source 001 had an LLM write this report from the log;
 * here it is plain counting, which a student can check by hand.
 *
 * @module
 */
import { join } from "node:path";
import * as Plot from "@observablehq/plot";
import pl from "nodejs-polars";
import { repoRoot, writeFileAtomic } from "../fsutil.ts";
import { NUM_CLASSES } from "../data/mnist.ts";
import { barChart, confusionMatrixChart, renderPlot } from "../plots/charts.ts";
import { type Figure } from "../plots/figure.ts";
import type { PngImage } from "../plots/figure.ts";
import { imageGrid, type Tile } from "../plots/digits.ts";
import { ERROR_COLOR, NEUTRAL_COLOR, OK_COLOR } from "../plots/theme.ts";
import { MODEL_IMAGE_SIZE } from "../draw/preprocess.ts";
import { defaultLogPath, type LogContents, type LoggedPrediction, PredictionLog } from "./log.ts";

/** Where `deno task log-report` writes unless told otherwise. */
export function defaultLogReportDir(): string {
  return join(repoRoot(), "reports", "log-report");
}

/** How many of the least confident predictions the gallery shows. */
export const LEAST_CONFIDENT_COUNT = 12;
/** The most wrong predictions the gallery shows. */
export const WRONG_GALLERY_LIMIT = 30;
/** Width of a confidence bin (10 percentage points). */
const CONFIDENCE_BIN = 0.1;

/** Accuracy of one group (a model, a mode) on the labelled predictions. */
export interface GroupAccuracy {
  group: string;
  predictions: number;
  labelled: number;
  correct: number;
  /** `null` when none is labelled. */
  accuracy: number | null;
}

/** Everything the report says, as numbers. */
export interface LogSummary {
  predictions: number;
  labelled: number;
  correct: number;
  accuracy: number | null;
  skippedLines: number;
  /** Predictions per predicted digit. */
  predictedCounts: number[];
  /** Labelled predictions per true (user-given) digit. */
  labelCounts: number[];
  /** `matrix[label][predicted]` over the labelled predictions. */
  confusion: number[][];
  byModel: GroupAccuracy[];
  byMode: GroupAccuracy[];
  firstTime: string | null;
  lastTime: string | null;
}

/** The report: numbers, figures (null where there is nothing to draw) and the Markdown text. */
export interface LogReport {
  summary: LogSummary;
  warnings: string[];
  figures: {
    predictedCounts: Figure;
    confusion: Figure | null;
    confidence: Figure;
    leastConfident: PngImage | null;
    wrong: PngImage | null;
  };
  markdown: string;
}

function groupAccuracy(predictions: LoggedPrediction[], key: (p: LoggedPrediction) => string): GroupAccuracy[] {
  const groups = new Map<string, GroupAccuracy>();
  for (const p of predictions) {
    const name = key(p);
    const g = groups.get(name) ?? { group: name, predictions: 0, labelled: 0, correct: 0, accuracy: null };
    g.predictions++;
    if (p.label !== null) {
      g.labelled++;
      if (p.label === p.digit) g.correct++;
    }
    groups.set(name, g);
  }
  return [...groups.values()].sort((a, b) => a.group.localeCompare(b.group)).map((g) => ({
    ...g,
    accuracy: g.labelled > 0 ? g.correct / g.labelled : null,
  }));
}

/** The numbers of the report. */
export function summariseLog(contents: LogContents): LogSummary {
  const { predictions } = contents;
  const predictedCounts = new Array<number>(NUM_CLASSES).fill(0);
  const labelCounts = new Array<number>(NUM_CLASSES).fill(0);
  const confusion = Array.from({ length: NUM_CLASSES }, () => new Array<number>(NUM_CLASSES).fill(0));
  let labelled = 0, correct = 0;
  for (const p of predictions) {
    predictedCounts[p.digit]++;
    if (p.label === null) continue;
    labelled++;
    labelCounts[p.label]++;
    confusion[p.label][p.digit]++;
    if (p.label === p.digit) correct++;
  }
  const times = predictions.map((p) => p.time).sort();
  return {
    predictions: predictions.length,
    labelled,
    correct,
    accuracy: labelled > 0 ? correct / labelled : null,
    skippedLines: contents.warnings.length,
    predictedCounts,
    labelCounts,
    confusion,
    byModel: groupAccuracy(predictions, (p) => p.model),
    byMode: groupAccuracy(predictions, (p) => p.mode),
    firstTime: times[0] ?? null,
    lastTime: times.at(-1) ?? null,
  };
}

/** Confidence of the predictions in 10-point bins, stacked by outcome (right, wrong, not labelled). */
export function confidenceChart(predictions: LoggedPrediction[], title?: string): Figure {
  const outcome = (p: LoggedPrediction) => p.label === null ? "not labelled" : p.label === p.digit ? "right" : "wrong";
  const counts = new Map<string, { bin: number; outcome: string; count: number }>();
  for (const p of predictions) {
    const bin = Math.min(Math.floor(p.confidence / CONFIDENCE_BIN), Math.round(1 / CONFIDENCE_BIN) - 1);
    const key = `${bin}:${outcome(p)}`;
    const row = counts.get(key) ?? { bin, outcome: outcome(p), count: 0 };
    row.count++;
    counts.set(key, row);
  }
  const rows = [...counts.values()].map((r) => ({
    ...r,
    x1: r.bin * CONFIDENCE_BIN * 100,
    x2: (r.bin + 1) * CONFIDENCE_BIN * 100,
  }));
  const outcomes = ["right", "wrong", "not labelled"];
  const figure = renderPlot({
    marginTop: 24,
    x: { label: "confidence of the predicted digit (%) →", domain: [0, 100] },
    y: { label: "↑ predictions", grid: true },
    color: { domain: outcomes, range: [OK_COLOR, ERROR_COLOR, NEUTRAL_COLOR] },
    marks: [
      Plot.rectY(rows, Plot.stackY({ x1: "x1", x2: "x2", y: "count", fill: "outcome", inset: 1 })),
      Plot.ruleY([0]),
    ],
  });
  return figure.withHeader({
    title,
    legend: outcomes.map((label, i) => ({ label, color: [OK_COLOR, ERROR_COLOR, NEUTRAL_COLOR][i] })),
  });
}

/** Logged inputs as captioned tiles (28×28, as the model saw them). */
function galleryTiles(predictions: LoggedPrediction[]): Tile[] {
  return predictions.map((p) => ({
    values: p.input,
    width: MODEL_IMAGE_SIZE,
    height: MODEL_IMAGE_SIZE,
    caption: [
      `${p.digit} (${(p.confidence * 100).toFixed(0)}%)`,
      p.label === null
        ? { text: "no label" }
        : { text: `meant ${p.label}`, color: p.label === p.digit ? OK_COLOR : ERROR_COLOR },
      `${p.model} ${p.mode}`,
    ],
  }));
}

const percent = (v: number | null) => (v === null ? "–" : `${(v * 100).toFixed(1)}%`);

/**
 * Text from the log as a Markdown table cell: the log is a file anyone with
 * access may edit, and a cell must not carry HTML or break the table.
 */
function cell(text: string): string {
  return text.replace(/[\\`*_|<>&[\]]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function groupTable(title: string, groups: GroupAccuracy[]): string {
  const rows = groups.map((g) =>
    `| ${cell(g.group)} | ${g.predictions} | ${g.labelled} | ${g.correct} | ${percent(g.accuracy)} |`
  );
  return [`| ${title} | predictions | labelled | right | accuracy |`, "| --- | ---: | ---: | ---: | ---: |", ...rows]
    .join("\n");
}

/**
 * Builds the report from the contents of a log.
 *
 * @example
 * const report = buildLogReport(await new PredictionLog().read());
 * report.figures.confusion; // a Figure, displayable in a notebook
 */
export function buildLogReport(contents: LogContents): LogReport {
  const summary = summariseLog(contents);
  const { predictions } = contents;
  const leastConfident = [...predictions].sort((a, b) => a.confidence - b.confidence).slice(0, LEAST_CONFIDENT_COUNT);
  const wrong = predictions.filter((p) => p.label !== null && p.label !== p.digit).slice(-WRONG_GALLERY_LIMIT);
  const figures = {
    predictedCounts: barChart(summary.predictedCounts.map((value, digit) => ({ category: digit, value })), {
      title: "Predictions per predicted digit",
      xLabel: "predicted digit",
      yLabel: "↑ predictions",
    }),
    confusion: summary.labelled > 0
      ? confusionMatrixChart(summary.confusion, { title: "Confirmed digit (rows) against prediction (columns)" })
      : null,
    confidence: confidenceChart(predictions, "How sure the model was"),
    leastConfident: leastConfident.length > 0
      ? imageGrid(galleryTiles(leastConfident), { columns: 6, scale: 3, title: "The least confident predictions" })
      : null,
    wrong: wrong.length > 0
      ? imageGrid(galleryTiles(wrong), { columns: 6, scale: 3, title: "Wrong predictions (by the user's label)" })
      : null,
  };
  return { summary, warnings: contents.warnings, figures, markdown: renderMarkdown(summary, contents.warnings) };
}

function renderMarkdown(s: LogSummary, warnings: string[]): string {
  const digits = [...Array(NUM_CLASSES).keys()];
  const lines = [
    "# Prediction log report",
    "",
    `Made by \`deno task log-report\` from the draw-a-digit app's prediction log.`,
    "",
    "## Summary",
    "",
    `- predictions logged: ${s.predictions}` +
    (s.firstTime ? ` (from ${s.firstTime} to ${s.lastTime})` : ""),
    `- with a label the user confirmed or corrected: ${s.labelled}`,
    `- right on the labelled ones: ${s.correct} of ${s.labelled} (accuracy ${percent(s.accuracy)})`,
    `- damaged lines skipped: ${s.skippedLines}`,
    "",
  ];
  if (s.predictions === 0) {
    lines.push("The log is empty: draw some digits in the app (`deno task app`) and press Predict.", "");
  }
  lines.push(
    "## Accuracy by model and by preprocessing",
    "",
    groupTable("model", s.byModel),
    "",
    groupTable("mode", s.byMode),
    "",
    "## What was drawn",
    "",
    "| digit | " + digits.join(" | ") + " |",
    "| --- |" + digits.map(() => " ---: |").join(""),
    "| predicted | " + s.predictedCounts.join(" | ") + " |",
    "| confirmed label | " + s.labelCounts.join(" | ") + " |",
    "",
    "![Predictions per digit](figures/predicted-counts.png)",
    "",
    "## Confusion matrix (labelled predictions)",
    "",
  );
  if (s.labelled > 0) {
    lines.push(
      "Rows are the digit the user meant, columns the digit the model predicted.",
      "",
      "| meant \\ predicted | " + digits.join(" | ") + " |",
      "| --- |" + digits.map(() => " ---: |").join(""),
      ...s.confusion.map((row, label) => `| **${label}** | ` + row.join(" | ") + " |"),
      "",
      "![Confusion matrix](figures/confusion.png)",
      "",
    );
  } else {
    lines.push("No prediction has a label yet: confirm or correct predictions in the app's page.", "");
  }
  lines.push(
    "## Confidence",
    "",
    "![Confidence distribution](figures/confidence.png)",
    "",
    "## Gallery",
    "",
    "Each image is the 28×28 input the model saw, captioned with its prediction (confidence), the user's label, and the model and preprocessing.",
    "",
    s.predictions > 0 ? "![Least confident](figures/least-confident.png)" : "(no predictions)",
    "",
    s.labelled > s.correct
      ? "![Wrong predictions](figures/wrong.png)"
      : "(no wrong predictions among the labelled ones)",
    "",
  );
  if (warnings.length > 0) {
    lines.push("## Skipped lines", "", ...warnings.map((w) => `- ${cell(w)}`), "");
  }
  return lines.join("\n");
}

/**
 * Reads the log at `logPath` and writes `REPORT.md` and `figures/` into
 * `outDir`. Returns the report (and its warnings, which the caller should show).
 */
export async function writeLogReport(
  logPath: string = defaultLogPath(),
  outDir: string = defaultLogReportDir(),
): Promise<LogReport & { files: string[] }> {
  const contents = await new PredictionLog(logPath).read();
  const report = buildLogReport(contents);
  const figures = join(outDir, "figures");
  const files: string[] = [];
  const { predictedCounts, confusion, confidence, leastConfident, wrong } = report.figures;
  files.push(...await predictedCounts.save(join(figures, "predicted-counts")));
  if (confusion) files.push(...await confusion.save(join(figures, "confusion")));
  files.push(...await confidence.save(join(figures, "confidence")));
  if (leastConfident) files.push(...await leastConfident.save(join(figures, "least-confident")));
  if (wrong) files.push(...await wrong.save(join(figures, "wrong")));
  const reportPath = join(outDir, "REPORT.md");
  await writeFileAtomic(reportPath, report.markdown);
  files.push(reportPath);
  return { ...report, files };
}

/** The report's key numbers as a two-column table (for a notebook). */
export function logSummaryFrame(summary: LogSummary): pl.DataFrame {
  const rows: [string, string][] = [
    ["predictions logged", String(summary.predictions)],
    ["labelled by the user", String(summary.labelled)],
    ["right on the labelled ones", String(summary.correct)],
    ["accuracy on the labelled ones", percent(summary.accuracy)],
    ["damaged lines skipped", String(summary.skippedLines)],
    ["first prediction", summary.firstTime ?? "–"],
    ["last prediction", summary.lastTime ?? "–"],
  ];
  return pl.DataFrame({ measure: rows.map((r) => r[0]), value: rows.map((r) => r[1]) });
}
