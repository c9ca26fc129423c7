/**
 * The tables of notebook 01: the arrays MNIST loads as (shape, type, value
 * range, as the report prints them after `mnist.load_data()`) and the images
 * per digit.
 *
 * @module
 */
import pl from "nodejs-polars";
import { classCounts, IMAGE_SIZE, type MnistData, NUM_CLASSES } from "../data/mnist.ts";

/** Shape, type and value range of the four MNIST arrays. */
export function shapesTable(mnist: MnistData): pl.DataFrame {
  const arrays = [
    { name: "training images", shape: [mnist.train.count, IMAGE_SIZE, IMAGE_SIZE], data: mnist.train.images },
    { name: "training labels", shape: [mnist.train.count], data: mnist.train.labels },
    { name: "test images", shape: [mnist.test.count, IMAGE_SIZE, IMAGE_SIZE], data: mnist.test.images },
    { name: "test labels", shape: [mnist.test.count], data: mnist.test.labels },
  ];
  const range = (data: Uint8Array) => {
    let min = 255;
    let max = 0;
    for (const v of data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return [min, max];
  };
  return pl.DataFrame({
    array: arrays.map((a) => a.name),
    shape: arrays.map((a) => `(${a.shape.join(", ")})`),
    dtype: arrays.map(() => "uint8"),
    min: arrays.map((a) => range(a.data)[0]),
    max: arrays.map((a) => range(a.data)[1]),
  });
}

/** Images per digit in the training and the test set. */
export function classCountsTable(mnist: MnistData): pl.DataFrame {
  return pl.DataFrame({
    digit: pl.Series("digit", [...Array(NUM_CLASSES).keys()], pl.Int32),
    train: pl.Series("train", classCounts(mnist.train), pl.Int32),
    test: pl.Series("test", classCounts(mnist.test), pl.Int32),
  });
}
