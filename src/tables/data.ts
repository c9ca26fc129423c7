/**
 * The tables of notebook 01: the arrays MNIST loads as (shape, type, value
 * range, as the report prints them after `mnist.load_data()`) and the images
 * per digit.
 *
 * @module
 */
import pl from "nodejs-polars";
import { classCounts, IMAGE_SIZE, type MnistData, NUM_CLASSES } from "../data/mnist.ts";
import { tr } from "../i18n.ts";

/** Shape, type and value range of the four MNIST arrays. */
export function shapesTable(mnist: MnistData): pl.DataFrame {
  const arrays = [
    {
      name: tr({ en: "training images", ko: "학습 이미지" }),
      shape: [mnist.train.count, IMAGE_SIZE, IMAGE_SIZE],
      data: mnist.train.images,
    },
    { name: tr({ en: "training labels", ko: "학습 레이블" }), shape: [mnist.train.count], data: mnist.train.labels },
    {
      name: tr({ en: "test images", ko: "테스트 이미지" }),
      shape: [mnist.test.count, IMAGE_SIZE, IMAGE_SIZE],
      data: mnist.test.images,
    },
    { name: tr({ en: "test labels", ko: "테스트 레이블" }), shape: [mnist.test.count], data: mnist.test.labels },
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
    [tr({ en: "array", ko: "배열" })]: arrays.map((a) => a.name),
    [tr({ en: "shape", ko: "형태" })]: arrays.map((a) => `(${a.shape.join(", ")})`),
    dtype: arrays.map(() => "uint8"),
    [tr({ en: "min", ko: "최솟값" })]: arrays.map((a) => range(a.data)[0]),
    [tr({ en: "max", ko: "최댓값" })]: arrays.map((a) => range(a.data)[1]),
  });
}

/** Images per digit in the training and the test set. */
export function classCountsTable(mnist: MnistData): pl.DataFrame {
  const [digit, train, test] = [
    tr({ en: "digit", ko: "숫자" }),
    tr({ en: "train", ko: "학습 데이터" }),
    tr({ en: "test", ko: "테스트 데이터" }),
  ];
  return pl.DataFrame({
    [digit]: pl.Series(digit, [...Array(NUM_CLASSES).keys()], pl.Int32),
    [train]: pl.Series(train, classCounts(mnist.train), pl.Int32),
    [test]: pl.Series(test, classCounts(mnist.test), pl.Int32),
  });
}
