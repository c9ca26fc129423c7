/**
 * The numbers of the log report, computed from the prediction log: how much
 * was drawn, accuracy on the drawings users confirmed or corrected (overall,
 * per model, per preprocessing, per digit), the digits most often confused,
 * confidence against correctness (calibration), the low-confidence
 * predictions, and how often two models agreed on the same drawing.
 *
 * Plain counting, which a student can check by hand; the figures, tables and
 * the optional narration are all made from these numbers.
 *
 * @module
 */
import { NUM_CLASSES } from "../data/mnist.ts";
import type { LogContents, LoggedPrediction } from "./log.ts";
import { type DrawingGroup, groupDrawings } from "./log_drawings.ts";

/** Width of a confidence bin (10 percentage points). */
export const CONFIDENCE_BIN = 0.1;
/** Number of confidence bins from 0 to 100%. */
export const CONFIDENCE_BINS = Math.round(1 / CONFIDENCE_BIN);
/** A prediction below this confidence is a low-confidence one (70%). */
export const LOW_CONFIDENCE = 0.7;
/** How many of the most confused (meant, predicted) pairs the report lists. */
export const CONFUSED_PAIR_COUNT = 5;

/** Accuracy of one group (a model, a mode) on the labelled predictions. */
export interface GroupAccuracy {
  group: string;
  predictions: number;
  labelled: number;
  correct: number;
  /** `null` when none is labelled. */
  accuracy: number | null;
}

/** Right answers among labelled predictions. */
export interface Tally {
  labelled: number;
  correct: number;
  /** `null` when none is labelled. */
  accuracy: number | null;
}

/** Accuracy on the drawings the user meant as one digit. */
export interface ClassAccuracy extends Tally {
  digit: number;
  /** The same for each model, by model name (models with no labelled drawing of this digit are absent). */
  byModel: Record<string, Tally>;
}

/** A digit the user meant and the digit a model read instead. */
export interface ConfusedPair {
  meant: number;
  predicted: number;
  count: number;
  /** `count` as a share of all labelled drawings of the meant digit. */
  shareOfMeant: number;
}

/** The labelled predictions whose confidence falls in one bin. */
export interface CalibrationBin {
  /** Lower edge of the bin (a confidence in [0, 1]). */
  from: number;
  /** Upper edge (the last bin includes 1). */
  to: number;
  count: number;
  correct: number;
  meanConfidence: number;
  accuracy: number;
}

/** Confidence against correctness on the labelled predictions. */
export interface Calibration {
  labelled: number;
  meanConfidence: number;
  accuracy: number;
  /**
   * Expected calibration error: the count-weighted mean over bins of
   * |accuracy − mean confidence| (0 for a model exactly as sure as it is right).
   */
  expectedCalibrationError: number;
  /** The non-empty bins, lowest confidence first. */
  bins: CalibrationBin[];
}

/** The predictions below {@link LOW_CONFIDENCE}. */
export interface LowConfidence extends Tally {
  threshold: number;
  count: number;
}

/** Two models that answered the same drawings. */
export interface ModelAgreement {
  first: string;
  second: string;
  /** Drawings both answered. */
  drawings: number;
  /** ... with the same digit. */
  agreed: number;
  agreement: number;
  /** ... of which the user labelled. */
  labelled: number;
  bothRight: number;
  onlyFirstRight: number;
  onlySecondRight: number;
  bothWrong: number;
}

