/**
 * The sources' runs in the registry (src/runs.ts): their settings are the
 * sources', and each is one run with the notebook cell that teaches it (the
 * cells of notebooks 08 and 09, written out here on a small slice): the
 * registry trains, the cell restores (same cache entry, same weights), for
 * every kind of run (test set watched, early stopping, raw pixels, 8s
 * removed, some digits augmented, a saved model fine-tuned). And watching the
 * test set after each epoch does not change training.
 */
import { join } from "node:path";
import { assert, assertEquals } from "./assert.ts";
import { tf } from "../src/tf.ts";
import type { CourseMnist } from "../src/data/course_data.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { sliceSplit } from "../src/data/splits.ts";
import { augmentedImages, SOURCE_001_AUGMENTATION } from "../src/data/augment.ts";
import { removeRandomShare, SOURCE_001_REDUCTION } from "../src/data/rebalance.ts";
import { setSeed } from "../src/random.ts";
import { getRun, RUNS, trainRun } from "../src/runs.ts";
import { earlyStopping, withModelCache } from "../src/train.ts";
import { silentTrainingDisplay } from "../src/display/training.ts";

const full = await loadMnist();
/** A small slice: every run below trains in a second or two at its own settings. */
const small: CourseMnist = { train: sliceSplit(full.train, 0, 512), test: sliceSplit(full.test, 0, 128), quick: true };
const display = silentTrainingDisplay;

const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

/** The cells' tensors, written as notebooks 08 and 09 write them. */
const mlpImages = (split: typeof small.train) =>
  tf.tidy(() => tf.tensor(split.images, [split.count, 28, 28], "float32").div(255));
const cnnImages = (split: typeof small.train) =>
  tf.tidy(() => tf.tensor(split.images, [split.count, 28, 28, 1], "float32").div(255));
const sparse = (split: typeof small.train) => tf.tensor1d(split.labels, "float32");
const oneHot = (split: typeof small.train) =>
  tf.tidy(() => tf.oneHot(tf.tensor1d(split.labels, "int32"), 10).toFloat());

