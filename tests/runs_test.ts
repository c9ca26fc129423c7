/**
 * The run registry (src/runs.ts) and notebook 07's tables and figures: every
 * run has one name, the report's runs are the report's settings, `trainRun`
 * trains through the same cached `fit` a notebook cell uses (the same key), and
 * the 10-epoch run gives the 5-epoch run on the way.
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { loadCourseMnist } from "../src/data/course_data.ts";
import { sliceSplit } from "../src/data/splits.ts";
import { augmentedImages, DRAWING_AUGMENTATION } from "../src/data/augment.ts";
import { imageTensor, labelTensor } from "../src/data/tensors.ts";
import { setSeed } from "../src/random.ts";
import { getRun, isRunCached, RUNS, trainRun } from "../src/runs.ts";
import { APP_MODEL_NAMES, BEST_APP_MODEL } from "../src/app/models.ts";
import { withModelCache } from "../src/train.ts";
import { silentTrainingDisplay } from "../src/display/training.ts";
import { augmentationGrid } from "../src/figures/extensions.ts";
import { earlyStoppingTable, runComparisonTable } from "../src/tables/extensions.ts";
import type { Evaluation } from "../src/evaluate.ts";
import { PNG_SIGNATURE } from "../src/plots/figure.ts";

const quick = await loadCourseMnist(true);
const display = silentTrainingDisplay;

Deno.test("the registry: one kebab-case name per run, the report's settings", () => {
  for (const [name, spec] of Object.entries(RUNS)) {
    assertEquals(spec.name, name);
    assert(/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name), name);
  }
  assertEquals(getRun("mlp-5").validation, { split: 0.1 });
  assertEquals(getRun("cnn-10").validation, "test");
  assertEquals([getRun("mlp-10").epochs, getRun("mlp-10").snapshotEpochs], [10, [5]]);
  assertEquals(getRun("cnn-5").batchSize, 32);
  const { augment, ...augmented } = getRun("cnn-augmented");
  assertEquals(augment, { rotation: 5, zoom: 0.05, shift: 0.05 });
  const { augment: _none, ...plain } = getRun("cnn-5");
  assertEquals({ ...augmented, name: "", title: "", source: "" }, { ...plain, name: "", title: "", source: "" });
  assertThrows(() => getRun("mlp5"), Error, "known runs: mlp-5");
});

Deno.test("trainRun and a notebook cell written the same way are one run: the cell restores it", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "runs-" });
  try {
    assert(!(await isRunCached("mlp-10", quick, { cacheDir })));
    const ten = await trainRun("mlp-10", quick, { cacheDir, display });
    assert(!ten.fromCache && ten.rows.length === 10);
    assert(await isRunCached("mlp-10", quick, { cacheDir }));
    assert(await isRunCached("mlp-5", quick, { cacheDir }), "the 10-epoch run cached the 5-epoch one");
    const five = await trainRun("mlp-5", quick, { cacheDir, display });
    assert(five.fromCache);
    assertEquals(five.rows, ten.rows.slice(0, 5));
    // notebook 03's cells
    setSeed(1234);
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [28, 28] }),
        tf.layers.dense({ units: 128, activation: "relu" }),
        tf.layers.dense({ units: 10, activation: "softmax" }),
      ],
    });
    model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const xTrain = tf.tidy(() => tf.tensor(quick.train.images, [quick.train.count, 28, 28], "float32").div(255));
    const yTrain = tf.tensor1d(quick.train.labels, "float32");
    const history = await withModelCache(model, { cacheDir, display }).fit(xTrain, yTrain, {
      epochs: 5,
      batchSize: 32,
      validationSplit: 0.1,
    });
    assert(history.fromCache, "the cell restored the registry's run");
    assertEquals(history.path, five.history.path);
    assertEquals(
      model.getWeights().map((w) => Array.from(w.dataSync())),
      five.model.getWeights().map((w) => Array.from(w.dataSync())),
    );
    // the registry's tensors are the cell's
    assertEquals(Array.from(imageTensor(quick.train, [28, 28]).dataSync()), Array.from(xTrain.dataSync()));
    assertEquals(Array.from(labelTensor(quick.train).dataSync()), Array.from(yTrain.dataSync()));
    tf.dispose([xTrain, yTrain]);
    for (const m of [model, five.model, ten.model]) m.dispose();
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("the best model: a VGG-style CNN with source 001's augmentation and the pen, offered by the app", () => {
  const best = getRun("vgg-cnn-augmented");
  assertEquals([best.preset, best.epochs, best.batchSize, best.validation], ["vgg-cnn", 5, 64, "test"]);
  assertEquals(best.augment, { rotation: 5, zoom: 0.05, shift: 0.05, stroke: 0.45 });
  assertEquals(BEST_APP_MODEL, best.name);
  assert((APP_MODEL_NAMES as readonly string[]).includes(best.name));
  // every model the app offers is a run of the registry
  for (const name of APP_MODEL_NAMES) assertEquals(getRun(name).name, name);
});

Deno.test("the best run and notebook 06's cell written the same way are one run: the cell restores every epoch", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "runs-best-" });
  // a small slice keeps the test short; the run and the cell see the same one
  const data = { ...quick, train: sliceSplit(quick.train, 0, 256), test: sliceSplit(quick.test, 0, 128) };
  try {
    const run = await trainRun("vgg-cnn-augmented", data, { cacheDir, display });
    assert(!run.fromCache && run.rows.length === 5, `${run.rows.length} epochs`);
    // notebook 06's cell
    const { train, test } = data;
    const yTrain = tf.tensor1d(train.labels, "float32");
    const xTest = tf.tidy(() => tf.tensor(test.images, [test.count, 28, 28, 1], "float32").div(255));
    const yTest = tf.tensor1d(test.labels, "float32");
    setSeed(1234);
    const bestCnn = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: "relu" }),
        tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: "relu" }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 128, activation: "relu" }),
        tf.layers.dense({ units: 10, activation: "softmax" }),
      ],
    });
    bestCnn.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const BEST_EPOCHS = 5;
    for (let epoch = 0; epoch < BEST_EPOCHS; epoch++) {
      const xEpoch = augmentedImages(train, DRAWING_AUGMENTATION, 1234 * 1000 + epoch);
      const history = await withModelCache(bestCnn, { cacheDir, display }).fit(xEpoch, yTrain, {
        epochs: epoch + 1,
        initialEpoch: epoch,
        batchSize: 64,
        validationData: [xTest, yTest],
      });
      xEpoch.dispose();
      assert(history.fromCache, `the cell's epoch ${epoch + 1} restored the run's`);
    }
    assertEquals(
      bestCnn.getWeights().map((w) => Array.from(w.dataSync())),
      run.model.getWeights().map((w) => Array.from(w.dataSync())),
    );
    tf.dispose([yTrain, xTest, yTest]);
    bestCnn.dispose();
    run.model.dispose();
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("earlyStoppingTable marks every new lowest validation loss and the epoch kept", () => {
  const rows = [0.5, 0.4, 0.45, 0.38, 0.39, 0.41, 0.42].map((v, i) => ({
    epoch: i + 1,
    loss: 0,
    accuracy: 0,
    val_loss: v,
    val_accuracy: 0.9,
  }));
  const frame = earlyStoppingTable(rows, 4);
  assertEquals(frame.getColumn("lowest_so_far").toArray().map((s) => s !== ""), [
    true,
    true,
    false,
    true,
    false,
    false,
    false,
  ]);
  assertEquals(frame.getColumn("kept").toArray().findIndex((s) => s !== ""), 3);
  assertEquals(frame.getColumn("val_loss").toArray()[0], "0.5000");
});

Deno.test("runComparisonTable: accuracies as percentages and the gap in points", () => {
  const e = (accuracy: number, loss: number) => ({ accuracy, loss } as Evaluation);
  const frame = runComparisonTable([{ model: "a", train: e(0.99, 0.02), test: e(0.975, 0.08) }]);
  assertEquals(frame.toRecords(), [{
    model: "a",
    train_accuracy: "99.00%",
    test_accuracy: "97.50%",
    gap_points: "1.50",
    test_loss: "0.0800",
  }]);
});

Deno.test("augmentationGrid draws each digit and its copies as one PNG", () => {
  const png = augmentationGrid(quick.train, [0, 1], 3);
  assertEquals(Array.from(png.bytes.subarray(0, 8)), Array.from(PNG_SIGNATURE));
  // 4 columns (the digit and 3 copies) by 2 rows
  assert(png.width >= 4 * 28 * 3 && png.height >= 2 * 28 * 3 && png.width > png.height, `${png.width}×${png.height}`);
});
