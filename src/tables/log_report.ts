/**
 * The tables of the prediction log's report (`deno task log-report`,
 * notebook 06): the summary, accuracy by model, by preprocessing and per
 * digit, the most confused digits, calibration, and the agreement of two
 * models on the same drawings. Numbers are formatted as the course prints
 * them (accuracies as percentages with 2 decimals).
 *
 * Model and mode names come from the log, a file anyone with access may
 * edit: {@link logCellFormat} writes cells so that Markdown shows them as
 * text, never as HTML or formatting.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { GroupAccuracy, LogSummary } from "../app/log_summary.ts";
import type { CellFormat } from "./format.ts";
import { percent2 } from "./models.ts";

const percentOrDash = (v: number | null) => (v === null ? "–" : percent2(v));
/** A difference of two ratios in percentage points, with its sign. */
const points = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(v * 100).toFixed(2)}`;

/**
 * Text as a Markdown table cell that shows as written: HTML's and Markdown's
 * special characters (and the cell separator) become character references.
 */
export function markdownText(text: string): string {
  return text.replace(/[\\`*_|<>&[\]]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A cell format for the log's tables: every value as plain text (see the module comment). */
export const logCellFormat: CellFormat = (value) => markdownText(value == null ? "" : String(value));

/** The report's key numbers as a two-column table. */
export function logSummaryFrame(summary: LogSummary): pl.DataFrame {
  const rows: [string, string][] = [
    ["predictions logged", String(summary.predictions)],
    ["drawings (one drawing answered by several models counts once)", String(summary.drawings)],
    ["labelled (confirmed or corrected by the user)", String(summary.labelled)],
    ["… of them labels carried from another model's answer to the same drawing", String(summary.labelsCarried)],
    ["right on the labelled ones", String(summary.correct)],
    ["accuracy on the labelled ones", percentOrDash(summary.accuracy)],
    ["damaged lines skipped", String(summary.skippedLines)],
    ["first prediction", summary.firstTime ?? "–"],
    ["last prediction", summary.lastTime ?? "–"],
  ];
  return pl.DataFrame({ measure: rows.map((r) => r[0]), value: rows.map((r) => r[1]) });
}

/** Accuracy per group (a model, or a preprocessing mode): `what` names the first column. */
export function groupAccuracyTable(what: string, groups: GroupAccuracy[]): pl.DataFrame {
  return pl.DataFrame({
    [what]: groups.map((g) => g.group),
    predictions: groups.map((g) => String(g.predictions)),
    labelled: groups.map((g) => String(g.labelled)),
    right: groups.map((g) => String(g.correct)),
    accuracy: groups.map((g) => percentOrDash(g.accuracy)),
  });
}

/** Accuracy per digit the user meant: all models together, then each model. */
export function logPerClassTable(summary: LogSummary): pl.DataFrame {
  const rows = summary.perClass;
  const perModel = Object.fromEntries(summary.models.map((m) => [
    `${m} accuracy`,
    rows.map((c) => {
      const t = c.byModel[m];
      return t ? `${percentOrDash(t.accuracy)} (${t.correct}/${t.labelled})` : "–";
    }),
  ]));
  return pl.DataFrame({
    digit: rows.map((c) => String(c.digit)),
    labelled: rows.map((c) => String(c.labelled)),
    right: rows.map((c) => String(c.correct)),
    accuracy: rows.map((c) => percentOrDash(c.accuracy)),
    ...perModel,
  });
}

/** The most frequent (meant, predicted) mistakes. */
export function confusedPairsTable(summary: LogSummary): pl.DataFrame {
  const pairs = summary.confusedPairs;
  return pl.DataFrame({
    meant: pairs.map((p) => String(p.meant)),
    "read as": pairs.map((p) => String(p.predicted)),
    times: pairs.map((p) => String(p.count)),
    "share of the meant digit's drawings": pairs.map((p) => percent2(p.shareOfMeant)),
  });
}

/** Accuracy per confidence bin of the labelled predictions (all models together). */
export function calibrationBinsTable(summary: LogSummary): pl.DataFrame {
  const bins = summary.calibration?.bins ?? [];
  return pl.DataFrame({
    confidence: bins.map((b) => `${(b.from * 100).toFixed(0)}–${(b.to * 100).toFixed(0)}%`),
    predictions: bins.map((b) => String(b.count)),
    right: bins.map((b) => String(b.correct)),
    "mean confidence": bins.map((b) => percent2(b.meanConfidence)),
    accuracy: bins.map((b) => percent2(b.accuracy)),
    "confidence − accuracy (points)": bins.map((b) => points(b.meanConfidence - b.accuracy)),
  });
}

/** Mean confidence against accuracy, and the expected calibration error, for all models and each model. */
export function calibrationSummaryTable(summary: LogSummary): pl.DataFrame {
  const rows = [
    ...(summary.calibration ? [{ model: "all", calibration: summary.calibration }] : []),
    ...summary.calibrationByModel,
  ];
  return pl.DataFrame({
    model: rows.map((r) => r.model),
    labelled: rows.map((r) => String(r.calibration.labelled)),
    "mean confidence": rows.map((r) => percent2(r.calibration.meanConfidence)),
    accuracy: rows.map((r) => percent2(r.calibration.accuracy)),
    "confidence − accuracy (points)": rows.map((r) => points(r.calibration.meanConfidence - r.calibration.accuracy)),
    "expected calibration error (points)": rows.map((r) => (r.calibration.expectedCalibrationError * 100).toFixed(2)),
  });
}

/** How often two models gave the same digit for the same drawing, and who was right when labelled. */
export function agreementTable(summary: LogSummary): pl.DataFrame {
  const rows = summary.agreement;
  return pl.DataFrame({
    models: rows.map((a) => `${a.first} / ${a.second}`),
    "drawings both answered": rows.map((a) => String(a.drawings)),
    "same digit": rows.map((a) => String(a.agreed)),
    agreement: rows.map((a) => percent2(a.agreement)),
    labelled: rows.map((a) => String(a.labelled)),
    "both right": rows.map((a) => String(a.bothRight)),
    "only the first right": rows.map((a) => String(a.onlyFirstRight)),
    "only the second right": rows.map((a) => String(a.onlySecondRight)),
    "both wrong": rows.map((a) => String(a.bothWrong)),
  });
}
