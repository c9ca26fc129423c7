/**
 * The figures of the prediction log's report (`deno task log-report`,
 * notebook 06), one builder each: what was predicted, accuracy per digit,
 * the confusion matrix, confidence and calibration, and galleries of the
 * mistakes, the low-confidence answers and the drawings two models disagreed on.
 *
 * A builder returns `null` where the log has nothing to draw (no labels yet,
 * no mistakes), so a report can say so instead of showing an empty chart.
 *
 * @module
 */
import { MODEL_IMAGE_SIZE } from "../draw/preprocess.ts";
import type { LoggedPrediction } from "../app/log.ts";
import type { DrawingGroup } from "../app/log_drawings.ts";
import { CONFIDENCE_BIN, confidenceBin, type LogSummary, LOW_CONFIDENCE } from "../app/log_summary.ts";
import { barChart, confusionMatrixChart, groupedBars } from "../plots/charts.ts";
import { confidenceHistogram, reliabilityDiagram } from "../plots/calibration.ts";
import { imageGrid, type Tile } from "../plots/digits.ts";
import type { Figure, PngImage } from "../plots/figure.ts";
import { ERROR_COLOR, MODEL_COLORS, NEUTRAL_COLOR, OK_COLOR } from "../plots/theme.ts";
import { tr } from "../i18n.ts";

/** The most low-confidence answers a gallery shows (the least confident first). */
export const LOW_CONFIDENCE_GALLERY_LIMIT = 18;
/** The most mistakes a gallery shows (the latest ones). */
export const MISTAKE_GALLERY_LIMIT = 30;
/** The most disagreements a gallery shows (the latest ones). */
export const DISAGREEMENT_GALLERY_LIMIT = 18;
/** Tiles per row of the galleries. */
const GALLERY_COLUMNS = 6;
/** PNG pixels per input pixel in the galleries. */
const GALLERY_SCALE = 3;
/** Colours of models that are neither an MLP nor a CNN (Tableau 10, after the two models' own). */
const OTHER_MODEL_COLORS = ["#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"];

/** The colour of a model in every chart: the course's MLP and CNN colours by the name's start. */
export function modelColor(name: string, models: string[] = []): string {
  if (name.startsWith("mlp")) return MODEL_COLORS.MLP;
  if (name.startsWith("cnn")) return MODEL_COLORS.CNN;
  const others = models.filter((m) => !m.startsWith("mlp") && !m.startsWith("cnn"));
  return OTHER_MODEL_COLORS[Math.max(others.indexOf(name), 0) % OTHER_MODEL_COLORS.length];
}

const percentText = (confidence: number) => `${(confidence * 100).toFixed(0)}%`;

/** How many predictions named each digit. */
export function predictedCountsFigure(summary: LogSummary): Figure {
  return barChart(summary.predictedCounts.map((value, digit) => ({ category: digit, value })), {
    title: tr({ en: "Predictions per predicted digit", ko: "예측한 숫자별 예측 수" }),
    xLabel: tr({ en: "predicted digit", ko: "예측한 숫자" }),
    yLabel: tr({ en: "↑ predictions", ko: "↑ 예측 수" }),
  });
}

/** Accuracy per digit the user meant, one bar per model; `null` when nothing is labelled. */
export function perClassAccuracyFigure(summary: LogSummary): Figure | null {
  if (summary.labelled === 0) return null;
  const models = summary.models.filter((m) => summary.perClass.some((c) => c.byModel[m]));
  const rows = summary.perClass.flatMap((c) =>
    models.flatMap((model) => {
      const tally = c.byModel[model];
      return tally && tally.accuracy !== null ? [{ group: c.digit, series: model, value: tally.accuracy }] : [];
    })
  );
  return groupedBars(rows, {
    title: tr({
      en: "Accuracy per digit the user meant (confirmed or corrected drawings)",
      ko: "사용자가 의도한 숫자별 정확도 (확인하거나 고친 그림)",
    }),
    xLabel: tr({ en: "digit meant", ko: "의도한 숫자" }),
    yLabel: tr({ en: "↑ accuracy (%)", ko: "↑ 정확도 (%)" }),
    percent: true,
    yDomain: [0, 1],
    labels: false,
    colors: Object.fromEntries(models.map((m) => [m, modelColor(m, summary.models)])),
  });
}

/** The confusion matrix of the labelled predictions; `null` when nothing is labelled. */
export function logConfusionFigure(summary: LogSummary): Figure | null {
  if (summary.labelled === 0) return null;
  return confusionMatrixChart(summary.confusion, {
    title: tr({
      en: "Digit meant (rows) against digit predicted (columns)",
      ko: "의도한 숫자(행)와 예측한 숫자(열)",
    }),
  });
}

/** Predictions nobody labelled: grey (Tableau 10), apart from the green of right answers. */
const UNLABELLED_COLOR = "#bab0ac";
/** Outcomes of a prediction in the confidence histogram, in stacking order, in the language in force. */
function outcomes(): { right: string; wrong: string; unlabelled: string; legend: { label: string; color: string }[] } {
  const [right, wrong, unlabelled] = [
    tr({ en: "right", ko: "맞음" }),
    tr({ en: "wrong", ko: "틀림" }),
    tr({ en: "not labelled", ko: "레이블 없음" }),
  ];
  return {
    right,
    wrong,
    unlabelled,
    legend: [
      { label: right, color: OK_COLOR },
      { label: wrong, color: ERROR_COLOR },
      { label: unlabelled, color: UNLABELLED_COLOR },
    ],
  };
}

