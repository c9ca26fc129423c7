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
import { tr } from "../i18n.ts";

/** Our four runs' metrics, keyed by model and the epochs they stopped at. */
export interface ComparisonMetrics {
  early: { epochs: number; mlp: ModelMetrics; cnn: ModelMetrics };
  late: { epochs: number; mlp: ModelMetrics; cnn: ModelMetrics };
}

const TRAIN = () => tr({ en: "train", ko: "학습" });
const TEST = () => tr({ en: "test", ko: "테스트" });

function comparisonBars(m: ComparisonMetrics, pick: (x: ModelMetrics) => number, label: string) {
  const epochs = (n: number) => tr({ en: `${n} epoch${n === 1 ? "" : "s"}`, ko: `${n} 에폭` });
  return [m.early, m.late].flatMap((point) =>
    (["MLP", "CNN"] as const).map((model) => ({
      group: `${label} · ${epochs(point.epochs)}`,
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
    [...comparisonBars(m, (x) => x.trainAccuracy, TRAIN()), ...comparisonBars(m, (x) => x.testAccuracy, TEST())],
    {
      title: tr({
        en: `Accuracy after ${m.early.epochs} and ${m.late.epochs} epochs`,
        ko: `${m.early.epochs} 에폭과 ${m.late.epochs} 에폭 뒤의 정확도`,
      }),
      yLabel: tr({ en: "↑ accuracy (%)", ko: "↑ 정확도 (%)" }),
      percent: true,
      yDomain: [0, 1],
    },
  );
}

/** The same as error rates (100% − accuracy), on an axis from 0, where the differences show as lengths. */
export function comparisonErrorFigure(m: ComparisonMetrics): Displayable {
  return groupedBars(
    [
      ...comparisonBars(m, (x) => 1 - x.trainAccuracy, TRAIN()),
      ...comparisonBars(m, (x) => 1 - x.testAccuracy, TEST()),
    ],
    {
      title: tr({
        en: `Error rate (100% − accuracy) after ${m.early.epochs} and ${m.late.epochs} epochs`,
        ko: `${m.early.epochs} 에폭과 ${m.late.epochs} 에폭 뒤의 오류율 (100% − 정확도)`,
      }),
      yLabel: tr({ en: "↓ error rate (%)", ko: "↓ 오류율 (%)" }),
      percent: true,
    },
  );
}

/** Train and test loss of both models after both numbers of epochs. */
export function comparisonLossFigure(m: ComparisonMetrics): Displayable {
  return groupedBars(
    [...comparisonBars(m, (x) => x.trainLoss, TRAIN()), ...comparisonBars(m, (x) => x.testLoss, TEST())],
    {
      title: tr({
        en: `Loss after ${m.early.epochs} and ${m.late.epochs} epochs`,
        ko: `${m.early.epochs} 에폭과 ${m.late.epochs} 에폭 뒤의 손실`,
      }),
      yLabel: tr({ en: "↓ loss (cross-entropy)", ko: "↓ 손실 (교차 엔트로피)" }),
    },
  );
}

/** The overfitting gap (train − test accuracy) of both models. */
export function comparisonGapFigure(m: ComparisonMetrics): Displayable {
  return groupedBars(
    comparisonBars(
      m,
      (x) => x.trainAccuracy - x.testAccuracy,
      tr({ en: "gap", ko: "과적합 정도" }),
    ),
    {
      title: tr({ en: "Overfitting gap (train − test accuracy)", ko: "과적합 정도 (학습 정확도 − 테스트 정확도)" }),
      yLabel: tr({ en: "↓ gap (percentage points)", ko: "↓ 과적합 정도 (%p)" }),
      percent: true,
    },
  );
}

/** Held-out accuracy per epoch of both models' longer runs. */
export function heldOutCurvesFigure(mlpRows: EpochRow[], cnnRows: EpochRow[]): Displayable {
  const histories = [{ model: "MLP", history: historyFrame(mlpRows) }, {
    model: "CNN",
    history: historyFrame(cnnRows),
  }];
  return compareCurves(histories, "val_accuracy", {
    title: tr({ en: "Held-out accuracy per epoch", ko: "에폭별 검증 정확도" }),
  });
}

/** Parameter counts of the two models. */
export function parameterCountFigure(mlp: tf.LayersModel, cnn: tf.LayersModel): Displayable {
  return groupedBars(
    [
      { group: tr({ en: "parameters", ko: "파라미터" }), series: "MLP", value: mlp.countParams() },
      { group: tr({ en: "parameters", ko: "파라미터" }), series: "CNN", value: cnn.countParams() },
    ],
    {
      title: tr({ en: "Parameter counts", ko: "파라미터 수" }),
      yLabel: tr({ en: "↑ parameters", ko: "↑ 파라미터 수" }),
      format: (v) => v.toLocaleString("en-US"),
      width: 360,
    },
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
      title: tr({
        en: `Test error rate per digit after ${epochs} epoch${epochs === 1 ? "" : "s"}`,
        ko: `${epochs} 에폭 뒤 숫자별 테스트 오류율`,
      }),
      xLabel: tr({ en: "digit", ko: "숫자" }),
      yLabel: tr({ en: "↓ error rate (%)", ko: "↓ 오류율 (%)" }),
      percent: true,
      labels: false,
    },
  );
}

/** The first ten test digits a model gets wrong. */
export function mistakesFigure(model: ModelName, test: MnistSplit, predicted: PredictionSource): Displayable {
  return predictionGrid(test, mistakeIndices(test.labels, predicted.predictions).slice(0, 10), predicted, {
    title: tr({
      en: `First ten test digits the ${model} gets wrong`,
      ko: `${model} 모델이 틀린 처음 열 개의 테스트 숫자`,
    }),
    showIndex: true,
  });
}

/** The first ten test digits on which the two models disagree. */
export function disagreementsFigure(test: MnistSplit, mlp: Evaluation, cnn: Evaluation): Displayable {
  return comparisonGrid(test, disagreementIndices(mlp.predictions, cnn.predictions).slice(0, 10), {
    MLP: mlp,
    CNN: cnn,
  }, {
    title: tr({ en: "Test digits on which the MLP and the CNN disagree", ko: "MLP와 CNN의 예측이 엇갈린 테스트 숫자" }),
  });
}