/** Everything the report says, as numbers. */
export interface LogSummary {
  predictions: number;
  /** Predictions with a label (the user's own, or carried from another model's answer to the same drawing). */
  labelled: number;
  correct: number;
  accuracy: number | null;
  /** Labels carried from one model's answer to another model's answer to the same drawing. */
  labelsCarried: number;
  skippedLines: number;
  /** Distinct drawings (predictions of one drawing by several models count once). */
  drawings: number;
  /** The models in the log, MLPs first, then CNNs, then the rest. */
  models: string[];
  /** Predictions per predicted digit. */
  predictedCounts: number[];
  /** Labelled predictions per true (user-given) digit. */
  labelCounts: number[];
  /** `matrix[label][predicted]` over the labelled predictions. */
  confusion: number[][];
  byModel: GroupAccuracy[];
  byMode: GroupAccuracy[];
  /** One row per digit. */
  perClass: ClassAccuracy[];
  /** The most frequent mistakes, most frequent first (at most {@link CONFUSED_PAIR_COUNT}). */
  confusedPairs: ConfusedPair[];
  /** `null` when nothing is labelled. */
  calibration: Calibration | null;
  /** The same for each model with labelled predictions. */
  calibrationByModel: { model: string; calibration: Calibration }[];
  lowConfidence: LowConfidence;
  /** One row per pair of models that answered at least one drawing in common. */
  agreement: ModelAgreement[];
  firstTime: string | null;
  lastTime: string | null;
}

/** The summary and what the figures need besides: the predictions (labels carried) and the drawings. */
export interface LogAnalysis {
  summary: LogSummary;
  predictions: LoggedPrediction[];
  groups: DrawingGroup[];
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** Sort key of a model name: the course's MLPs first, then its CNNs, then any other model. */
function modelRank(name: string): number {
  return name.startsWith("mlp") ? 0 : name.startsWith("cnn") ? 1 : 2;
}

/** Model names in the report's order: MLPs, CNNs, others; alphabetical within each. */
export function orderModels(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => modelRank(a) - modelRank(b) || a.localeCompare(b));
}

function tally(predictions: LoggedPrediction[]): Tally {
  const labelled = predictions.filter((p) => p.label !== null);
  const correct = labelled.filter((p) => p.label === p.digit).length;
  return { labelled: labelled.length, correct, accuracy: ratio(correct, labelled.length) };
}

function groupAccuracy(
  predictions: LoggedPrediction[],
  key: (p: LoggedPrediction) => string,
  order: string[],
): GroupAccuracy[] {
  return order.map((group) => {
    const members = predictions.filter((p) => key(p) === group);
    return { group, predictions: members.length, ...tally(members) };
  }).filter((g) => g.predictions > 0);
}

/** The bin of a confidence (1 falls in the last bin). */
export function confidenceBin(confidence: number): number {
  return Math.min(Math.max(Math.floor(confidence / CONFIDENCE_BIN), 0), CONFIDENCE_BINS - 1);
}

function calibrationOf(predictions: LoggedPrediction[]): Calibration | null {
  const labelled = predictions.filter((p) => p.label !== null);
  if (labelled.length === 0) return null;
  const bins: CalibrationBin[] = [];
  let error = 0;
  for (let bin = 0; bin < CONFIDENCE_BINS; bin++) {
    const members = labelled.filter((p) => confidenceBin(p.confidence) === bin);
    if (members.length === 0) continue;
    const correct = members.filter((p) => p.label === p.digit).length;
    const meanConfidence = members.reduce((sum, p) => sum + p.confidence, 0) / members.length;
    const accuracy = correct / members.length;
    error += (members.length / labelled.length) * Math.abs(accuracy - meanConfidence);
    bins.push({
      from: bin * CONFIDENCE_BIN,
      to: (bin + 1) * CONFIDENCE_BIN,
      count: members.length,
      correct,
      meanConfidence,
      accuracy,
    });
  }
  const correct = labelled.filter((p) => p.label === p.digit).length;
  return {
    labelled: labelled.length,
    meanConfidence: labelled.reduce((sum, p) => sum + p.confidence, 0) / labelled.length,
    accuracy: correct / labelled.length,
    expectedCalibrationError: error,
    bins,
  };
}

