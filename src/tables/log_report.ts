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
import { type Bilingual, tr } from "../i18n.ts";

/** Headers several of the log's tables share, in English and in the report's Korean. */
const COLUMNS = {
  model: { en: "model", ko: "모델" },
  digit: { en: "digit", ko: "숫자" },
  meant: { en: "meant", ko: "의도한 숫자" },
  predictions: { en: "predictions", ko: "예측 수" },
  labelled: { en: "labelled", ko: "레이블 수" },
  right: { en: "right", ko: "맞음" },
  accuracy: { en: "accuracy", ko: "정확도" },
  confidence: { en: "confidence", ko: "확신도" },
  "mean confidence": { en: "mean confidence", ko: "평균 확신도" },
  "confidence − accuracy (points)": { en: "confidence − accuracy (points)", ko: "확신도 − 정확도 (%p)" },
} as const satisfies Record<string, Bilingual>;

/** One of the shared headers in the language in force. */
const column = (key: keyof typeof COLUMNS): string => tr(COLUMNS[key]);

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
  const rows: [Bilingual, string][] = [
    [{ en: "predictions logged", ko: "기록된 예측" }, String(summary.predictions)],
    [
      {
        en: "drawings (one drawing answered by several models counts once)",
        ko: "그림 수 (여러 모델이 답한 그림은 한 번만 셈)",
      },
      String(summary.drawings),
    ],
    [
      { en: "labelled (confirmed or corrected by the user)", ko: "레이블이 있는 예측 (사용자가 확인하거나 고친 것)" },
      String(summary.labelled),
    ],
    [
      {
        en: "… of them labels carried from another model's answer to the same drawing",
        ko: "… 그중 같은 그림에 대한 다른 모델의 답에서 가져온 레이블",
      },
      String(summary.labelsCarried),
    ],
    [{ en: "right on the labelled ones", ko: "레이블이 있는 예측 중 맞은 것" }, String(summary.correct)],
    [{ en: "accuracy on the labelled ones", ko: "레이블이 있는 예측의 정확도" }, percentOrDash(summary.accuracy)],
    [{ en: "damaged lines skipped", ko: "건너뛴 손상된 줄" }, String(summary.skippedLines)],
    [{ en: "first prediction", ko: "첫 예측" }, summary.firstTime ?? "–"],
    [{ en: "last prediction", ko: "마지막 예측" }, summary.lastTime ?? "–"],
  ];
  return pl.DataFrame({
    [tr({ en: "measure", ko: "항목" })]: rows.map((r) => tr(r[0])),
    [tr({ en: "value", ko: "값" })]: rows.map((r) => r[1]),
  });
}

/** What the first column of {@link groupAccuracyTable} is called, for the groups the log report makes. */
const GROUP_NAMES: Readonly<Record<string, Bilingual>> = {
  model: { en: "model", ko: "모델" },
  mode: { en: "mode", ko: "전처리" },
};

/** Accuracy per group (a model, or a preprocessing mode): `what` names the first column. */
export function groupAccuracyTable(what: string, groups: GroupAccuracy[]): pl.DataFrame {
  return pl.DataFrame({
    [GROUP_NAMES[what] ? tr(GROUP_NAMES[what]) : what]: groups.map((g) => g.group),
    [column("predictions")]: groups.map((g) => String(g.predictions)),
    [column("labelled")]: groups.map((g) => String(g.labelled)),
    [column("right")]: groups.map((g) => String(g.correct)),
    [column("accuracy")]: groups.map((g) => percentOrDash(g.accuracy)),
  });
}

/** Accuracy per digit the user meant: all models together, then each model. */
export function logPerClassTable(summary: LogSummary): pl.DataFrame {
  const rows = summary.perClass;
  const perModel = Object.fromEntries(summary.models.map((m) => [
    tr({ en: `${m} accuracy`, ko: `${m} 정확도` }),
    rows.map((c) => {
      const t = c.byModel[m];
      return t ? `${percentOrDash(t.accuracy)} (${t.correct}/${t.labelled})` : "–";
    }),
  ]));
  return pl.DataFrame({
    [column("digit")]: rows.map((c) => String(c.digit)),
    [column("labelled")]: rows.map((c) => String(c.labelled)),
    [column("right")]: rows.map((c) => String(c.correct)),
    [column("accuracy")]: rows.map((c) => percentOrDash(c.accuracy)),
    ...perModel,
  });
}

