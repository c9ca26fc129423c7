/**
 * MNIST bytes as the tensors the models take: grey levels scaled to [0, 1],
 * as images `[n, 28, 28, 1]` (CNN) or flat vectors `[n, 784]` (MLP), and
 * labels as integers (sparse) or one-hot rows.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { IMAGE_SIZE, type MnistSplit, NUM_CLASSES, PIXELS_PER_IMAGE } from "./mnist.ts";

/** Grey levels 0–255 as floats in [0, 1]. */
export function scalePixels(images: Uint8Array): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = images[i] / 255;
  return out;
}

/** Images as a float tensor `[n, 28, 28, 1]` in [0, 1] (the CNN's input). */
export function toImageTensor(split: MnistSplit): tf.Tensor4D {
  return tf.tensor4d(scalePixels(split.images), [split.count, IMAGE_SIZE, IMAGE_SIZE, 1]);
}

/** Images as a float tensor `[n, 784]` in [0, 1] (a flattened MLP input). */
export function toFlatTensor(split: MnistSplit): tf.Tensor2D {
  return tf.tensor2d(scalePixels(split.images), [split.count, PIXELS_PER_IMAGE]);
}

/** Labels as a float tensor `[n]` of class indices, for sparse categorical cross-entropy. */
export function toLabelTensor(split: MnistSplit): tf.Tensor1D {
  return tf.tensor1d(Float32Array.from(split.labels), "float32");
}

/** Labels one-hot encoded, `[n, 10]` (e.g. 3 → [0,0,0,1,0,0,0,0,0,0]), for categorical cross-entropy. */
export function toOneHotTensor(split: MnistSplit): tf.Tensor2D {
  const out = new Float32Array(split.count * NUM_CLASSES);
  for (let i = 0; i < split.count; i++) out[i * NUM_CLASSES + split.labels[i]] = 1;
  return tf.tensor2d(out, [split.count, NUM_CLASSES]);
}
