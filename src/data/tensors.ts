/**
 * MNIST bytes as the tensors the models take, written as the notebooks write
 * them: grey levels scaled to [0, 1] in float32 (the report's `/ 255.0`), in
 * the shape the model's input has (`[n, 28, 28]` for the MLP, `[n, 28, 28, 1]`
 * for the CNN), and labels as integers (sparse) or one-hot rows (the report's
 * `to_categorical`).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { IMAGE_SIZE, type MnistSplit, NUM_CLASSES } from "./mnist.ts";

/**
 * How grey levels reach a model: `"scaled"` divides them by 255 into [0, 1]
 * (the report and every source but one); `"raw"` keeps them as stored, 0 to
 * 255 (source 003's code, which forgot the division).
 */
export type Pixels = "scaled" | "raw";

/** The largest grey level: scaling divides by it. */
export const MAX_GREY_LEVEL = 255;

/**
 * Images as a float32 tensor in [0, 1] (or, with `pixels = "raw"`, in
 * [0, 255]), `[n, ...shape]` (default `[n, 28, 28, 1]`).
 *
 * @example
 * const xTrain = imageTensor(train, [28, 28]); // the MLP's input
 */
export function imageTensor(
  split: MnistSplit,
  shape: number[] = [IMAGE_SIZE, IMAGE_SIZE, 1],
  pixels: Pixels = "scaled",
): tf.Tensor {
  if (pixels === "raw") return tf.tensor(split.images, [split.count, ...shape], "float32");
  return tf.tidy(() => tf.tensor(split.images, [split.count, ...shape], "float32").div(MAX_GREY_LEVEL));
}

/** Labels as a float32 tensor `[n]` of class indices, for sparse categorical cross-entropy. */
export function labelTensor(split: MnistSplit): tf.Tensor1D {
  return tf.tensor1d(split.labels, "float32");
}

/** Labels one-hot encoded, `[n, 10]` float32 (3 → [0,0,0,1,0,0,0,0,0,0]), for categorical cross-entropy. */
export function oneHotTensor(split: MnistSplit): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(split.labels, "int32"), NUM_CLASSES).toFloat() as tf.Tensor2D);
}
