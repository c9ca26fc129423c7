/**
 * The prediction log turned into a report, as source 001 had its log analysed:
 * what was drawn, how often the models were right on the drawings users
 * confirmed or corrected (per model, per preprocessing, per digit), the digits
 * they confused, how well their confidence matched their accuracy, galleries
 * of the mistakes and of the low-confidence answers, and how often the MLP and
 * the CNN agreed when both read the same drawing.
 *
 * The report is computed, always ({@link buildLogReport}: numbers in
 * `log_summary.ts`, figures in `src/figures/log_report.ts`, tables in
 * `src/tables/log_report.ts`). Source 001 had an LLM write its analysis; here
 * a language model may add a narration on top ({@link writeLogReport} with a
 * model configured, `narration.ts`), given only the computed facts, labelled as
 * generated, and left out when it writes a number the facts do not hold.
 *
 * @module
 */
import { join } from "node:path";
import type pl from "nodejs-polars";
import { repoRoot, writeFileAtomic, writeJsonAtomic } from "../fsutil.ts";
import { NUM_CLASSES } from "../data/mnist.ts";
import type { Figure, PngImage } from "../plots/figure.ts";
import {
  confidenceFigure,
  disagreementGallery,
  logConfusionFigure,
  lowConfidenceGallery,
  mistakesGallery,
  perClassAccuracyFigure,
  predictedCountsFigure,
  reliabilityFigure,
} from "../figures/log_report.ts";
import {
  agreementTable,
  calibrationBinsTable,
  calibrationSummaryTable,
  confusedPairsTable,
  groupAccuracyTable,
  logCellFormat,
  logPerClassTable,
  logSummaryFrame,
  markdownText,
} from "../tables/log_report.ts";
import { markdownTable, saveTable } from "../tables/format.ts";
import { defaultLogPath, type LogContents, PredictionLog } from "./log.ts";
import { analyseLog, type LogAnalysis, type LogSummary, LOW_CONFIDENCE } from "./log_summary.ts";
import { logFacts } from "./log_facts.ts";
import { HOW_TO_TURN_ON, narrate, narrationConfig, type NarrationResult } from "./narration.ts";

export { logSummaryFrame } from "../tables/log_report.ts";
export { type LogSummary, summariseLog } from "./log_summary.ts";

/** Where `deno task log-report` writes unless told otherwise. */
export function defaultLogReportDir(): string {
  return join(repoRoot(), "reports", "log-report");
}

/** The figures of the report (null where the log has nothing to draw). */
export interface LogReportFigures {
  predictedCounts: Figure;
  perClass: Figure | null;
  confusion: Figure | null;
  confidence: Figure;
  reliability: Figure | null;
  lowConfidence: PngImage | null;
  mistakes: PngImage | null;
  disagreements: PngImage | null;
}

/** The report's figures by the file name they are saved under (`figures/<name>.png`). */
const FIGURE_FILES: Record<keyof LogReportFigures, string> = {
  predictedCounts: "predicted-counts",
  perClass: "per-class-accuracy",
  confusion: "confusion",
  confidence: "confidence",
  reliability: "reliability",
  lowConfidence: "low-confidence",
  mistakes: "mistakes",
  disagreements: "disagreements",
};

/** The tables of the report (saved as `tables/<name>.csv` and `.md`). */
export interface LogReportTables {
  summary: pl.DataFrame;
  byModel: pl.DataFrame;
  byMode: pl.DataFrame;
  perClass: pl.DataFrame;
  confusedPairs: pl.DataFrame;
  calibration: pl.DataFrame;
  calibrationBins: pl.DataFrame;
  agreement: pl.DataFrame;
}

const TABLE_FILES: Record<keyof LogReportTables, string> = {
  summary: "summary",
  byModel: "accuracy-by-model",
  byMode: "accuracy-by-mode",
  perClass: "accuracy-per-digit",
  confusedPairs: "most-confused",
  calibration: "calibration",
  calibrationBins: "calibration-bins",
  agreement: "agreement",
};

