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
