import { assert, assertEquals, assertThrows } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { createReportCnn, createReportMlp } from "../src/models/presets.ts";
import { convFilters, featureMaps, layerOutputShapes } from "../src/models/summary.ts";

Deno.test("layerOutputShapes pushes one [1,28,28,1] input through each layer without leaking tensors", () => {
  const model = createReportCnn(1);
  const before = tf.memory().numTensors;
  const frame = layerOutputShapes(model);
  assertEquals(tf.memory().numTensors, before);
  assertEquals(frame.getColumn("output_shape").toArray(), [
    "[1, 28, 28, 1]",
    "[1, 26, 26, 32]",
    "[1, 13, 13, 32]",
    "[1, 5408]",
    "[1, 100]",
    "[1, 10]",
  ]);
  assertEquals(frame.getColumn("layer").toArray(), ["input", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense"]);
  // the MLP takes a 28×28 image, as the report's Flatten(input_shape=(28, 28))
  const mlp = createReportMlp(1);
  assertEquals(layerOutputShapes(mlp).getColumn("output_shape").toArray(), [
    "[1, 28, 28]",
    "[1, 784]",
    "[1, 128]",
    "[1, 10]",
  ]);
  mlp.dispose();
  model.dispose();
});

Deno.test("convFilters and featureMaps read the first convolution", () => {
  const cnn = createReportCnn(1);
  const filters = convFilters(cnn);
  assertEquals(filters.shape, [3, 3, 1, 32]);
  assertEquals(filters.values.length, 288);
  const before = tf.memory().numTensors;
  const maps = featureMaps(cnn, new Uint8Array(784).fill(255));
  assertEquals(tf.memory().numTensors, before);
  assertEquals(maps.shape, [26, 26, 32]);
  assertEquals(maps.values.length, 26 * 26 * 32);
  assert(maps.values.every((v) => v >= 0), "ReLU outputs are non-negative");
  const mlp = createReportMlp(1);
  assertThrows(() => convFilters(mlp), Error, "no Conv2D layer");
  cnn.dispose();
  mlp.dispose();
});
