/**
 * The figures of the model notebooks (02 MLP, 03 CNN), one builder each:
 * learning curves, predictions for test digits, one digit's probabilities, the
 * CNN's filters and feature maps, and the confusion matrix.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import { imageAt, type MnistSplit, NUM_CLASSES } from "../data/mnist.ts";
import { confusionMatrix } from "../evaluate.ts";
import { convFilters, featureMaps } from "../models/summary.ts";
import { barChart, confusionMatrixChart, learningCurves } from "../plots/charts.ts";
import { featureMapGrid, filterGrid, predictionGrid, type PredictionSource } from "../plots/digits.ts";
import type { Displayable } from "../plots/figure.ts";
import type { EpochRow } from "../display/training.ts";
import { historyFrame } from "../tables/models.ts";
import { tr } from "../i18n.ts";

/** Which model a figure is about. */
export type ModelName = "MLP" | "CNN";

/** Accuracy and loss per epoch, training against held-out data. */
export function learningCurvesFigure(model: ModelName, rows: EpochRow[]): Displayable {
  return learningCurves(historyFrame(rows), {
    title: tr({ en: `${model} learning curves`, ko: `${model} 학습 곡선` }),
    heldOutLabel: model === "CNN" ? "test" : "validation", // the report validated its CNN on the test set
  });
}

/**
 * The first test digits with label, prediction and confidence (the MLP shows
 * 5, the CNN 10, as the report). `predicted` is what `model.predict` and
 * `argMax` give for the test images (or an evaluation).
 */
export function testPredictionsFigure(model: ModelName, test: MnistSplit, predicted: PredictionSource): Displayable {
  const count = model === "MLP" ? 5 : 10;
  const words = count === 5 ? tr({ en: "five", ko: "다섯" }) : tr({ en: "ten", ko: "열" });
  return predictionGrid(test, [...Array(count).keys()], predicted, {
    title: tr({
      en: `${model} predictions for the first ${words} test digits`,
      ko: `처음 ${words} 개 테스트 숫자에 대한 ${model}의 예측`,
    }),
  });
}

/**
 * The probability a model gives each digit for test image `index`, as the
 * report's chart draws it: percentages, the predicted digit's bar highlighted.
 */
export function probabilitiesFigure(model: ModelName, predicted: PredictionSource, index: number): Displayable {
  const probabilities = Array.from(predicted.probabilities).slice(index * NUM_CLASSES, (index + 1) * NUM_CLASSES);
  const top = probabilities.indexOf(Math.max(...probabilities));
  return barChart(probabilities.map((p, digit) => ({ category: digit, value: p * 100 })), {
    title: tr({
      en: `${model} probabilities for test image #${index} (%)`,
      ko: `테스트 이미지 #${index}에 대한 ${model}의 예측 확률 분포 (%)`,
    }),
    xLabel: tr({ en: "digit", ko: "숫자" }),
    yLabel: tr({ en: "↑ probability (%)", ko: "↑ 확률 (%)" }),
    highlight: top,
    format: (v) => `${v.toFixed(1)}%`,
    yDomain: [0, 100],
  });
}

/** The 32 learned 3×3 filters of the CNN's convolution. */
export function cnnFiltersFigure(model: tf.LayersModel): Displayable {
  const filters = convFilters(model);
  return filterGrid(filters.values, filters.shape, {
    title: tr({ en: "The 32 learned 3×3 filters", ko: "학습된 3×3 필터 32개" }),
  });
}

/** The 32 feature maps of one test digit after the convolution and ReLU. */
export function cnnFeatureMapsFigure(model: tf.LayersModel, test: MnistSplit, index = 0): Displayable {
  const maps = featureMaps(model, imageAt(test, index));
  return featureMapGrid(maps.values, maps.shape, {
    title: tr({
      en: `Feature maps of test digit #${index} (a ${test.labels[index]}) after Conv2D + ReLU`,
      ko: `테스트 숫자 #${index} (${test.labels[index]})의 특징 맵 (Conv2D + ReLU 뒤)`,
    }),
  });
}

/** Confusion matrix of a model on the test images, from its predictions. */
export function confusionFigure(model: ModelName, test: MnistSplit, predicted: PredictionSource): Displayable {
  return confusionMatrixChart(confusionMatrix(test.labels, predicted.predictions), {
    title: tr({ en: `${model} confusion matrix on the test set`, ko: `테스트 데이터에서 ${model}의 혼동 행렬` }),
  });
}