/** The most frequent (meant, predicted) mistakes. */
export function confusedPairsTable(summary: LogSummary): pl.DataFrame {
  const pairs = summary.confusedPairs;
  return pl.DataFrame({
    [column("meant")]: pairs.map((p) => String(p.meant)),
    [tr({ en: "read as", ko: "읽은 숫자" })]: pairs.map((p) => String(p.predicted)),
    [tr({ en: "times", ko: "횟수" })]: pairs.map((p) => String(p.count)),
    [tr({ en: "share of the meant digit's drawings", ko: "의도한 숫자의 그림 중 비율" })]: pairs.map((p) =>
      percent2(p.shareOfMeant)
    ),
  });
}

/** Accuracy per confidence bin of the labelled predictions (all models together). */
export function calibrationBinsTable(summary: LogSummary): pl.DataFrame {
  const bins = summary.calibration?.bins ?? [];
  return pl.DataFrame({
    [column("confidence")]: bins.map((b) => `${(b.from * 100).toFixed(0)}–${(b.to * 100).toFixed(0)}%`),
    [column("predictions")]: bins.map((b) => String(b.count)),
    [column("right")]: bins.map((b) => String(b.correct)),
    [column("mean confidence")]: bins.map((b) => percent2(b.meanConfidence)),
    [column("accuracy")]: bins.map((b) => percent2(b.accuracy)),
    [column("confidence − accuracy (points)")]: bins.map((b) => points(b.meanConfidence - b.accuracy)),
  });
}

/** Mean confidence against accuracy, and the expected calibration error, for all models and each model. */
export function calibrationSummaryTable(summary: LogSummary): pl.DataFrame {
  const rows = [
    ...(summary.calibration ? [{ model: tr({ en: "all", ko: "전체" }), calibration: summary.calibration }] : []),
    ...summary.calibrationByModel,
  ];
  return pl.DataFrame({
    [column("model")]: rows.map((r) => r.model),
    [column("labelled")]: rows.map((r) => String(r.calibration.labelled)),
    [column("mean confidence")]: rows.map((r) => percent2(r.calibration.meanConfidence)),
    [column("accuracy")]: rows.map((r) => percent2(r.calibration.accuracy)),
    [column("confidence − accuracy (points)")]: rows.map((r) =>
      points(r.calibration.meanConfidence - r.calibration.accuracy)
    ),
    [tr({ en: "expected calibration error (points)", ko: "기대 보정 오차 (ECE, %p)" })]: rows.map((r) =>
      (r.calibration.expectedCalibrationError * 100).toFixed(2)
    ),
  });
}

/** How often two models gave the same digit for the same drawing, and who was right when labelled. */
export function agreementTable(summary: LogSummary): pl.DataFrame {
  const rows = summary.agreement;
  return pl.DataFrame({
    [tr({ en: "models", ko: "모델" })]: rows.map((a) => `${a.first} / ${a.second}`),
    [tr({ en: "drawings both answered", ko: "두 모델이 모두 답한 그림" })]: rows.map((a) => String(a.drawings)),
    [tr({ en: "same digit", ko: "같은 숫자" })]: rows.map((a) => String(a.agreed)),
    [tr({ en: "agreement", ko: "일치율" })]: rows.map((a) => percent2(a.agreement)),
    [column("labelled")]: rows.map((a) => String(a.labelled)),
    [tr({ en: "both right", ko: "둘 다 맞음" })]: rows.map((a) => String(a.bothRight)),
    [tr({ en: "only the first right", ko: "첫 번째만 맞음" })]: rows.map((a) => String(a.onlyFirstRight)),
    [tr({ en: "only the second right", ko: "두 번째만 맞음" })]: rows.map((a) => String(a.onlySecondRight)),
    [tr({ en: "both wrong", ko: "둘 다 틀림" })]: rows.map((a) => String(a.bothWrong)),
  });
}
