/**
 * The figures of notebook 02 (fundamentals), one builder each: how far each
 * digit's share in a split is from its share in all the data, gradient
 * descent's paths across a loss surface and its loss per step, a one-neuron
 * model's weights and its sigmoid outputs, and the activation functions with
 * their derivatives.
 *
 * @module
 */
import { classCounts, IMAGE_SIZE, type MnistSplit } from "../data/mnist.ts";
import { groupedBars, type GroupedValue } from "../plots/charts.ts";
import { imageGrid } from "../plots/digits.ts";
import type { Displayable } from "../plots/figure.ts";
import { contourPaths, curvePanels, lineChart } from "../plots/lines.ts";
import { SERIES_COLORS, SPLIT_COLORS, SPLIT_LIGHT_COLORS } from "../plots/theme.ts";
import { createRng } from "../random.ts";
import { tr } from "../i18n.ts";

/** Each digit's share of a split (fractions that add up to 1), indexed by digit. */
export function classShares(split: MnistSplit): number[] {
  if (split.count === 0) throw new RangeError("a split with no images has no class shares");
  return classCounts(split).map((c) => c / split.count);
}

/**
 * How far each digit's share in four splits is from its share in all the data,
 * in percentage points: the official 60,000 / 10,000 and a stratified 8:2
 * split. Bars near zero mean the split keeps the class balance of the whole.
 */
export function splitSharesFigure(
  all: MnistSplit,
  official: { train: MnistSplit; test: MnistSplit },
  stratified: { train: MnistSplit; test: MnistSplit },
): Displayable {
  const reference = classShares(all);
  const names = {
    officialTrain: tr({ en: "official train", ko: "공식 학습 데이터" }),
    officialTest: tr({ en: "official test", ko: "공식 테스트 데이터" }),
    train82: tr({ en: "8:2 train", ko: "8:2 학습 데이터" }),
    test82: tr({ en: "8:2 test", ko: "8:2 테스트 데이터" }),
  };
  const parts = [
    { series: names.officialTrain, split: official.train },
    { series: names.officialTest, split: official.test },
    { series: names.train82, split: stratified.train },
    { series: names.test82, split: stratified.test },
  ];
  const rows: GroupedValue[] = parts.flatMap(({ series, split }) =>
    classShares(split).map((share, digit) => ({ group: digit, series, value: (share - reference[digit]) * 100 }))
  );
  return groupedBars(rows, {
    title: tr({
      en: "Each digit's share in a split minus its share in all 70,000 images",
      ko: "각 숫자의 비율: 분할된 데이터에서의 비율 − 전체 70,000개에서의 비율",
    }),
    xLabel: tr({ en: "digit", ko: "숫자" }),
    yLabel: tr({ en: "↑ difference (percentage points)", ko: "↑ 차이 (퍼센트포인트)" }),
    colors: {
      [names.officialTrain]: SPLIT_COLORS.train,
      [names.officialTest]: SPLIT_COLORS.test,
      [names.train82]: SPLIT_LIGHT_COLORS.train,
      [names.test82]: SPLIT_LIGHT_COLORS.test,
    },
    labels: false,
  });
}

/** Points (x[i], y[i]) a line y = w·x + b is fitted to. */
export interface LinePoints {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** One point of a gradient-descent path: the weights after a step and the loss there. */
export interface DescentPoint {
  step: number;
  w: number;
  b: number;
  loss: number;
}

/** A run of an optimizer: its name (e.g. "SGD, η = 0.1") and the points it visited. */
export interface DescentRun {
  label: string;
  path: DescentPoint[];
}

/** The mean squared error of the line y = w·x + b on `points`, as a function of (w, b). */
export function lineFitLoss(points: LinePoints): (w: number, b: number) => number {
  const n = points.x.length;
  if (n === 0 || n !== points.y.length) {
    throw new RangeError(`lineFitLoss needs as many x as y values (at least one), got ${n} and ${points.y.length}`);
  }
  return (w, b) => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const error = w * points.x[i] + b - points.y[i];
      sum += error * error;
    }
    return sum / n;
  };
}