function deepMlp(): tf.Sequential {
  setSeed(1234);
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({ units: 256, activation: "relu" }),
      tf.layers.dense({ units: 256, activation: "relu" }),
      tf.layers.dense({ units: 128, activation: "relu" }),
      tf.layers.dense({ units: 64, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: "rmsprop", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

function deepCnn(): tf.Sequential {
  setSeed(1234);
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

async function withCache(fn: (cacheDir: string) => Promise<void>): Promise<void> {
  const cacheDir = await Deno.makeTempDir({ prefix: "source-runs-" });
  try {
    await fn(cacheDir);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
}

Deno.test("the sources' runs have the sources' settings; the shortened 3-epoch runs are gone", () => {
  const pick = (name: string) => {
    const { preset, epochs, batchSize, validation, seed } = getRun(name);
    return { preset, epochs, batchSize, validation, seed };
  };
  assertEquals(pick("source-002-mlp"), {
    preset: "deep-mlp",
    epochs: 100,
    batchSize: 128,
    validation: "test",
    seed: 1234,
  });
  assertEquals(getRun("source-002-early-stopping").validation, { split: 0.1 });
  assertEquals(getRun("source-002-early-stopping").earlyStopping, {
    monitor: "val_loss",
    patience: 3,
    restoreBestWeights: true,
  });
  assertEquals(pick("source-003-mlp"), {
    preset: "wide-mlp",
    epochs: 10,
    batchSize: 128,
    validation: "test",
    seed: 1234,
  });
  assertEquals(getRun("source-003-mlp-raw").pixels, "raw");
  assertEquals(pick("source-001-cnn"), {
    preset: "deep-cnn",
    epochs: 5,
    batchSize: 64,
    validation: "test",
    seed: 1234,
  });
  assertEquals(getRun("source-001-cnn-fewer-eights").reduce, { digit: 8, minFraction: 0.1, maxFraction: 0.2 });
  assertEquals(getRun("source-001-cnn-augmented-069").augment?.digits, [0, 6, 9]);
  const fineTuned = getRun("source-001-cnn-fine-tuned");
  assertEquals([fineTuned.fineTuneFrom, fineTuned.epochs, fineTuned.batchSize], ["source-001-cnn", 3, 64]);
  assertEquals(fineTuned.augment, { rotation: 5, zoom: 0.05, shift: 0.05 });
  // every source run differs from its baseline only in what its name says
  const { name: _n, title: _t, source: _s, reduce, ...fewer } = getRun("source-001-cnn-fewer-eights");
  const { name: _n2, title: _t2, source: _s2, ...baseline } = getRun("source-001-cnn");
  assert(reduce);
  assertEquals(fewer, baseline);
  for (const name of ["deep-mlp", "wide-mlp", "deep-cnn"]) assert(!(name in RUNS), `${name} is still a run`);
  for (const spec of Object.values(RUNS)) assert(!spec.title.includes("shortened"), spec.title);
});

Deno.test("watching the test set after each epoch (source 002's curves) does not change training", async () => {
  const x = mlpImages(small.train), y = sparse(small.train);
  const xTest = mlpImages(small.test), yTest = sparse(small.test);
  const plain = deepMlp();
  await plain.fit(x, y, { epochs: 3, batchSize: 128, verbose: 0 });
  const watched = deepMlp();
  const history = await watched.fit(x, y, { epochs: 3, batchSize: 128, verbose: 0, validationData: [xTest, yTest] });
  assertEquals(history.history.val_loss.length, 3);
  assertEquals(weightsOf(watched), weightsOf(plain));
  tf.dispose([x, y, xTest, yTest]);
  plain.dispose();
  watched.dispose();
});

Deno.test("source 002: the registry's runs and notebook 08's cells are one run each", async () => {
  await withCache(async (cacheDir) => {
    const run = await trainRun("source-002-mlp", small, { cacheDir, display });
    assert(!run.fromCache && run.rows.length === 100 && "val_loss" in run.rows[0]);
    const xTrain = mlpImages(small.train), yTrain = sparse(small.train);
    const xTest = mlpImages(small.test), yTest = sparse(small.test);
    const model = deepMlp();
    const history = await withModelCache(model, { cacheDir, display }).fit(xTrain, yTrain, {
      epochs: 100,
      batchSize: 128,
      validationData: [xTest, yTest],
    });
    assert(history.fromCache, "the cell restored source-002-mlp");
    assertEquals(history.path, run.history.path);
    assertEquals(weightsOf(model), weightsOf(run.model));

    const stopped = await trainRun("source-002-early-stopping", small, { cacheDir, display });
    assert(stopped.rows.length < 100 && stopped.bestEpoch! >= 1, `${stopped.rows.length} epochs`);
    const again = deepMlp();
    const stopper = earlyStopping({ monitor: "val_loss", patience: 3, restoreBestWeights: true });
    const stoppedHistory = await withModelCache(again, { cacheDir, display }).fit(xTrain, yTrain, {
      epochs: 100,
      batchSize: 128,
      validationSplit: 0.1,
      callbacks: [stopper],
    });
    assert(stoppedHistory.fromCache);
    assertEquals(stopper.bestEpoch, stopped.bestEpoch);
    assertEquals(weightsOf(again), weightsOf(stopped.model));
    tf.dispose([xTrain, yTrain, xTest, yTest]);
    for (const m of [model, again, run.model, stopped.model]) m.dispose();
  });
});

Deno.test("source 003: the raw-pixel run and its cell (no / 255, one-hot labels) are one run", async () => {
  await withCache(async (cacheDir) => {
    const run = await trainRun("source-003-mlp-raw", small, { cacheDir, display });
    assert(!run.fromCache && run.rows.length === 10);
    const xTrainRaw = tf.tensor(small.train.images, [small.train.count, 28, 28], "float32");
    const xTestRaw = tf.tensor(small.test.images, [small.test.count, 28, 28], "float32");
    const yTrain = oneHot(small.train), yTest = oneHot(small.test);
    setSeed(1234);
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [28, 28] }),
        tf.layers.dense({ units: 512, activation: "relu" }),
        tf.layers.dense({ units: 10, activation: "softmax" }),
      ],
    });
    model.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    const history = await withModelCache(model, { cacheDir, display }).fit(xTrainRaw, yTrain, {
      epochs: 10,
      batchSize: 128,
      validationData: [xTestRaw, yTest],
    });
    assert(history.fromCache, "the cell restored source-003-mlp-raw");
    assertEquals(weightsOf(model), weightsOf(run.model));
    // and the scaled run is another run
    const scaled = await trainRun("source-003-mlp", small, { cacheDir, display });
    assert(!scaled.fromCache && scaled.history.path !== run.history.path);
    tf.dispose([xTrainRaw, xTestRaw, yTrain, yTest]);
    for (const m of [model, run.model, scaled.model]) m.dispose();
  });
});

