/**
 * The tables and figures of the sources' runs (src/tables/sources.ts,
 * src/figures/sources.ts): each source's printed numbers beside ours, the
 * 5-point rule, the test loss against its lowest, per-digit changes, what raw
 * pixels do to an untrained model, and the figures' marks.
 */
import { assert, assertEquals } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { sliceSplit } from "../src/data/splits.ts";
import { imageTensor, oneHotTensor } from "../src/data/tensors.ts";
import { createWideMlp } from "../src/models/presets.ts";
import {
  firstEpochsTable,
  fivePointRule,
  inputScaleTable,
  lowestLossEpoch,
  perDigitChangeTable,
  signedPoints,
  source002Table,
  source003Table,
  testLossTable,
  wrongAnswersOf,
} from "../src/tables/sources.ts";
import { perDigitChangeFigure, rawPixelsFigure, testCurvesFigure } from "../src/figures/sources.ts";
import type { Figure } from "../src/plots/figure.ts";

/** 100 epochs whose test loss is lowest at epoch 6 and then doubles. */
const rows = Array.from({ length: 100 }, (_, i) => ({
  epoch: i + 1,
  loss: 0.3 / (i + 1),
  accuracy: Math.min(1, 0.9 + i / 100),
  val_loss: i < 5 ? 0.2 - i * 0.02 : i === 5 ? 0.07 : 0.14,
  val_accuracy: 0.98,
}));

Deno.test("source 002's table: the printed row first, the 5-point rule's verdict per row", () => {
  const frame = source002Table([
    { run: "ours", epochs: "100", train: { accuracy: 1, loss: 0 }, test: { accuracy: 0.9852, loss: 0.1425 } },
    { run: "bad", epochs: "3", train: { accuracy: 0.99, loss: 0.1 }, test: { accuracy: 0.9, loss: 0.4 } },
  ]);
  const records = frame.toRecords();
  assertEquals(records[0], {
    run: "source 002 (as printed)",
    epochs: "100",
    train_accuracy: "100.00%",
    test_accuracy: "98.36%",
    gap_points: "1.64",
    five_point_rule: "generalises well",
    train_loss: "0.0000",
    test_loss: "0.2185",
  });
  assertEquals([records[1].gap_points, records[1].five_point_rule], ["1.48", "generalises well"]);
  assertEquals([records[2].gap_points, records[2].five_point_rule], ["9.00", "possible overfitting"]);
  assertEquals([fivePointRule(1, 0.951), fivePointRule(1, 0.949)], ["generalises well", "possible overfitting"]);
});

Deno.test("the test-loss table: the lowest epoch marked, every row against it", () => {
  assertEquals(lowestLossEpoch(rows), 6);
  const records = testLossTable(rows).toRecords();
  assertEquals(records.map((r) => r.epoch), [1, 5, 6, 10, 20, 30, 50, 75, 100]);
  const lowest = records.find((r) => r.note === "lowest test loss")!;
  assertEquals([lowest.epoch, lowest.times_lowest_test_loss], [6, "1.00×"]);
  assertEquals(records.at(-1)!.times_lowest_test_loss, "2.00×");
  const first = firstEpochsTable(rows).toRecords();
  assertEquals(first.length, 7);
  assertEquals([first[0].source_accuracy, first[0].source_loss], ["83.66%", "0.5156"]);
});

Deno.test("source 003's table states the post's claim, which printed no number", () => {
  const records = source003Table([
    { run: "ours", input: "÷ 255", train: { accuracy: 0.9988, loss: 0.006 }, test: { accuracy: 0.9823, loss: 0.0619 } },
  ]).toRecords();
  assertEquals(records[0].test_accuracy, "about 98% (stated, not printed)");
  assertEquals([records[1].test_accuracy, records[1].test_loss], ["98.23%", "0.0619"]);
});

Deno.test("raw pixels make the untrained model's hidden values 255 times larger and its answers near-certain", async () => {
  const { test } = await loadMnist();
  const part = sliceSplit(test, 0, 300);
  const model = createWideMlp(1234);
  const x = imageTensor(part, [28, 28]), xRaw = imageTensor(part, [28, 28], "raw"), y = oneHotTensor(part);
  const before = tf.memory().numTensors;
  const [scaled, raw] = inputScaleTable(model, { scaled: [x, y], raw: [xRaw, y] }).toRecords();
  assertEquals(tf.memory().numTensors, before, "no tensor left behind");
  // ReLU(W·255x + b) with small biases: the hidden values scale by about 255
  const ratio = Number(raw.mean_hidden_value) / Number(scaled.mean_hidden_value);
  assert(ratio > 200 && ratio < 260, `ratio ${ratio}`);
  assertEquals(scaled.images_over_99_9_percent_sure, "0.00%");
  assert(parseFloat(String(raw.images_over_99_9_percent_sure)) > 50, String(raw.images_over_99_9_percent_sure));
  assert(Number(raw.loss) > 5 * Number(scaled.loss), `${raw.loss} against ${scaled.loss}`);
  tf.dispose([x, xRaw, y]);
  model.dispose();
});

Deno.test("per-digit changes against a baseline, and the wrong answers of one digit", () => {
  const labels = [0, 0, 8, 8, 3, 3, 3, 3];
  const base = [0, 0, 8, 3, 3, 3, 8, 3]; // one 8 missed, one 3 called 8
  const other = [0, 8, 8, 8, 3, 3, 3, 3];
  assertEquals([wrongAnswersOf(8, labels, base), wrongAnswersOf(8, labels, other)], [1, 1]);
  const records = perDigitChangeTable(labels, { run: "base", predictions: base }, [{
    run: "other",
    predictions: other,
  }])
    .toRecords();
  const byDigit = Object.fromEntries(records.map((r) => [r.digit, r]));
  assertEquals([byDigit[0].base, byDigit[0].other], ["100.00%", "50.00% (−50.00)"]);
  assertEquals([byDigit[8].base, byDigit[8].other], ["50.00%", "100.00% (+50.00)"]);
  assertEquals([byDigit[3].base, byDigit[3].other, byDigit[3].test_images], ["75.00%", "100.00% (+25.00)", 4]);
  assertEquals([signedPoints(0.0123), signedPoints(-0.5)], ["+1.23", "−50.00"]);
});

Deno.test("the sources' figures: both marks on the 100-epoch curves, a log axis for the raw run, a bar per digit and run", () => {
  const svg = (testCurvesFigure("t", rows, { markLowest: true, keptEpoch: 6 }) as Figure).svg;
  for (const label of ["lowest test loss", "early stopping kept"]) assert(svg.includes(label), label);
  // no dot per epoch on a 100-epoch curve
  assert((svg.match(/<circle/g) ?? []).length === 0, "100 epochs drawn with dots");
  const raw =
    (rawPixelsFigure(rows.slice(0, 10), rows.slice(0, 10).map((r) => ({ ...r, val_loss: 10 }))) as Figure).svg;
  assert(raw.includes("log scale") && raw.includes("raw 0-255") && raw.includes("÷ 255"));
  const labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const bars = (perDigitChangeFigure(labels, { run: "b", predictions: labels }, [
    { run: "b-one", predictions: labels },
    { run: "b-two", predictions: labels },
  ]) as Figure).svg;
  assert(bars.includes("one") && !bars.includes("b-one"), "the legend drops the baseline's name");
});
