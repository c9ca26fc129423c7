/**
 * The course's figures by name: one builder per figure, used by the notebooks
 * (which display what it returns) and by `reproduce` (which saves it), so no
 * figure is built twice in two places.
 *
 * @module
 */
import type pl from "nodejs-polars";
import { join } from "node:path";
import type { tf } from "../tf.ts";
import { classCounts, imageAt, type MnistSplit, NUM_CLASSES } from "../data/mnist.ts";
import {
  confusionMatrix,
  disagreementIndices,
  type Evaluation,
  mistakeIndices,
  perClassAccuracy,
} from "../evaluate.ts";
import { convFilters, featureMaps } from "../models/summary.ts";
import {
  barChart,
  classCountChart,
  compareCurves,
  confusionMatrixChart,
  groupedBars,
  learningCurves,
  pixelHistogram,
} from "../plots/charts.ts";
import {
  comparisonGrid,
  digitGrid,
  featureMapGrid,
  filterGrid,
  meanDigitImages,
  pixelValueHeatmap,
  predictionGrid,
} from "../plots/digits.ts";
import type { Displayable } from "../plots/figure.ts";
import { metricsOf, type ModelMetrics } from "./comparison.ts";
import type { WrittenFigure } from "./markdown.ts";
import type { ReproduceResults } from "./reproduce.ts";

/** Which model a figure is about. */
export type ModelName = "MLP" | "CNN";

// ---------------------------------------------------------------- 01 data exploration

/** A 3×3 grid of the first nine training digits with their labels (report section 1.3). */
export function sampleDigitsFigure(train: MnistSplit): Displayable {
  return digitGrid(train, [0, 1, 2, 3, 4, 5, 6, 7, 8], { columns: 3, title: "The first nine training digits" });
}

/** The grey levels of the first training image, as an annotated heatmap (report section 2.1). */
export function firstImagePixelsFigure(train: MnistSplit): Displayable {
  return pixelValueHeatmap(imageAt(train, 0), {
    title: `Grey levels of the first training image (label ${train.labels[0]})`,
  });
}

/** Images per digit in the training and the test set. */
export function classCountsFigure(train: MnistSplit, test: MnistSplit): Displayable {
  return classCountChart(classCounts(train), classCounts(test), { title: "Images per digit" });
}

/** The mean training image of each digit. */
export function meanDigitsFigure(train: MnistSplit): Displayable {
  return meanDigitImages(train, { title: "Mean training image of each digit" });
}

/** Histogram of the grey levels of all training pixels. */
export function pixelHistogramFigure(train: MnistSplit): Displayable {
  return pixelHistogram(train.images, { title: "Grey levels of all training pixels" });
}

// ---------------------------------------------------------------- 02 MLP, 03 CNN

/** Accuracy and loss per epoch, training against held-out data. */
export function learningCurvesFigure(model: ModelName, history: pl.DataFrame): Displayable {
  return learningCurves(history, {
    title: `${model} learning curves`,
    heldOutLabel: model === "CNN" ? "test" : "validation", // the report validated its CNN on the test set
  });
}

/** The first test digits with label, prediction and confidence (the MLP shows 5, the CNN 10, as the report). */
export function testPredictionsFigure(model: ModelName, test: MnistSplit, evaluation: Evaluation): Displayable {
  const count = model === "MLP" ? 5 : 10;
  const words = count === 5 ? "five" : "ten";
  return predictionGrid(test, [...Array(count).keys()], evaluation, {
    title: `${model} predictions for the first ${words} test digits`,
  });
}

/** The probability a model gives each digit for one test image, as bars. */
export function probabilitiesFigure(model: ModelName, evaluation: Evaluation, index: number): Displayable {
  const probabilities = Array.from(evaluation.probabilities.subarray(index * NUM_CLASSES, (index + 1) * NUM_CLASSES));
  return barChart(probabilities.map((p, digit) => ({ category: digit, value: Number(p.toFixed(4)) })), {
    title: `${model} probabilities for test image #${index}`,
    xLabel: "digit",
    yLabel: "↑ probability",
  });
}