Deno.test("source 001: fewer 8s, 0/6/9 augmented and the fine-tuned saved model are one run each with their cells", async () => {
  await withCache(async (cacheDir) => {
    const xTest = cnnImages(small.test), yTest = sparse(small.test);
    const settings = { batchSize: 64, validationData: [xTest, yTest] as [tf.Tensor, tf.Tensor] };

    // fewer 8s
    const fewer = await trainRun("source-001-cnn-fewer-eights", small, { cacheDir, display });
    assert(!fewer.fromCache);
    const reduced = removeRandomShare(small.train, SOURCE_001_REDUCTION, 1234).split;
    assert(reduced.count < small.train.count);
    const xReduced = cnnImages(reduced), yReduced = sparse(reduced);
    const fewerCell = deepCnn();
    const fewerHistory = await withModelCache(fewerCell, { cacheDir, display }).fit(xReduced, yReduced, {
      epochs: 5,
      ...settings,
    });
    assert(fewerHistory.fromCache, "the cell restored source-001-cnn-fewer-eights");
    assertEquals(weightsOf(fewerCell), weightsOf(fewer.model));

    // 0, 6 and 9 augmented: one fit per epoch on a new copy
    const augmented = await trainRun("source-001-cnn-augmented-069", small, { cacheDir, display });
    assert(!augmented.fromCache && augmented.rows.length === 5);
    const yTrain = sparse(small.train);
    const augmentedCell = deepCnn();
    let restored = true;
    for (let epoch = 0; epoch < 5; epoch++) {
      const xEpoch = augmentedImages(
        small.train,
        { ...SOURCE_001_AUGMENTATION, digits: [0, 6, 9] },
        1234 * 1000 + epoch,
      );
      const h = await withModelCache(augmentedCell, { cacheDir, display }).fit(xEpoch, yTrain, {
        epochs: epoch + 1,
        initialEpoch: epoch,
        ...settings,
      });
      restored &&= h.fromCache;
      xEpoch.dispose();
    }
    assert(restored, "every epoch of the cell restored source-001-cnn-augmented-069");
    assertEquals(weightsOf(augmentedCell), weightsOf(augmented.model));

    // fine-tuning: the registry trains the baseline and the fine-tuning; the cells restore both
    const tuned = await trainRun("source-001-cnn-fine-tuned", small, { cacheDir, display });
    assert(!tuned.fromCache && tuned.rows.length === 3);
    const baseline = deepCnn();
    const xTrain = cnnImages(small.train);
    const baseHistory = await withModelCache(baseline, { cacheDir, display }).fit(xTrain, yTrain, {
      epochs: 5,
      ...settings,
    });
    assert(baseHistory.fromCache, "the fine-tuning trained source-001-cnn on the way");
    const folder = join(cacheDir, "saved", "source-001-cnn");
    await baseline.save(`file://${folder}`);
    const loaded = await tf.loadLayersModel(`file://${folder}/model.json`);
    loaded.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    setSeed(1234);
    restored = true;
    for (let epoch = 0; epoch < 3; epoch++) {
      const xEpoch = augmentedImages(small.train, SOURCE_001_AUGMENTATION, 1234 * 1000 + epoch);
      const h = await withModelCache(loaded, { cacheDir, display }).fit(xEpoch, yTrain, {
        epochs: epoch + 1,
        initialEpoch: epoch,
        ...settings,
      });
      restored &&= h.fromCache;
      xEpoch.dispose();
    }
    assert(restored, "every epoch of the cell restored source-001-cnn-fine-tuned");
    assertEquals(weightsOf(loaded), weightsOf(tuned.model));
    assert(weightsOf(loaded).join() !== weightsOf(baseline).join(), "fine-tuning changed the weights");
    tf.dispose([xTest, yTest, xReduced, yReduced, yTrain, xTrain]);
    for (const m of [fewer.model, fewerCell, augmented.model, augmentedCell, tuned.model, baseline, loaded]) {
      m.dispose();
    }
  });
});