function agreementOf(groups: DrawingGroup[], models: string[]): ModelAgreement[] {
  const rows: ModelAgreement[] = [];
  for (let i = 0; i < models.length; i++) {
    for (let j = i + 1; j < models.length; j++) {
      const row: ModelAgreement = {
        first: models[i],
        second: models[j],
        drawings: 0,
        agreed: 0,
        agreement: 0,
        labelled: 0,
        bothRight: 0,
        onlyFirstRight: 0,
        onlySecondRight: 0,
        bothWrong: 0,
      };
      for (const group of groups) {
        const a = group.byModel.get(models[i]), b = group.byModel.get(models[j]);
        if (!a || !b) continue;
        row.drawings++;
        if (a.digit === b.digit) row.agreed++;
        if (group.label === null) continue;
        row.labelled++;
        const aRight = a.digit === group.label, bRight = b.digit === group.label;
        if (aRight && bRight) row.bothRight++;
        else if (aRight) row.onlyFirstRight++;
        else if (bRight) row.onlySecondRight++;
        else row.bothWrong++;
      }
      if (row.drawings === 0) continue;
      row.agreement = row.agreed / row.drawings;
      rows.push(row);
    }
  }
  return rows;
}

/**
 * Everything the report computes from a log: the numbers, and the predictions
 * with labels carried between the models' answers to one drawing.
 */
export function analyseLog(contents: LogContents): LogAnalysis {
  const { predictions, groups, labelsCarried } = groupDrawings(contents.predictions);
  const models = orderModels(predictions.map((p) => p.model));
  const modes = [...new Set(predictions.map((p) => p.mode))].sort();
  const predictedCounts = new Array<number>(NUM_CLASSES).fill(0);
  const labelCounts = new Array<number>(NUM_CLASSES).fill(0);
  const confusion = Array.from({ length: NUM_CLASSES }, () => new Array<number>(NUM_CLASSES).fill(0));
  for (const p of predictions) {
    predictedCounts[p.digit]++;
    if (p.label === null) continue;
    labelCounts[p.label]++;
    confusion[p.label][p.digit]++;
  }
  const overall = tally(predictions);
  const perClass: ClassAccuracy[] = [...Array(NUM_CLASSES).keys()].map((digit) => {
    const meant = predictions.filter((p) => p.label === digit);
    const byModel: Record<string, Tally> = {};
    for (const model of models) {
      const mine = meant.filter((p) => p.model === model);
      if (mine.length > 0) byModel[model] = tally(mine);
    }
    return { digit, ...tally(meant), byModel };
  });
  const confusedPairs: ConfusedPair[] = confusion
    .flatMap((row, meant) =>
      row.map((count, predicted) => ({
        meant,
        predicted,
        count,
        shareOfMeant: count / Math.max(labelCounts[meant], 1),
      }))
    )
    .filter((pair) => pair.meant !== pair.predicted && pair.count > 0)
    .sort((a, b) => b.count - a.count || a.meant - b.meant || a.predicted - b.predicted)
    .slice(0, CONFUSED_PAIR_COUNT);
  const low = predictions.filter((p) => p.confidence < LOW_CONFIDENCE);
  const times = predictions.map((p) => p.time).sort();
  const summary: LogSummary = {
    predictions: predictions.length,
    labelled: overall.labelled,
    correct: overall.correct,
    accuracy: overall.accuracy,
    labelsCarried,
    skippedLines: contents.warnings.length,
    drawings: groups.length,
    models,
    predictedCounts,
    labelCounts,
    confusion,
    byModel: groupAccuracy(predictions, (p) => p.model, models),
    byMode: groupAccuracy(predictions, (p) => p.mode, modes),
    perClass,
    confusedPairs,
    calibration: calibrationOf(predictions),
    calibrationByModel: models.flatMap((model) => {
      const calibration = calibrationOf(predictions.filter((p) => p.model === model));
      return calibration ? [{ model, calibration }] : [];
    }),
    lowConfidence: { threshold: LOW_CONFIDENCE, count: low.length, ...tally(low) },
    agreement: agreementOf(groups, models),
    firstTime: times[0] ?? null,
    lastTime: times.at(-1) ?? null,
  };
  return { summary, predictions, groups };
}

/** The numbers of the report (see {@link analyseLog}). */
export function summariseLog(contents: LogContents): LogSummary {
  return analyseLog(contents).summary;
}