/** The least-squares line through `points` (the minimum of {@link lineFitLoss}), in closed form. */
export function leastSquaresLine(points: LinePoints): { w: number; b: number } {
  const n = points.x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += points.x[i] / n;
    my += points.y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (points.x[i] - mx) * (points.y[i] - my);
    sxx += (points.x[i] - mx) ** 2;
  }
  if (sxx === 0) throw new RangeError("all x values are equal: the line is not determined");
  const w = sxy / sxx;
  return { w, b: my - w * mx };
}

/**
 * The paths optimizers took across the loss surface of a line fit, one panel
 * per run, on one map: from the first run's start to the minimum and half as
 * far again on every side. A path that leaves the map (a step size too large)
 * is cut at its edge.
 */
export function descentPathsFigure(
  points: LinePoints,
  runs: DescentRun[],
  options: { title?: string } = {},
): Displayable {
  if (runs.length === 0 || runs.some((r) => r.path.length === 0)) throw new Error("every run needs a path");
  const best = leastSquaresLine(points);
  const start = runs[0].path[0];
  const span = (a: number, b: number): [number, number] => {
    const margin = Math.max(Math.abs(a - b), 1) * 0.5;
    return [Math.min(a, b) - margin, Math.max(a, b) + margin];
  };
  return contourPaths(
    { value: lineFitLoss(points), xDomain: span(start.w, best.w), yDomain: span(start.b, best.b) },
    runs.map((run, i) => ({
      title: run.label,
      paths: [{
        label: run.label,
        x: run.path.map((p) => p.w),
        y: run.path.map((p) => p.b),
        color: [SERIES_COLORS[1], SERIES_COLORS[2], SERIES_COLORS[4], SERIES_COLORS[6]][i % 4],
      }],
    })),
    {
      title: options.title,
      xLabel: tr({ en: "weight w →", ko: "가중치 w →" }),
      yLabel: tr({ en: "↑ bias b", ko: "↑ 편향 b" }),
      mark: { x: best.w, y: best.b },
    },
  );
}

/**
 * The loss after every step of each run, on a log axis (a loss that falls by
 * a constant factor per step is a straight line). A run whose loss grows past
 * the chart leaves it at the top.
 */
export function lossPerStepFigure(runs: DescentRun[], options: { title?: string } = {}): Displayable {
  const finite = runs.flatMap((r) => r.path.map((p) => p.loss)).filter((l) => Number.isFinite(l) && l > 0);
  if (finite.length === 0) throw new Error("lossPerStepFigure needs at least one finite, positive loss");
  const first = runs[0].path[0].loss;
  return lineChart(
    runs.map((run, i) => ({
      label: run.label,
      x: run.path.map((p) => p.step),
      y: run.path.map((p) => p.loss),
      color: [SERIES_COLORS[1], SERIES_COLORS[2], SERIES_COLORS[4], SERIES_COLORS[6]][i % 4],
    })),
    {
      title: options.title,
      xLabel: tr({ en: "step →", ko: "스텝 →" }),
      yLabel: tr({ en: "↑ loss (mean squared error, log scale)", ko: "↑ 손실 (평균 제곱 오차, 로그 눈금)" }),
      yType: "log",
      yDomain: [Math.min(...finite) * 0.8, first * 4],
      width: 560,
    },
  );
}

/**
 * The 784 weights of one-neuron models drawn as 28×28 images, each on its own
 * symmetric scale: red pixels push the output towards the second digit of the
 * pair, blue ones towards the first, white ones do not matter.
 */
export function neuronWeightsFigure(
  models: { pair: [number, number]; weights: ArrayLike<number> }[],
): Displayable {
  const tiles = models.map(({ pair, weights }) => {
    if (weights.length !== IMAGE_SIZE * IMAGE_SIZE) {
      throw new RangeError(`expected ${IMAGE_SIZE * IMAGE_SIZE} weights, got ${weights.length}`);
    }
    let max = 0;
    for (let i = 0; i < weights.length; i++) max = Math.max(max, Math.abs(weights[i]));
    return {
      values: Float32Array.from(weights, (w) => w / (max || 1)),
      width: IMAGE_SIZE,
      height: IMAGE_SIZE,
      caption: [
        tr({ en: `${pair[0]} vs ${pair[1]}`, ko: `${pair[0]} 대 ${pair[1]}` }),
        tr({ en: `red → ${pair[1]}, blue → ${pair[0]}`, ko: `빨강 → ${pair[1]}, 파랑 → ${pair[0]}` }),
      ],
    };
  });
  return imageGrid(tiles, {
    scale: 6,
    colorMap: "diverging",
    range: [-1, 1],
    title: tr({ en: "The weights of one neuron", ko: "뉴런 하나의 가중치" }),
  });
}

