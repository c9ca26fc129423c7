/**
 * `withModelCache(model).fit` (src/train.ts) on real MNIST images: it trains
 * like `model.fit`, restores a run done before (weights, optimizer state,
 * history, the seeded generator's state), keys runs by what determines them,
 * and early stopping keeps the best epoch's weights.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { join } from "node:path";
import { backendName, tf } from "../src/tf.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { sliceSplit } from "../src/data/splits.ts";
import { imageTensor, labelTensor, oneHotTensor } from "../src/data/tensors.ts";
import { earlyStopping, withModelCache } from "../src/train.ts";
import { createReportCnn, createReportMlp, getPreset, PRESETS } from "../src/models/presets.ts";
import { createRng, randomState, setRandomState, setSeed, withSeed } from "../src/random.ts";
import { silentTrainingDisplay } from "../src/display/training.ts";

const data = await loadMnist();
const small = sliceSplit(data.train, 0, 600);
const x = imageTensor(small, [28, 28]);
const y = labelTensor(small);
const display = silentTrainingDisplay;

async function withCacheDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "model-cache-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A notebook's MLP cell: seed, layers, compile. */
function notebookMlp(units = 32, seed = 1234): tf.LayersModel {
  setSeed(seed);
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({ units, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

Deno.test("presets have the report's parameter counts", () => {
  const counts = Object.fromEntries(
    Object.entries(PRESETS).map(([name, p]) => {
      const model = p.create(1);
      const n = model.countParams();
      model.dispose();
      return [name, n];
    }),
  );
  assertEquals(counts.mlp, 101_770);
  assertEquals(counts.cnn, 542_230);
  const cnn = createReportCnn(1);
  assertEquals(cnn.layers.map((l) => l.countParams()), [320, 0, 0, 540_900, 1_010]);
  assertEquals(cnn.layers.map((l) => l.outputShape), [
    [null, 26, 26, 32],
    [null, 13, 13, 32],
    [null, 5408],
    [null, 100],
    [null, 10],
  ]);
  cnn.dispose();
  assertThrows(() => getPreset("resnet"), Error, "known presets: mlp, cnn");
});

Deno.test("the report's CNN trains on the default backend and learns, leaving only its own tensors", async () => {
  assertEquals(backendName(), Deno.env.get("MNIST_BACKEND") ?? "wasm");
  await withCacheDir(async (cacheDir) => {
    const cnnX = imageTensor(sliceSplit(data.train, 0, 1000));
    const cnnY = oneHotTensor(sliceSplit(data.train, 0, 1000));
    const valX = imageTensor(sliceSplit(data.test, 0, 500));
    const valY = oneHotTensor(sliceSplit(data.test, 0, 500));
    const before = tf.memory().numTensors;
    const model = createReportCnn(1234);
    const history = await withModelCache(model, { cacheDir, display }).fit(cnnX, cnnY, {
      epochs: 2,
      validationData: [valX, valY],
    });
    assertEquals(Object.keys(history.rows[0]).sort(), [
      "accuracy",
      "epoch",
      "loss",
      "seconds",
      "val_accuracy",
      "val_loss",
    ]);
    assertEquals(history.epoch, [0, 1]);
    const loss = history.history.loss as number[];
    assert(loss[1] < loss[0], `loss did not fall: ${loss}`);
    assert(history.rows[1].val_accuracy > 0.6, `validation accuracy ${history.rows[1].val_accuracy} on 1,000 images`);
    // the only tensors left are the model's weights and the optimizer's state (and its β powers)
    const weights = model.weights.length;
    model.dispose();
    assert(tf.memory().numTensors - before <= weights * 2 + 3, `tensors left: ${tf.memory().numTensors - before}`);
    tf.dispose([cnnX, cnnY, valX, valY]);
  });
});

Deno.test("a re-run restores instead of training: same weights, history and generator state", async () => {
  await withCacheDir(async (cacheDir) => {
    const a = notebookMlp();
    const trained = await withModelCache(a, { cacheDir, display }).fit(x, y, { epochs: 2, validationSplit: 0.1 });
    const after = randomState();
    const b = notebookMlp();
    const restored = await withModelCache(b, { cacheDir, display }).fit(x, y, { epochs: 2, validationSplit: 0.1 });
    assert(!trained.fromCache && restored.fromCache, "trained once, restored once");
    assertEquals(restored.path, trained.path);
    assertEquals(weightsOf(b), weightsOf(a));
    assertEquals(restored.history, trained.history);
    assertEquals(restored.rows.map((r) => r.loss), trained.rows.map((r) => r.loss));
    assertEquals(randomState(), after, "the seeded generator is where training left it");
    // the entry is an ordinary TF.js model folder
    const loaded = await tf.loadLayersModel(`file://${join(trained.path, "model.json")}`);
    assertEquals(weightsOf(loaded), weightsOf(a));
    for (const m of [a, b, loaded]) m.dispose();
  });
});

Deno.test("what keys a run: units, a hyperparameter, the seed, the data; not the layer names", async () => {
  await withCacheDir(async (cacheDir) => {
    const fit = async (model: tf.LayersModel, args: tf.ModelFitArgs, xs = x) => {
      const h = await withModelCache(model, { cacheDir, display }).fit(xs, y, args);
      model.dispose();
      return h;
    };
    const base = await fit(notebookMlp(32), { epochs: 1 });
    // a model built again (its layers get new generated names) is the same run
    const again = await fit(notebookMlp(32), { epochs: 1 });
    assert(again.fromCache && again.path === base.path);
    const paths = new Set([base.path]);
    for (
      const other of [
        await fit(notebookMlp(16), { epochs: 1 }), // units: 32 → 16
        await fit(notebookMlp(32), { epochs: 1, batchSize: 64 }), // a hyperparameter
        await fit(notebookMlp(32, 99), { epochs: 1 }), // the seed
        await fit(notebookMlp(32), { epochs: 1 }, x.add(0.001)), // the data
      ]
    ) {
      assert(!other.fromCache, "a changed run trains");
      paths.add(other.path);
    }
    assertEquals(paths.size, 5);
  });
});

Deno.test("a 2-epoch run caches its state after epoch 1, which is bit for bit the 1-epoch run", async () => {
  await withCacheDir(async (cacheDir) => {
    const long = notebookMlp();
    await withModelCache(long, { cacheDir, display, snapshotEpochs: [1] }).fit(x, y, {
      epochs: 2,
      validationSplit: 0.1,
    });
    const snapshot = notebookMlp();
    const restored = await withModelCache(snapshot, { cacheDir, display }).fit(x, y, {
      epochs: 1,
      validationSplit: 0.1,
    });
    assert(restored.fromCache, "the snapshot was found under the 1-epoch run's key");
    const stateAfterSnapshot = randomState()!;
    const fresh = notebookMlp();
    const trained = await withModelCache(fresh, { cacheDir, display, retrain: true }).fit(x, y, {
      epochs: 1,
      validationSplit: 0.1,
    });
    assert(!trained.fromCache);
    assertEquals(weightsOf(snapshot), weightsOf(fresh));
    assertEquals(randomState(), stateAfterSnapshot);
    // continuing the restored model (optimizer state restored) equals continuing the trained one
    const state = randomState()!;
    await withModelCache(snapshot, { cacheDir, display, retrain: true }).fit(x, y, { epochs: 2, initialEpoch: 1 });
    setRandomState(state);
    await withModelCache(fresh, { cacheDir, display, retrain: true }).fit(x, y, { epochs: 2, initialEpoch: 1 });
    assertEquals(weightsOf(snapshot), weightsOf(fresh));
    for (const m of [long, snapshot, fresh]) m.dispose();
  });
});

Deno.test("a damaged entry is trained again, and an unseeded fit is trained and not cached", async () => {
  await withCacheDir(async (cacheDir) => {
    const first = await withModelCache(notebookMlp(), { cacheDir, display }).fit(x, y, { epochs: 1 });
    await Deno.writeTextFile(join(first.path, "meta.json"), '{"format": 2, "rows": []}');
    const notes: string[] = [];
    const again = await withModelCache(notebookMlp(), { cacheDir, display: { ...display, note: (l) => notes.push(l) } })
      .fit(x, y, { epochs: 1 });
    assert(!again.fromCache, "the damaged entry was not used");
    assert(notes.some((n) => n.includes("damaged") && n.includes("meta.json")), notes.join("\n"));
    const restored = await withModelCache(notebookMlp(), { cacheDir, display }).fit(x, y, { epochs: 1 });
    assert(restored.fromCache, "the entry written again is used");

    const unseeded = notebookMlp();
    Math.random = createRng(5); // someone replaced Math.random: the seeded generator is gone
    const runs = [...Deno.readDirSync(cacheDir)].length;
    const h = await withModelCache(unseeded, { cacheDir, display }).fit(x, y, { epochs: 1 });
    assert(!h.fromCache && h.path === "");
    assertEquals([...Deno.readDirSync(cacheDir)].length, runs);
    await assertRejects(async () => await Promise.resolve(setRandomState(1)), Error, "setSeed");
  });
});

Deno.test("setSeed makes initialisation repeat; withSeed replaces Math.random only for the call", async () => {
  const a = weightsOf(notebookMlp(8, 3));
  const b = weightsOf(notebookMlp(8, 3));
  assertEquals(a, b);
  const original = Math.random;
  const expected = createRng(3)();
  assertEquals(withSeed(3, () => Math.random()), expected);
  assertEquals(await withSeed(3, () => Promise.resolve(Math.random())), expected);
  assert(Math.random === original);
});

Deno.test("early stopping stops after `patience` epochs without a lower val_loss and keeps the best weights", async () => {
  await withCacheDir(async (cacheDir) => {
    // 600 images, 30 epochs allowed, patience 1: the first epoch whose validation loss is not a new low stops it
    const model = createReportMlp(1234);
    const stop = earlyStopping({ monitor: "val_loss", patience: 1, restoreBestWeights: true });
    const run = await withModelCache(model, { cacheDir, display }).fit(x, y, {
      epochs: 30,
      validationSplit: 0.1,
      callbacks: [stop],
    });
    const losses = run.rows.map((r) => r.val_loss);
    const best = losses.indexOf(Math.min(...losses)) + 1;
    assert(run.rows.length < 30, `it stopped early (${run.rows.length} epochs run)`);
    assertEquals([stop.bestEpoch, stop.stoppedEpoch], [best, run.rows.length]);
    // the model is the best epoch's: its loss on the validation images is the recorded minimum
    const from = 540;
    const valX = imageTensor(sliceSplit(small, from, 600), [28, 28]);
    const valY = labelTensor(sliceSplit(small, from, 600));
    const scores = model.evaluate(valX, valY) as tf.Scalar[];
    const loss = (await scores[0].data())[0];
    assert(Math.abs(loss - losses[best - 1]) < 1e-4, `evaluated ${loss}, recorded ${losses[best - 1]}`);
    // restored from the cache, the callback says the same, and the weights are the best epoch's
    const again = earlyStopping({ monitor: "val_loss", patience: 1, restoreBestWeights: true });
    const copy = createReportMlp(1234);
    const restored = await withModelCache(copy, { cacheDir, display }).fit(x, y, {
      epochs: 30,
      validationSplit: 0.1,
      callbacks: [again],
    });
    assert(restored.fromCache);
    assertEquals([again.bestEpoch, again.stoppedEpoch], [best, run.rows.length]);
    assertEquals(weightsOf(copy), weightsOf(model));
    // another patience is another run
    const patient = await withModelCache(createReportMlp(1234), { cacheDir, display }).fit(x, y, {
      epochs: 3,
      validationSplit: 0.1,
      callbacks: [earlyStopping({ patience: 2 })],
    });
    assert(!patient.fromCache);
    tf.dispose([valX, valY, ...scores]);
    model.dispose();
    copy.dispose();
  });
  assertThrows(() => earlyStopping({ patience: 0 }), RangeError, "patience");
});

Deno.test("a model the fast path does not know (dropout, batch norm, tanh) trains through the cache too", async () => {
  await withCacheDir(async (cacheDir) => {
    setSeed(7);
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [28, 28] }),
        tf.layers.dense({ units: 24, activation: "tanh" }),
        tf.layers.batchNormalization(),
        tf.layers.dropout({ rate: 0.3 }),
        tf.layers.dense({ units: 10, activation: "softmax" }),
      ],
    });
    model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    const oneHot = oneHotTensor(small);
    const h = await withModelCache(model, { cacheDir, display }).fit(x, oneHot, { epochs: 3, batchSize: 50 });
    const loss = h.history.loss as number[];
    assert(loss.every(Number.isFinite) && loss[2] < loss[0], `it learns: ${loss}`);
    oneHot.dispose();
    model.dispose();
  });
});