/** The 32 learned 3×3 filters of the CNN's convolution. */
export function cnnFiltersFigure(model: tf.LayersModel): Displayable {
  const filters = convFilters(model);
  return filterGrid(filters.values, filters.shape, { title: "The 32 learned 3×3 filters" });
}

/** The 32 feature maps of one test digit after the convolution and ReLU. */
export function cnnFeatureMapsFigure(model: tf.LayersModel, test: MnistSplit, index = 0): Displayable {
  const maps = featureMaps(model, imageAt(test, index));
  return featureMapGrid(maps.values, maps.shape, {
    title: `Feature maps of test digit #${index} (a ${test.labels[index]}) after Conv2D + ReLU`,
  });
}

/** Confusion matrix of a model on the test images. */
export function confusionFigure(model: ModelName, test: MnistSplit, evaluation: Evaluation): Displayable {
  return confusionMatrixChart(confusionMatrix(test.labels, evaluation.predictions), {
    title: `${model} confusion matrix on the test set`,
  });
}

// ---------------------------------------------------------------- 04 comparison

/** Our four runs' metrics, keyed by model and the epochs they stopped at. */
export interface ComparisonMetrics {
  early: { epochs: number; mlp: ModelMetrics; cnn: ModelMetrics };
  late: { epochs: number; mlp: ModelMetrics; cnn: ModelMetrics };
  quick: boolean;
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

/** Train and test accuracy of both models after both numbers of epochs (table 5.1 as bars). */
export function comparisonAccuracyFigure(m: ComparisonMetrics): Displayable {
  return groupedBars(
    [...comparisonBars(m, (x) => x.trainAccuracy, "train"), ...comparisonBars(m, (x) => x.testAccuracy, "test")],
    {
      title: `Accuracy after ${m.early.epochs} and ${m.late.epochs} epochs`,
      yLabel: "↑ accuracy (%)",
      percent: true,
      yDomain: [m.quick ? 0.5 : 0.95, 1],
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
export function heldOutCurvesFigure(mlpHistory: pl.DataFrame, cnnHistory: pl.DataFrame): Displayable {
  return compareCurves([{ model: "MLP", history: mlpHistory }, { model: "CNN", history: cnnHistory }], "val_accuracy", {
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

/** Test accuracy per digit of both models. */
export function perClassFigure(
  test: MnistSplit,
  mlp: Evaluation,
  cnn: Evaluation,
  epochs: number,
  quick: boolean,
): Displayable {
  const mlpPerClass = perClassAccuracy(confusionMatrix(test.labels, mlp.predictions));
  const cnnPerClass = perClassAccuracy(confusionMatrix(test.labels, cnn.predictions));
  return groupedBars(
    mlpPerClass.flatMap((value, digit) => [
      { group: digit, series: "MLP", value },
      { group: digit, series: "CNN", value: cnnPerClass[digit] },
    ]),
    {
      title: `Test accuracy per digit after ${epochs} epoch${epochs === 1 ? "" : "s"}`,
      xLabel: "digit",
      yLabel: "↑ accuracy (%)",
      percent: true,
      yDomain: [quick ? 0.3 : 0.94, 1],
      labels: false,
    },
  );
}

/** The first ten test digits a model gets wrong. */
export function mistakesFigure(model: ModelName, test: MnistSplit, evaluation: Evaluation): Displayable {
  return predictionGrid(test, mistakeIndices(test.labels, evaluation.predictions).slice(0, 10), evaluation, {
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

// ---------------------------------------------------------------- reproduce

/** Metrics of the four runs of a `reproduce` result, for the comparison figures. */
export function comparisonMetricsOf(r: ReproduceResults): ComparisonMetrics {
  const m = (run: ReproduceResults["mlpEarly"]): ModelMetrics => metricsOf(run.train, run.test);
  return {
    early: { epochs: r.plan.earlyEpochs, mlp: m(r.mlpEarly), cnn: m(r.cnnEarly) },
    late: { epochs: r.plan.lateEpochs, mlp: m(r.mlpLate), cnn: m(r.cnnLate) },
    quick: r.plan.quick,
  };
}

/** Builds and saves every figure of notebooks 01–04 under `dir` (SVG and PNG for charts, PNG for images). */
export async function writeReportFigures(r: ReproduceResults, dir: string): Promise<WrittenFigure[]> {
  const { data, testSplit: test } = r;
  const metrics = comparisonMetricsOf(r);
  const figures: [string, string, () => Displayable][] = [
    ["sample-digits", "The first nine training digits", () => sampleDigitsFigure(data.train)],
    ["first-image-pixels", "Grey levels of the first training image", () => firstImagePixelsFigure(data.train)],
    ["class-counts", "Images per digit", () => classCountsFigure(data.train, data.test)],
    ["mean-digits", "Mean training image of each digit", () => meanDigitsFigure(data.train)],
    ["pixel-histogram", "Grey levels of all training pixels", () => pixelHistogramFigure(data.train)],
    [
      "mlp-learning-curves",
      `MLP learning curves (${r.plan.lateEpochs} epochs)`,
      () => learningCurvesFigure("MLP", r.mlpLate.result.history),
    ],
    [
      "mlp-test-predictions",
      `MLP predictions after ${r.plan.earlyEpochs} epochs`,
      () => testPredictionsFigure("MLP", test, r.mlpEarly.test),
    ],
    [
      "mlp-probabilities",
      "MLP probabilities for the first test image",
      () => probabilitiesFigure("MLP", r.mlpEarly.test, 0),
    ],
    [
      "cnn-learning-curves",
      `CNN learning curves (${r.plan.lateEpochs} epochs)`,
      () => learningCurvesFigure("CNN", r.cnnLate.result.history),
    ],
    [
      "cnn-test-predictions",
      `CNN predictions after ${r.plan.earlyEpochs} epochs`,
      () => testPredictionsFigure("CNN", test, r.cnnEarly.test),
    ],
    [
      "cnn-filters",
      `The CNN's 32 learned filters after ${r.plan.earlyEpochs} epochs`,
      () => cnnFiltersFigure(r.cnnEarly.result.model),
    ],
    [
      "cnn-feature-maps",
      "Feature maps of the first test digit",
      () => cnnFeatureMapsFigure(r.cnnEarly.result.model, test),
    ],
    [
      "cnn-confusion-matrix",
      `CNN confusion matrix after ${r.plan.earlyEpochs} epochs`,
      () => confusionFigure("CNN", test, r.cnnEarly.test),
    ],
    [
      "mlp-confusion-matrix",
      `MLP confusion matrix after ${r.plan.earlyEpochs} epochs`,
      () => confusionFigure("MLP", test, r.mlpEarly.test),
    ],
    ["comparison-accuracy", "Accuracy of both models", () => comparisonAccuracyFigure(metrics)],
    ["comparison-loss", "Loss of both models", () => comparisonLossFigure(metrics)],
    ["comparison-gap", "Overfitting gap of both models", () => comparisonGapFigure(metrics)],
    [
      "held-out-curves",
      "Held-out accuracy per epoch",
      () => heldOutCurvesFigure(r.mlpLate.result.history, r.cnnLate.result.history),
    ],
    [
      "parameter-counts",
      "Parameter counts",
      () => parameterCountFigure(r.mlpLate.result.model, r.cnnLate.result.model),
    ],
    [
      "per-class-accuracy",
      `Test accuracy per digit after ${r.plan.earlyEpochs} epochs`,
      () => perClassFigure(test, r.mlpEarly.test, r.cnnEarly.test, r.plan.earlyEpochs, r.plan.quick),
    ],
    ["mlp-mistakes", "Test digits the MLP gets wrong", () => mistakesFigure("MLP", test, r.mlpEarly.test)],
    ["cnn-mistakes", "Test digits the CNN gets wrong", () => mistakesFigure("CNN", test, r.cnnEarly.test)],
    [
      "disagreements",
      "Test digits on which the two models disagree",
      () => disagreementsFigure(test, r.mlpEarly.test, r.cnnEarly.test),
    ],
  ];
  const written: WrittenFigure[] = [];
  for (const [name, title, build] of figures) {
    const paths = await build().save(join(dir, name));
    written.push({ name, title, paths });
  }
  return written;
}
