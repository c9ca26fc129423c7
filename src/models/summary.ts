/**
 * Looking inside a model, beyond TF.js's own `model.summary()`: the output
 * shape of every layer for one real input, and the first convolution's filters
 * and feature maps for the figures.
 *
 * @module
 */
import pl from "nodejs-polars";
import { tf } from "../tf.ts";
import { IMAGE_SIZE } from "../data/mnist.ts";
import { inputShapeOf } from "./presets.ts";
import { tr } from "../i18n.ts";

/**
 * Passes one input (zeros of the model's input shape, batch 1, unless given)
 * through the model layer by layer and records each layer's actual output
 * shape, as the d2l book does after building a network.
 */
export function layerOutputShapes(model: tf.LayersModel, input?: tf.Tensor): pl.DataFrame {
  const names: string[] = [];
  const shapes: string[] = [];
  tf.tidy(() => {
    let x: tf.Tensor = input ?? tf.zeros([1, ...inputShapeOf(model)]);
    names.push(tr({ en: "input", ko: "입력" }));
    shapes.push(`[${x.shape.join(", ")}]`);
    for (const layer of model.layers) {
      x = layer.apply(x) as tf.Tensor;
      names.push(layer.getClassName());
      shapes.push(`[${x.shape.join(", ")}]`);
    }
  });
  return pl.DataFrame({
    [tr({ en: "layer", ko: "층" })]: names,
    [tr({ en: "output_shape", ko: "출력 형태" })]: shapes,
  });
}

/** The kernel of the model's first convolution layer: values in `[h, w, in, filters]` order and that shape. */
export function convFilters(model: tf.LayersModel): { values: Float32Array; shape: [number, number, number, number] } {
  const conv = model.layers.find((l) => l.getClassName() === "Conv2D");
  if (!conv) throw new Error(`model '${model.name}' has no Conv2D layer`);
  const kernel = conv.getWeights()[0];
  return {
    values: kernel.dataSync() as Float32Array,
    shape: kernel.shape as [number, number, number, number],
  };
}

/**
 * The output of the model's first convolution layer (after its ReLU) for one
 * image of 784 grey levels 0–255: values in `[height, width, filters]` order.
 */
export function featureMaps(
  model: tf.LayersModel,
  pixels: ArrayLike<number>,
): { values: Float32Array; shape: [number, number, number] } {
  const conv = model.layers.find((l) => l.getClassName() === "Conv2D");
  if (!conv) throw new Error(`model '${model.name}' has no Conv2D layer`);
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(pixels, (v) => v / 255), [1, IMAGE_SIZE, IMAGE_SIZE, 1]);
    const out = conv.apply(x) as tf.Tensor;
    const [, h, w, f] = out.shape;
    return { values: out.dataSync() as Float32Array, shape: [h, w, f] as [number, number, number] };
  });
}