/** The report: numbers, the facts a narration is given, figures, tables and the Markdown text. */
export interface LogReport {
  summary: LogSummary;
  warnings: string[];
  /** The compact facts (`facts.json`): all a language model is given. */
  facts: Record<string, unknown>;
  figures: LogReportFigures;
  tables: LogReportTables;
  /** The narration's outcome, when one was asked for. */
  narration: NarrationResult | null;
  markdown: string;
}

/**
 * Builds the report from the contents of a log, without asking any language
 * model (pass the outcome of one in `narration` to have it in the Markdown).
 *
 * @example
 * const report = buildLogReport(await new PredictionLog().read());
 * report.figures.reliability; // a Figure, displayable in a notebook (null before any label)
 */
export function buildLogReport(contents: LogContents, narration: NarrationResult | null = null): LogReport {
  return assemble(analyseLog(contents), contents.warnings, narration);
}

function assemble(analysis: LogAnalysis, warnings: string[], narration: NarrationResult | null): LogReport {
  const { summary, predictions, groups } = analysis;
  const figures: LogReportFigures = {
    predictedCounts: predictedCountsFigure(summary),
    perClass: perClassAccuracyFigure(summary),
    confusion: logConfusionFigure(summary),
    confidence: confidenceFigure(predictions),
    reliability: reliabilityFigure(summary),
    lowConfidence: lowConfidenceGallery(predictions),
    mistakes: mistakesGallery(predictions),
    disagreements: disagreementGallery(groups, summary.models),
  };
  const tables: LogReportTables = {
    summary: logSummaryFrame(summary),
    byModel: groupAccuracyTable("model", summary.byModel),
    byMode: groupAccuracyTable("mode", summary.byMode),
    perClass: logPerClassTable(summary),
    confusedPairs: confusedPairsTable(summary),
    calibration: calibrationSummaryTable(summary),
    calibrationBins: calibrationBinsTable(summary),
    agreement: agreementTable(summary),
  };
  const report = { summary, warnings, facts: logFacts(summary), figures, tables, narration, markdown: "" };
  return { ...report, markdown: renderMarkdown(report) };
}

const table = (frame: pl.DataFrame) => markdownTable(frame, logCellFormat).trimEnd();
const figureLink = (figures: LogReportFigures, key: keyof LogReportFigures, alt: string) =>
  figures[key] ? `![${alt}](figures/${FIGURE_FILES[key]}.png)` : null;