/** The logistic function σ(z) = 1 / (1 + e^(−z)). */
export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Half the height of the band of dots around each label in {@link sigmoidOutputsFigure}. */
const LABEL_JITTER = 0.04;

/**
 * The classic picture of logistic regression: each test image as a dot at its
 * weighted sum z (the logit) and its true label (0 for the first digit of the
 * pair, 1 for the second, spread a little up and down so dots do not hide each
 * other), with the sigmoid σ(z), the model's probability of the second digit,
 * drawn through them. Left of the dashed line (z < 0, σ < 0.5) the model
 * answers the first digit, so a dot of the second digit there (or of the first
 * on the right) is a mistake.
 */
export function sigmoidOutputsFigure(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  pair: [number, number],
): Displayable {
  if (logits.length !== labels.length) throw new RangeError(`${logits.length} logits but ${labels.length} labels`);
  const values = Array.from(logits);
  const limit = Math.max(6, ...values.map((z) => Math.min(Math.ceil(Math.abs(z)), 30)));
  const grid = Array.from({ length: 241 }, (_, i) => -limit + (2 * limit * i) / 240);
  const rng = createRng(1); // the same spread on every run
  const first = tr({ en: `true ${pair[0]} (label 0)`, ko: `실제 ${pair[0]} (레이블 0)` });
  const second = tr({ en: `true ${pair[1]} (label 1)`, ko: `실제 ${pair[1]} (레이블 1)` });
  return lineChart([{ label: "σ(z)", x: grid, y: grid.map(sigmoid), color: "#444444" }], {
    title: tr({
      en: `${pair[0]} vs ${pair[1]}: test images by weighted sum z, and the sigmoid σ(z) = P(${pair[1]})`,
      ko: `${pair[0]} 대 ${pair[1]}: 가중합 z에 따른 테스트 이미지와 시그모이드 σ(z) = P(${pair[1]})`,
    }),
    xLabel: "z = w·x + b →",
    yLabel: tr({ en: "↑ σ(z), and each image's label", ko: "↑ σ(z)와 각 이미지의 레이블" }),
    xDomain: [-limit, limit],
    yDomain: [-0.1, 1.1],
    points: values.map((z, i) => {
      const isSecond = labels[i] === pair[1];
      return {
        x: Math.max(-limit, Math.min(limit, z)),
        y: (isSecond ? 1 : 0) + (rng() * 2 - 1) * LABEL_JITTER,
        group: isSecond ? second : first,
      };
    }),
    groupColors: { [first]: SPLIT_COLORS.train, [second]: SERIES_COLORS[1] },
    xRules: [0],
    width: 640,
  });
}

/** An activation function sampled at points x: its value and its derivative there. */
export interface ActivationCurve {
  name: string;
  x: ArrayLike<number>;
  value: ArrayLike<number>;
  derivative: ArrayLike<number>;
}

/** Each activation function (solid) with its derivative (dashed), one panel each. */
export function activationFunctionsFigure(curves: ActivationCurve[]): Displayable {
  if (curves.length === 0) throw new Error("activationFunctionsFigure needs at least one function");
  for (const c of curves) {
    if (c.value.length !== c.x.length || c.derivative.length !== c.x.length) {
      throw new RangeError(`${c.name}: x, value and derivative need the same length`);
    }
  }
  return curvePanels(
    curves.map((c) => ({
      title: c.name,
      curves: [
        { label: "f(x)", x: c.x, y: c.value, color: SERIES_COLORS[0] },
        { label: "f′(x)", x: c.x, y: c.derivative, color: SERIES_COLORS[1], dashed: true },
      ],
    })),
    {
      title: tr({ en: "Activation functions and their derivatives", ko: "활성화 함수와 그 도함수" }),
      columns: 3,
      xLabel: "x →",
    },
  );
}