/** How sure the models were: predictions per 10-point confidence bin, stacked by right, wrong and not labelled. */
export function confidenceFigure(
  predictions: LoggedPrediction[],
  title = tr({ en: "How sure the models were", ko: "모델들의 확신도" }),
): Figure {
  const names = outcomes();
  const counts = new Map<string, { from: number; to: number; outcome: string; count: number }>();
  for (const p of predictions) {
    const bin = confidenceBin(p.confidence);
    const outcome = p.label === null ? names.unlabelled : p.label === p.digit ? names.right : names.wrong;
    const key = `${bin}:${outcome}`;
    const row = counts.get(key) ?? { from: bin * CONFIDENCE_BIN, to: (bin + 1) * CONFIDENCE_BIN, outcome, count: 0 };
    row.count++;
    counts.set(key, row);
  }
  const order = names.legend.map((o) => o.label);
  const rows = [...counts.values()].sort((a, b) =>
    a.from - b.from || order.indexOf(a.outcome) - order.indexOf(b.outcome)
  );
  return confidenceHistogram(rows, names.legend, { title });
}

/**
 * The reliability diagram of the labelled predictions, a panel per model
 * (or one panel when one model answered); `null` when nothing is labelled.
 */
export function reliabilityFigure(summary: LogSummary): Figure | null {
  if (!summary.calibration) return null;
  const panels = summary.calibrationByModel.length > 1
    ? summary.calibrationByModel.map(({ model, calibration }) => ({
      title: `${model} · ECE ${eceText(calibration.expectedCalibrationError)}`,
      name: model,
      bins: calibration.bins,
      color: modelColor(model, summary.models),
    }))
    : [{
      title: `ECE ${eceText(summary.calibration.expectedCalibrationError)}`,
      name: summary.models.join(", "),
      bins: summary.calibration.bins,
      color: summary.models.length === 1 ? modelColor(summary.models[0], summary.models) : NEUTRAL_COLOR,
    }];
  return reliabilityDiagram(panels, {
    title: tr({ en: "Confidence against accuracy (labelled predictions)", ko: "확신도와 정확도 (레이블이 있는 예측)" }),
  });
}

/** An expected calibration error in points: "1.23 points", "1.23%p". */
function eceText(error: number): string {
  const points = (error * 100).toFixed(2);
  return tr({ en: `${points} points`, ko: `${points}%p` });
}

/** A logged input as a captioned tile (28×28, as the model saw it). */
function predictionTile(p: LoggedPrediction): Tile {
  return {
    values: p.input,
    width: MODEL_IMAGE_SIZE,
    height: MODEL_IMAGE_SIZE,
    caption: [
      `${p.digit} (${percentText(p.confidence)})`,
      p.label === null
        ? { text: tr({ en: "no label", ko: "레이블 없음" }) }
        : { text: meantText(p.label), color: p.label === p.digit ? OK_COLOR : ERROR_COLOR },
      `${p.model} ${p.mode}`,
    ],
  };
}

/** A caption saying which digit the user meant. */
function meantText(label: number): string {
  return tr({ en: `meant ${label}`, ko: `의도 ${label}` });
}

function gallery(tiles: Tile[], title: string): PngImage | null {
  return tiles.length > 0 ? imageGrid(tiles, { columns: GALLERY_COLUMNS, scale: GALLERY_SCALE, title }) : null;
}

/** The predictions below the low-confidence threshold, the least confident first; `null` when there are none. */
export function lowConfidenceGallery(predictions: LoggedPrediction[]): PngImage | null {
  const low = predictions.filter((p) => p.confidence < LOW_CONFIDENCE)
    .sort((a, b) => a.confidence - b.confidence)
    .slice(0, LOW_CONFIDENCE_GALLERY_LIMIT);
  const threshold = percentText(LOW_CONFIDENCE);
  return gallery(
    low.map(predictionTile),
    tr({
      en: `Answers below ${threshold} confidence, least sure first`,
      ko: `확신도가 ${threshold} 미만인 답 (확신도가 낮은 것부터)`,
    }),
  );
}

/** The latest wrong predictions (by the user's label); `null` when there are none. */
export function mistakesGallery(predictions: LoggedPrediction[]): PngImage | null {
  const wrong = predictions.filter((p) => p.label !== null && p.label !== p.digit).slice(-MISTAKE_GALLERY_LIMIT);
  return gallery(
    wrong.map(predictionTile),
    tr({
      en: "Wrong answers (by the user's label), latest last",
      ko: "틀린 답 (사용자의 레이블 기준, 최근 것이 마지막)",
    }),
  );
}

/**
 * The latest drawings on which two models gave different digits, captioned
 * with each model's answer; `null` when the models never disagreed (or never
 * answered the same drawing).
 */
export function disagreementGallery(groups: DrawingGroup[], models: string[]): PngImage | null {
  const disagreed = groups.filter((g) => new Set([...g.byModel.values()].map((p) => p.digit)).size > 1)
    .slice(-DISAGREEMENT_GALLERY_LIMIT);
  const tiles = disagreed.map((g): Tile => {
    const answers = models.filter((m) => g.byModel.has(m)).map((m) => g.byModel.get(m)!);
    return {
      values: answers[0].input,
      width: MODEL_IMAGE_SIZE,
      height: MODEL_IMAGE_SIZE,
      caption: [
        ...answers.map((p) => ({
          text: `${p.model}: ${p.digit} (${percentText(p.confidence)})`,
          color: g.label === null ? undefined : p.digit === g.label ? OK_COLOR : ERROR_COLOR,
        })),
        g.label === null ? tr({ en: "no label", ko: "레이블 없음" }) : meantText(g.label),
      ],
    };
  });
  return gallery(tiles, tr({ en: "Drawings the models read differently", ko: "모델들이 다르게 읽은 그림" }));
}
