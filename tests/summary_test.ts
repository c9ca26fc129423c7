import { assert, assertEquals, assertThrows } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { createReportCnn, createReportMlp } from "../src/models/presets.ts";
import {
  convFilters,
  featureMaps,
  formatCount,
  formatShape,
  layerOutputShapes,
  modelSummary,
} from "../src/models/summary.ts";
import { JUPYTER_DISPLAY } from "../src/plots/figure.ts";

Deno.test("modelSummary of the report's MLP: Keras's rows and 101,770 parameters", () => {
  const model = createReportMlp(1);
  const summary = modelSummary(model);
  assertEquals(summary.rows, [
    { layer: "flatten (Flatten)", outputShape: "(None, 784)", params: 0 },
    { layer: "dense (Dense)", outputShape: "(None, 128)", params: 100_480 },
    { layer: "dense_1 (Dense)", outputShape: "(None, 10)", params: 1_290 },
  ]);
  assertEquals([summary.totalParams, summary.trainableParams], [101_770, 101_770]);
  assert(summary.toText().includes("Total params: 101,770"));
  model.dispose();
});

Deno.test("modelSummary of the report's CNN: 320 / 540,900 / 1,010 parameters, 542,230 in total", () => {
  const model = createReportCnn(1);
  const summary = modelSummary(model);
  assertEquals(summary.rows.map((r) => r.params), [320, 0, 0, 540_900, 1_010]);
  assertEquals(summary.rows.map((r) => r.outputShape), [
    "(None, 26, 26, 32)",
    "(None, 13, 13, 32)",
    "(None, 5408)",
    "(None, 100)",
    "(None, 10)",
  ]);
  assertEquals(summary.totalParams, 542_230);
  const frame = summary.toFrame();
  assertEquals(frame.columns, ["layer", "output_shape", "params"]);
  assertEquals(frame.height, 5);
  const shown = summary[JUPYTER_DISPLAY]();
  assert(shown["text/html"].startsWith("<table>") && shown["text/html"].includes("542,230"));
  assert(shown["text/plain"].includes("conv2d (Conv2D)"));
  model.dispose();
});

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

Deno.test("formatShape and formatCount write what Keras prints", () => {
  assertEquals(formatShape([null, 26, 26, 32]), "(None, 26, 26, 32)");
  assertEquals(formatCount(540900), "540,900");
});
