/**
 * Ways of cutting MNIST: the Keras-style validation split, a stratified
 * train/test split of all 70,000 images, seeded shuffles and subsets.
 *
 * @module
 */
import { createRng, permutation, shuffleInPlace } from "../random.ts";
import { type MnistSplit, NUM_CLASSES, PIXELS_PER_IMAGE } from "./mnist.ts";

/** The images at `indices`, in that order (copied). */
export function selectIndices(split: MnistSplit, indices: ArrayLike<number>): MnistSplit {
  const count = indices.length;
  const images = new Uint8Array(count * PIXELS_PER_IMAGE);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const source = indices[i];
    if (source < 0 || source >= split.count) throw new RangeError(`index ${source} is outside 0..${split.count - 1}`);
    images.set(split.images.subarray(source * PIXELS_PER_IMAGE, (source + 1) * PIXELS_PER_IMAGE), i * PIXELS_PER_IMAGE);
    labels[i] = split.labels[source];
  }
  return { images, labels, count };
}

/** Images `start` (inclusive) to `end` (exclusive), as views (no copy). */
export function sliceSplit(split: MnistSplit, start: number, end: number = split.count): MnistSplit {
  const from = Math.max(0, Math.min(start, split.count));
  const to = Math.max(from, Math.min(end, split.count));
  return {
    images: split.images.subarray(from * PIXELS_PER_IMAGE, to * PIXELS_PER_IMAGE),
    labels: split.labels.subarray(from, to),
    count: to - from,
  };
}

/** All images of `a` followed by all of `b`. */
export function concatSplits(a: MnistSplit, b: MnistSplit): MnistSplit {
  const images = new Uint8Array((a.count + b.count) * PIXELS_PER_IMAGE);
  images.set(a.images, 0);
  images.set(b.images, a.count * PIXELS_PER_IMAGE);
  const labels = new Uint8Array(a.count + b.count);
  labels.set(a.labels, 0);
  labels.set(b.labels, a.count);
  return { images, labels, count: a.count + b.count };
}

/** The split in a seeded random order. */
export function shuffleSplit(split: MnistSplit, seed: number): MnistSplit {
  return selectIndices(split, permutation(split.count, createRng(seed)));
}

/**
 * `count` images drawn at random without replacement (seeded), or the first
 * `count` when no seed is given. Asking for more than there are is an error.
 */
export function subsetSplit(split: MnistSplit, count: number, seed?: number): MnistSplit {
  if (!Number.isInteger(count) || count < 0 || count > split.count) {
    throw new RangeError(`cannot take ${count} images from a split of ${split.count}`);
  }
  if (seed === undefined) return sliceSplit(split, 0, count);
  return selectIndices(split, permutation(split.count, createRng(seed)).subarray(0, count));
}

/**
 * Keras's `validation_split`: the last `fraction` of the images (taken before
 * any shuffling) is held out for validation.
 *
 * @example
 * const { train, validation } = validationSplit(mnist.train, 0.1); // 54,000 / 6,000
 */
export function validationSplit(split: MnistSplit, fraction: number): { train: MnistSplit; validation: MnistSplit } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`validation fraction must be in (0, 1), got ${fraction}`);
  const cut = Math.floor(split.count * (1 - fraction));
  return { train: sliceSplit(split, 0, cut), validation: sliceSplit(split, cut) };
}

/**
 * A stratified split: every digit is divided in the same proportion, so both
 * parts keep the class balance. One source splits all 70,000 images 8:2 this way.
 *
 * @param trainFraction share of each class that goes to `train` (0.8 for 8:2)
 */
export function stratifiedSplit(
  split: MnistSplit,
  trainFraction: number,
  seed: number,
): { train: MnistSplit; test: MnistSplit } {
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new RangeError(`train fraction must be in (0, 1), got ${trainFraction}`);
  }
  const rng = createRng(seed);
  const byClass: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
  for (let i = 0; i < split.count; i++) byClass[split.labels[i]].push(i);
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (const indices of byClass) {
    shuffleInPlace(indices, rng);
    const cut = Math.round(indices.length * trainFraction);
    trainIdx.push(...indices.slice(0, cut));
    testIdx.push(...indices.slice(cut));
  }
  // mix the classes so the parts are not sorted by digit
  shuffleInPlace(trainIdx, rng);
  shuffleInPlace(testIdx, rng);
  return { train: selectIndices(split, trainIdx), test: selectIndices(split, testIdx) };
}

/**
 * The images of some digits only, in their original order, labels unchanged:
 * e.g. the 0s and 1s of a split for a binary classifier.
 *
 * @example
 * const zerosAndOnes = selectDigits(mnist.train, [0, 1]); // 12,665 of the 60,000
 */
export function selectDigits(split: MnistSplit, digits: number[]): MnistSplit {
  if (digits.length === 0 || digits.some((d) => !Number.isInteger(d) || d < 0 || d >= NUM_CLASSES)) {
    throw new RangeError(`digits must be one or more of 0-${NUM_CLASSES - 1}, got [${digits.join(", ")}]`);
  }
  const wanted = new Set(digits);
  const indices: number[] = [];
  for (let i = 0; i < split.count; i++) if (wanted.has(split.labels[i])) indices.push(i);
  return selectIndices(split, indices);
}
