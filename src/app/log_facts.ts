/**
 * The log report's numbers as a compact JSON object: what a language model
 * is given to narrate (and nothing else: no images, no log lines), what the
 * narration's numbers are checked against, and `facts.json` beside the report.
 *
 * Ratios are percentages with at most 2 decimals (keys ending in `_percent`,
 * differences of percentages in `_points`), counts are integers, so that a
 * narration can quote them as they are or rounded.
 *
 * @module
 */
import type { LogSummary, Tally } from "./log_summary.ts";

/** Decimals of the percentages in the facts. */
const PERCENT_DECIMALS = 2;

/** A ratio as a percentage with at most 2 decimals (`null` stays `null`). */
export function factPercent(ratio: number | null): number | null {
  return ratio === null ? null : Number((ratio * 100).toFixed(PERCENT_DECIMALS));
}

/** What the facts say about the keys, in words without numbers (numbers in it would count as facts). */
const ABOUT = "Predictions of handwritten digits that people drew in a web app, each read by a model " +
  "(mlp: a multi-layer perceptron; cnn: a convolutional network; the number after the dash is its training epochs) " +
  "after a preprocessing recipe (mode) that turns the drawing into the small grey image the model reads. " +
  "A label is the digit the user said they meant; accuracy is measured on labelled predictions only. " +
  "Confidence is the probability the model gave its answer. Agreement compares two models on the same drawing.";

/** The preprocessing recipes in words (no numbers: see {@link ABOUT}). */
const RECIPES: Record<string, string> = {
  v1: "the drawing inverted and resized as it is",
  v2: "the drawing cropped to its ink, padded and centred",
  v3: "MNIST's own recipe: fitted into a smaller box, then centred by its centre of mass",
};

const tallyFacts = (t: Tally) => ({
  labelled: t.labelled,
  right: t.correct,
  accuracy_percent: factPercent(t.accuracy),
});

/** The facts of a summary (see the module comment). */
export function logFacts(s: LogSummary): Record<string, unknown> {
  const calibration = s.calibration;
  return {
    about: ABOUT,
    predictions: s.predictions,
    drawings: s.drawings,
    labelled: s.labelled,
    labels_carried_to_another_models_answer: s.labelsCarried,
    right: s.correct,
    accuracy_percent: factPercent(s.accuracy),
    first_prediction: s.firstTime,
    last_prediction: s.lastTime,
    damaged_log_lines_skipped: s.skippedLines,
    by_model: s.byModel.map((g) => ({ model: g.group, predictions: g.predictions, ...tallyFacts(g) })),
    by_preprocessing: s.byMode.map((g) => ({
      mode: g.group,
      recipe: RECIPES[g.group] ?? null,
      predictions: g.predictions,
      ...tallyFacts(g),
    })),
    per_digit: s.perClass.filter((c) => c.labelled > 0).map((c) => ({
      digit: c.digit,
      ...tallyFacts(c),
      by_model: Object.fromEntries(Object.entries(c.byModel).map(([model, t]) => [model, tallyFacts(t)])),
    })),
    most_confused: s.confusedPairs.map((p) => ({
      meant: p.meant,
      read_as: p.predicted,
      times: p.count,
      share_of_meant_percent: factPercent(p.shareOfMeant),
    })),
    calibration: calibration && {
      labelled: calibration.labelled,
      mean_confidence_percent: factPercent(calibration.meanConfidence),
      accuracy_percent: factPercent(calibration.accuracy),
      confidence_minus_accuracy_points: factPercent(calibration.meanConfidence - calibration.accuracy),
      expected_calibration_error_points: factPercent(calibration.expectedCalibrationError),
      bins: calibration.bins.map((b) => ({
        confidence_from_percent: factPercent(b.from),
        confidence_to_percent: factPercent(b.to),
        predictions: b.count,
        right: b.correct,
        mean_confidence_percent: factPercent(b.meanConfidence),
        accuracy_percent: factPercent(b.accuracy),
      })),
    },
    calibration_by_model: s.calibrationByModel.map(({ model, calibration: c }) => ({
      model,
      labelled: c.labelled,
      mean_confidence_percent: factPercent(c.meanConfidence),
      accuracy_percent: factPercent(c.accuracy),
      confidence_minus_accuracy_points: factPercent(c.meanConfidence - c.accuracy),
      expected_calibration_error_points: factPercent(c.expectedCalibrationError),
    })),
    low_confidence: {
      below_percent: factPercent(s.lowConfidence.threshold),
      predictions: s.lowConfidence.count,
      ...tallyFacts(s.lowConfidence),
    },
    agreement: s.agreement.map((a) => ({
      first: a.first,
      second: a.second,
      drawings_both_answered: a.drawings,
      same_answer: a.agreed,
      agreement_percent: factPercent(a.agreement),
      labelled: a.labelled,
      both_right: a.bothRight,
      only_first_right: a.onlyFirstRight,
      only_second_right: a.onlySecondRight,
      both_wrong: a.bothWrong,
    })),
  };
}
