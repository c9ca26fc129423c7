/**
 * The figures of notebook 05 (the report's section 5): table 5.1 as bars,
 * held-out accuracy per epoch, parameter counts, per-digit accuracy, and the
 * digits each model gets wrong or the two disagree on.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import type { MnistSplit } from "../data/mnist.ts";
import {
  confusionMatrix,
  disagreementIndices,
  type Evaluation,
  mistakeIndices,
  perClassAccuracy,
} from "../evaluate.ts";
import { compareCurves, groupedBars } from "../plots/charts.ts";
import { comparisonGrid, predictionGrid, type PredictionSource } from "../plots/digits.ts";
import type { Displayable } from "../plots/figure.ts";
import type { ModelMetrics } from "../tables/comparison.ts";
import type { EpochRow } from "../display/training.ts";
import { historyFrame } from "../tables/models.ts";
import type { ModelName } from "./models.ts";

/** Our four runs' metrics, keyed by model and the epochs they stopped at. */
export interface ComparisonMetrics {
  early: { epochs: number; mlp: ModelMetrics; cnn: ModelMetrics };
  late: { epochs: number; mlp: ModelMetrics; cnn: ModelMetrics };
}

function comparisonBars(m: ComparisonMetrics, pick: (x: ModelMetrics) => number, label: string) {
  return [m.early, m.late].flatMap((point) =>
    (["MLP", "CNN"] as const).map((model) => ({
      group: `${label} · ${point.epochs} epoch${point.epochs === 1 ? "" : "s"}`,
      series: model,
      value: pick(model === "MLP" ? point.mlp : point.cnn),
    }))
  );
}

/**
 * Train and test accuracy of both models after both numbers of epochs (table
 * 5.1 as bars), on an axis from 0: every bar is near 100%, so the labels carry
 * the differences; {@link comparisonErrorFigure} shows them as lengths.
 */
export function comparisonAccuracyFigure(m: ComparisonMetrics): Displayable {
  return groupedBars(
    [...comparisonBars(m, (x) => x.trainAccuracy, "train"), ...comparisonBars(m, (x) => x.testAccuracy, "test")],
    {
      title: `Accuracy after ${m.early.epochs} and ${m.late.epochs} epochs`,
      yLabel: "↑ accuracy (%)",
      percent: true,
      yDomain: [0, 1],
    },
  );
}

/** The same as error rates (100% − accuracy), on an axis from 0, where the differences show as lengths. */
export function comparisonErrorFigure(m: ComparisonMetrics): Displayable {
  return groupedBars(
    [
      ...comparisonBars(m, (x) => 1 - x.trainAccuracy, "train"),
      ...comparisonBars(m, (x) => 1 - x.testAccuracy, "test"),
    ],
    {
      title: `Error rate (100% − accuracy) after ${m.early.epochs} and ${m.late.epochs} epochs`,
      yLabel: "↓ error rate (%)",
      percent: true,
    },
  );
}

/** Train and test loss of both models after both numbers of epochs. */
export function comparisonLossFigure(m: ComparisonMetrics): Displayable {
  return groupedBars(
    [...comparisonBars(m, (x) => x.trainLoss, "train"), ...comparisonBars(m, (x) => x.testLoss, "test")],
    { title: `Loss after ${m.early.epochs} and ${m.late.epochs} epochs`, yLabel: "↓ loss (cross-entropy)" },
  );
}

/** The overfitting gap (train − test accuracy) of both models. */
export function comparisonGapFigure(m: ComparisonMetrics): Displayable {
  return groupedBars(comparisonBars(m, (x) => x.trainAccuracy - x.testAccuracy, "gap"), {
    title: "Overfitting gap (train − test accuracy)",
    yLabel: "↓ gap (percentage points)",
    percent: true,
  });
}

/** Held-out accuracy per epoch of both models' longer runs. */
export function heldOutCurvesFigure(mlpRows: EpochRow[], cnnRows: EpochRow[]): Displayable {
  const histories = [{ model: "MLP", history: historyFrame(mlpRows) }, {
    model: "CNN",
    history: historyFrame(cnnRows),
  }];
  return compareCurves(histories, "val_accuracy", {
    title: "Held-out accuracy per epoch",
  });
}

/** Parameter counts of the two models. */
export function parameterCountFigure(mlp: tf.LayersModel, cnn: tf.LayersModel): Displayable {
  return groupedBars(
    [
      { group: "parameters", series: "MLP", value: mlp.countParams() },
      { group: "parameters", series: "CNN", value: cnn.countParams() },
    ],
    { title: "Parameter counts", yLabel: "↑ parameters", format: (v) => v.toLocaleString("en-US"), width: 360 },
  );
}

/** Test error rate per digit of both models (100% − the digit's accuracy), on an axis from 0. */
export function perClassFigure(
  test: MnistSplit,
  mlp: Evaluation,
  cnn: Evaluation,
  epochs: number,
): Displayable {
  const mlpPerClass = perClassAccuracy(confusionMatrix(test.labels, mlp.predictions));
  const cnnPerClass = perClassAccuracy(confusionMatrix(test.labels, cnn.predictions));
  return groupedBars(
    mlpPerClass.flatMap((value, digit) => [
      { group: digit, series: "MLP", value: 1 - value },
      { group: digit, series: "CNN", value: 1 - cnnPerClass[digit] },
    ]),
    {
      title: `Test error rate per digit after ${epochs} epoch${epochs === 1 ? "" : "s"}`,
      xLabel: "digit",
      yLabel: "↓ error rate (%)",
      percent: true,
      labels: false,
    },
  );
}

/** The first ten test digits a model gets wrong. */
export function mistakesFigure(model: ModelName, test: MnistSplit, predicted: PredictionSource): Displayable {
  return predictionGrid(test, mistakeIndices(test.labels, predicted.predictions).slice(0, 10), predicted, {
    title: `First ten test digits the ${model} gets wrong`,
    showIndex: true,
  });
}

/** The first ten test digits on which the two models disagree. */
export function disagreementsFigure(test: MnistSplit, mlp: Evaluation, cnn: Evaluation): Displayable {
  return comparisonGrid(test, disagreementIndices(mlp.predictions, cnn.predictions).slice(0, 10), {
    MLP: mlp,
    CNN: cnn,
  }, {
    title: "Test digits on which the MLP and the CNN disagree",
  });
}
