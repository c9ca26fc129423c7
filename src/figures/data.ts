/**
 * The figures of notebook 01 (data exploration), one builder each: what a
 * notebook displays and what `reproduce` saves are the same figure.
 *
 * @module
 */
import { classCounts, imageAt, type MnistSplit } from "../data/mnist.ts";
import { classCountChart, pixelHistogram } from "../plots/charts.ts";
import { digitGrid, meanDigitImages, pixelValueHeatmap } from "../plots/digits.ts";
import type { Displayable } from "../plots/figure.ts";
import { tr } from "../i18n.ts";

/** A 3×3 grid of the first nine training digits with their labels (report section 1.3). */
export function sampleDigitsFigure(train: MnistSplit): Displayable {
  return digitGrid(train, [0, 1, 2, 3, 4, 5, 6, 7, 8], {
    columns: 3,
    title: tr({ en: "The first nine training digits", ko: "첫 아홉 개의 학습 이미지" }),
  });
}

/** The grey levels of the first training image, as an annotated heatmap (report section 2.1). */
export function firstImagePixelsFigure(train: MnistSplit): Displayable {
  return pixelValueHeatmap(imageAt(train, 0), {
    title: tr({
      en: `Grey levels of the first training image (label ${train.labels[0]})`,
      ko: `첫 번째 학습 이미지의 밝기 값 (정답 ${train.labels[0]})`,
    }),
  });
}

/** Images per digit in the training and the test set. */
export function classCountsFigure(train: MnistSplit, test: MnistSplit): Displayable {
  return classCountChart(classCounts(train), classCounts(test), {
    title: tr({ en: "Images per digit", ko: "숫자별 이미지 수" }),
  });
}

/** The mean training image of each digit. */
export function meanDigitsFigure(train: MnistSplit): Displayable {
  return meanDigitImages(train, {
    title: tr({ en: "Mean training image of each digit", ko: "숫자별 평균 학습 이미지" }),
  });
}

/** Histogram of the grey levels of all training pixels. */
export function pixelHistogramFigure(train: MnistSplit): Displayable {
  return pixelHistogram(train.images, {
    title: tr({ en: "Grey levels of all training pixels", ko: "모든 학습 픽셀의 밝기 값 분포" }),
  });
}
