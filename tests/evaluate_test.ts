import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";
import { tf } from "../src/tf.ts";
import {
  argmaxRows,
  confusionFrame,
  confusionMatrix,
  evaluateModel,
  overfittingGap,
  perClassAccuracy,
} from "../src/evaluate.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { sliceSplit } from "../src/data/splits.ts";
import { imageTensor, oneHotTensor } from "../src/data/tensors.ts";
import { createReportCnn } from "../src/models/presets.ts";

Deno.test("confusion matrix and per-class accuracy on a known case", () => {
  const labels = [0, 0, 1, 1, 1, 2];
  const predictions = [0, 1, 1, 1, 2, 2];
  const matrix = confusionMatrix(labels, predictions, 3);
  assertEquals(matrix, [[1, 1, 0], [0, 2, 1], [0, 0, 1]]);
  assertEquals(perClassAccuracy(matrix), [0.5, 2 / 3, 1]);
  const frame = confusionFrame(matrix);
  assertEquals(frame.height, 9);
  assertEquals(frame.getColumn("count").toArray(), [1, 1, 0, 0, 2, 1, 0, 0, 1]);
  assertThrows(() => confusionMatrix([1], [1, 2]), Error, "as many predictions");
});

Deno.test("argmaxRows picks the most probable class", () => {
  assertEquals(argmaxRows(new Float32Array([0.1, 0.7, 0.2, 0.5, 0.3, 0.2]), 3), new Uint8Array([1, 0]));
});

Deno.test("overfitting gap follows the 5-point rule", () => {
  const ok = overfittingGap(0.9891, 0.977);
  assertAlmostEquals(ok.gap, 0.0121, 1e-9);
  assert(!ok.overfitting);
  assert(ok.verdict.includes("1.21 points"));
  assert(overfittingGap(1, 0.94).overfitting);
});

Deno.test("evaluateModel gives model.evaluate's own numbers, as a notebook cell prints them, and leaks no tensors", async () => {
  const { test } = await loadMnist();
  const split = sliceSplit(test, 0, 300);
  const model = createReportCnn(3);
  const before = tf.memory().numTensors;
  const ours = evaluateModel(model, split);
  assertEquals(tf.memory().numTensors, before);
  const x = imageTensor(split);
  const y = oneHotTensor(split);
  const [loss, accuracy] = (model.evaluate(x, y) as tf.Scalar[]).map((t) => t.dataSync()[0]);
  assertEquals([ours.loss, ours.accuracy], [loss, accuracy]);
  assertEquals(ours.predictions.length, 300);
  // the predictions are the argmax of predict, and they give the same accuracy
  const correct = ours.predictions.filter((p, i) => p === split.labels[i]).length;
  assertAlmostEquals(correct / 300, accuracy, 1e-6);
  tf.dispose([x, y]);
  model.dispose();
});