/** A narration's text as a Markdown blockquote that shows as written (no HTML, links or headings). */
function quoted(text: string): string {
  return text.split("\n").map((line) => {
    const safe = markdownText(line.trim()).replace(/^#/, "&#35;");
    return safe === "" ? ">" : `> ${safe}`;
  }).join("\n");
}

function narrationSection(narration: NarrationResult | null): string[] {
  const lines = ["## Narration by a language model (optional)", ""];
  const who = (n: NarrationResult) => `${markdownText(n.model ?? "")} at ${markdownText(n.endpoint ?? "")}`;
  if (narration === null) {
    lines.push(
      "**Narration: not asked for.** This report was built without asking a language model; everything in it is " +
        "computed from the log.",
      "",
      HOW_TO_TURN_ON,
    );
  } else if (narration.status === "ok") {
    lines.push(
      `**Generated text, not computed.** Written by the language model ${who(narration)} in ${
        narration.seconds?.toFixed(1)
      } s ` +
        "from the facts in [facts.json](facts.json) only (the numbers of this report: no images, no log lines). " +
        "Every number in it was checked against those facts; its words were not: read it as a draft, and the " +
        "tables above as the record.",
      "",
      quoted(narration.text ?? ""),
    );
  } else if (narration.status === "rejected") {
    lines.push(
      `**Narration: rejected.** The language model ${who(narration)} wrote a narration, but it writes numbers that ` +
        "the facts ([facts.json](facts.json)) do not hold, so it is left out of this report:",
      "",
      ...(narration.unsupported ?? []).map((n) => `- ${markdownText(n.text)} in “…${markdownText(n.context)}…”`),
      "",
      "The report above is complete without it.",
    );
  } else if (narration.status === "off") {
    lines.push(
      "**Narration: off.** No language model is configured; everything above is computed from the log.",
      "",
      HOW_TO_TURN_ON,
    );
  } else {
    const label = { misconfigured: "misconfigured", skipped: "skipped", timeout: "timed out", failed: "failed" }[
      narration.status
    ];
    lines.push(
      `**Narration: ${label}.** ${markdownText(narration.message)}.` +
        (narration.status === "skipped" ? "" : " The report above is complete without it."),
    );
    if (narration.status === "misconfigured") lines.push("", HOW_TO_TURN_ON);
  }
  lines.push("");
  return lines;
}

function renderMarkdown(report: Omit<LogReport, "markdown">): string {
  const { summary: s, figures, tables, warnings } = report;
  const digits = [...Array(NUM_CLASSES).keys()];
  const lines = [
    "# Prediction log report",
    "",
    "Made by `deno task log-report` from the draw-a-digit app's prediction log. Everything but the last section is " +
    "computed from the log; the numbers are also in [facts.json](facts.json) and the tables in `tables/` (CSV and " +
    "Markdown).",
    "",
    "## Summary",
    "",
    table(tables.summary),
    "",
  ];
  if (s.predictions === 0) {
    lines.push("The log is empty: draw some digits in the app (`deno task app`) and press Predict.", "");
  }
  if (s.labelsCarried > 0) {
    lines.push(
      `A label is what the user meant by a drawing, so a label given to one model's answer counts for the other ` +
        `models' answers to the same drawing: ${s.labelsCarried} labels were carried over so.`,
      "",
    );
  }
  lines.push(
    "## Accuracy by model and by preprocessing",
    "",
    "On the labelled predictions (the user confirmed the answer or gave the digit they meant).",
    "",
    table(tables.byModel),
    "",
    table(tables.byMode),
    "",
    "## Accuracy per digit",
    "",
  );
  if (s.labelled > 0) {
    lines.push(table(tables.perClass), "", figureLink(figures, "perClass", "Accuracy per digit")!, "");
  } else {
    lines.push("No prediction has a label yet: confirm or correct predictions in the app's page.", "");
  }
  lines.push(
    "## What was drawn",
    "",
    "| digit | " + digits.join(" | ") + " |",
    "| --- |" + digits.map(() => " ---: |").join(""),
    "| predicted | " + s.predictedCounts.join(" | ") + " |",
    "| meant (labelled) | " + s.labelCounts.join(" | ") + " |",
    "",
    figureLink(figures, "predictedCounts", "Predictions per digit")!,
    "",
    "## Confusion matrix and the most confused digits",
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
      figureLink(figures, "confusion", "Confusion matrix")!,
      "",
    );
    lines.push(
      ...(s.confusedPairs.length > 0
        ? ["The most frequent mistakes:", "", table(tables.confusedPairs), ""]
        : ["No labelled prediction is wrong.", ""]),
    );
  } else {
    lines.push("No prediction has a label yet.", "");
  }
  lines.push("## Confidence against correctness", "");
  if (s.calibration) {
    lines.push(
      "A model is well calibrated when its confidence matches how often it is right: of the answers given with " +
        "about 90% confidence, about 90% right. The reliability diagram shows the accuracy of the labelled answers " +
        "in each 10-point confidence bin (the bars, with how many answers each holds), the bin's mean confidence " +
        "(the red line: above its bar the model was overconfident there, inside it underconfident), and the " +
        "dashed diagonal where the two are equal. The expected calibration error (ECE) is the mean gap, weighted by the " +
        "answers in each bin.",
      "",
      table(tables.calibration),
      "",
      figureLink(figures, "reliability", "Reliability diagram")!,
      "",
      table(tables.calibrationBins),
      "",
    );
  } else {
    lines.push("No prediction has a label yet, so confidence cannot be set against correctness.", "");
  }
  lines.push(
    `All answers by confidence, labelled or not (${s.lowConfidence.count} below ` +
      `${(LOW_CONFIDENCE * 100).toFixed(0)}%; right on ${s.lowConfidence.correct} of the ` +
      `${s.lowConfidence.labelled} of those labelled):`,
    "",
    figureLink(figures, "confidence", "Confidence distribution")!,
    "",
    "## The same drawing, two models",
    "",
  );
  if (s.agreement.length > 0) {
    lines.push(
      "Drawings answered by two models (the same 28×28 input in the same preprocessing mode within minutes, or one " +
        "drawing of the side-by-side view): how often they gave the same digit and, where the user labelled the " +
        "drawing, which was right.",
      "",
      table(tables.agreement),
      "",
      figureLink(figures, "disagreements", "Drawings the models read differently") ??
        "The models gave the same digit for every drawing both answered.",
      "",
    );
  } else {
    lines.push(
      "No drawing was answered by two models. Press Predict with the MLP, switch to the CNN and press it again on " +
        "the same drawing (or use a view that asks both at once) to compare them here.",
      "",
    );
  }
  lines.push(
    "## Galleries",
    "",
    "Each image is the 28×28 input the model saw, captioned with its answer (confidence), the user's label, and " +
      "the model and preprocessing.",
    "",
    figureLink(figures, "lowConfidence", "Low-confidence answers") ??
      `(no answer below ${(LOW_CONFIDENCE * 100).toFixed(0)}% confidence)`,
    "",
    figureLink(figures, "mistakes", "Wrong answers") ?? "(no wrong answers among the labelled ones)",
    "",
    ...narrationSection(report.narration),
  );
  if (warnings.length > 0) {
    lines.push("## Skipped lines", "", ...warnings.map((w) => `- ${markdownText(w)}`), "");
  }
  return lines.join("\n");
}

/** Options of {@link writeLogReport}. */
export interface WriteLogReportOptions {
  /** Ask the configured language model for a narration (default true; it is off unless configured). */
  narrate?: boolean;
  /** Reads an environment variable (default `Deno.env.get`), for the narration's configuration. */
  getEnv?: (name: string) => string | undefined;
}

/** Decides and runs the narration: not asked, nothing to narrate, not configured, or the model's answer. */
async function narrationFor(
  summary: LogSummary,
  facts: Record<string, unknown>,
  options: WriteLogReportOptions,
): Promise<NarrationResult> {
  if (options.narrate === false) return { status: "skipped", message: "--no-narration was given" };
  if (summary.predictions === 0) return { status: "skipped", message: "the log is empty: there is nothing to narrate" };
  const config = narrationConfig(options.getEnv);
  if ("status" in config) return config;
  return await narrate(facts, config);
}

/**
 * Reads the log at `logPath` and writes `REPORT.md`, `facts.json`, `figures/`
 * and `tables/` into `outDir` (each file whole; REPORT.md last, and figures a
 * previous report had but this one has not are removed). With a language model
 * configured (`narration.ts`), asks it for a narration first. Returns the
 * report; its warnings and `narration.message` are for the caller to show.
 */
export async function writeLogReport(
  logPath: string = defaultLogPath(),
  outDir: string = defaultLogReportDir(),
  options: WriteLogReportOptions = {},
): Promise<LogReport & { files: string[] }> {
  const contents = await new PredictionLog(logPath).read();
  const analysis = analyseLog(contents);
  const facts = logFacts(analysis.summary);
  const narration = await narrationFor(analysis.summary, facts, options);
  const report = assemble(analysis, contents.warnings, narration);
  const files: string[] = [];
  for (const [key, name] of Object.entries(FIGURE_FILES) as [keyof LogReportFigures, string][]) {
    const figure = report.figures[key];
    const path = join(outDir, "figures", name);
    if (figure) files.push(...await figure.save(path));
    else for (const stale of [`${path}.png`, `${path}.svg`]) await Deno.remove(stale).catch(() => {});
  }
  for (const [key, name] of Object.entries(TABLE_FILES) as [keyof LogReportTables, string][]) {
    files.push(...await saveTable(report.tables[key], join(outDir, "tables"), name, logCellFormat));
  }
  const factsPath = join(outDir, "facts.json");
  await writeJsonAtomic(factsPath, report.facts);
  files.push(factsPath);
  const reportPath = join(outDir, "REPORT.md");
  await writeFileAtomic(reportPath, report.markdown);
  files.push(reportPath);
  return { ...report, files };
}
