import { assert, assertEquals } from "./assert.ts";
import { backendName, tf } from "../src/tf.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { makeTrainConfig, trainPreset } from "../src/train.ts";
import { createReportCnn, getPreset, PRESETS } from "../src/models/presets.ts";
import { createRng, withSeed } from "../src/random.ts";
import { assertThrows } from "./assert.ts";

const data = await loadMnist();

async function withCacheDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "model-cache-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

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
    [
      null,
      10,
    ],
  ]);
  cnn.dispose();
  assertThrows(() => getPreset("resnet"), Error, "known presets: mlp, cnn");
});

Deno.test("the report's CNN trains on the default backend and learns", async () => {
  assertEquals(backendName(), Deno.env.get("MNIST_BACKEND") ?? "wasm");
  await withCacheDir(async (cacheDir) => {
    const config = makeTrainConfig({
      preset: "cnn",
      epochs: 2,
      trainCount: 1000,
      validation: { kind: "test" },
      testCount: 500,
    });
    const before = tf.memory().numTensors;
    const result = await trainPreset(config, data, { cacheDir });
    assertEquals(result.history.columns, ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]);
    assertEquals(result.history.height, 2);
    const loss = result.history.getColumn("loss").toArray() as number[];
    const valAccuracy = result.history.getColumn("val_accuracy").toArray() as number[];
    assert(loss[1] < loss[0], `loss did not fall: ${loss}`);
    assert(valAccuracy[1] > 0.6, `validation accuracy ${valAccuracy[1]} after 2 epochs on 1,000 images`);
    // the only tensors left are the model's own weights and optimizer state
    const weightTensors = result.model.weights.length;
    result.model.dispose();
    assert(tf.memory().numTensors - before <= weightTensors * 3, `tensors leaked: ${tf.memory().numTensors - before}`);
  });
});

Deno.test("one seed makes training deterministic; the cache returns the same model", async () => {
  await withCacheDir(async (cacheDir) => {
    const config = makeTrainConfig({ preset: "mlp", epochs: 2, trainCount: 2000, seed: 99 });
    const first = await trainPreset(config, data, { cacheDir });
    const second = await trainPreset(config, data, { cacheDir, force: true });
    assert(!first.fromCache && !second.fromCache);
    const a = first.model.getWeights().map((w) => Array.from(w.dataSync()));
    const b = second.model.getWeights().map((w) => Array.from(w.dataSync()));
    assertEquals(a, b);
    const cached = await trainPreset(config, data, { cacheDir });
    assert(cached.fromCache);
    assertEquals(cached.model.getWeights().map((w) => Array.from(w.dataSync())), a);
    assertEquals(cached.history.getColumn("loss").toArray(), first.history.getColumn("loss").toArray());
    const other = await trainPreset({ ...config, seed: 100 }, data, { cacheDir });
    assert(
      Array.from(other.model.getWeights()[0].dataSync()).some((v, i) => v !== a[0][i]),
      "another seed gave the same weights",
    );
  });
});

Deno.test("a snapshot after epoch 1 of a 2-epoch run is the 1-epoch run", async () => {
  await withCacheDir(async (cacheDir) => {
    const config = makeTrainConfig({ preset: "mlp", epochs: 2, trainCount: 1000, seed: 5 });
    await trainPreset(config, data, { cacheDir, snapshotEpochs: [1] });
    const snapshot = await trainPreset({ ...config, epochs: 1 }, data, { cacheDir });
    assert(snapshot.fromCache, "the snapshot was not found under the 1-epoch key");
    const fresh = await trainPreset({ ...config, epochs: 1 }, data, { cacheDir, force: true });
    assertEquals(
      snapshot.model.getWeights().map((w) => Array.from(w.dataSync())),
      fresh.model.getWeights().map((w) => Array.from(w.dataSync())),
    );
  });
});

Deno.test("withSeed replaces Math.random only for the call", async () => {
  const original = Math.random;
  const expected = createRng(3)();
  assertEquals(withSeed(3, () => Math.random()), expected);
  assertEquals(await withSeed(3, () => Promise.resolve(Math.random())), expected);
  assert(Math.random === original);
});

Deno.test("early stopping: stops after `patience` epochs without a better validation loss and keeps the best epoch", async () => {
  await withCacheDir(async (dir) => {
    // 600 images, 30 epochs allowed, patience 1: the first epoch whose validation loss is not a new low stops it
    // (seed 1234: epoch 11)
    const config = makeTrainConfig({ preset: "mlp", epochs: 30, trainCount: 600, earlyStopping: { patience: 1 } });
    const run = await trainPreset(config, data, { cacheDir: dir });
    const rows = run.history.toRecords() as Record<string, number>[];
    const losses = rows.map((r) => r.val_loss);
    const best = losses.indexOf(Math.min(...losses)) + 1;
    assert(rows.length < 30, `it stopped early (${rows.length} epochs run)`);
    assertEquals(run.bestEpoch, best);
    assertEquals(rows.length - best, 1, "ran exactly `patience` epochs past the best");
    // the returned model is the best epoch's: its validation loss is the recorded minimum
    const from = 540 * 784;
    // the validation images: the last 10% of the 600
    const x = tf.tensor4d(Float32Array.from(data.train.images.subarray(from, from + 60 * 784), (v) => v / 255), [
      60,
      28,
      28,
      1,
    ]);
    const y = tf.tensor1d(Array.from(data.train.labels.subarray(540, 600)), "float32");
    const result = run.model.evaluate(x, y) as tf.Scalar[];
    const loss = (await result[0].data())[0];
    assert(Math.abs(loss - losses[best - 1]) < 1e-4, `evaluated ${loss}, recorded ${losses[best - 1]}`);
    // the checkpoint on disk holds the same model, and the cache gives the run back with its best epoch
    const checkpoint = JSON.parse(await Deno.readTextFile(`${run.path}.checkpoint/meta.json`));
    assertEquals(checkpoint.bestEpoch, best);
    const again = await trainPreset(config, data, { cacheDir: dir });
    assert(again.fromCache);
    assertEquals(again.bestEpoch, best);
    tf.dispose([x, y, ...result]);
    run.model.dispose();
    again.model.dispose();
  });
});

Deno.test("early stopping without validation data, or with patience 0, fails with a message", () => {
  assertThrows(
    () => makeTrainConfig({ preset: "mlp", validation: { kind: "none" }, earlyStopping: { patience: 2 } }),
    RangeError,
    "validation",
  );
  assertThrows(() => makeTrainConfig({ preset: "mlp", earlyStopping: { patience: 0 } }), RangeError, "patience");
  assertThrows(
    () => makeTrainConfig({ preset: "mlp", augment: { rotation: 5, zoom: 0.05, shift: 2 } }),
    RangeError,
    "shift",
  );
});

Deno.test("augmentation: a seeded run is deterministic and differs from training on the plain images", async () => {
  await withCacheDir(async (dir) => {
    const augment = { rotation: 5, zoom: 0.05, shift: 0.05 };
    const config = makeTrainConfig({ preset: "mlp", epochs: 2, trainCount: 500, augment });
    const a = await trainPreset(config, data, { cacheDir: dir });
    const b = await trainPreset(config, data, { cacheDir: dir, force: true });
    const plain = await trainPreset({ ...config, augment: undefined }, data, { cacheDir: dir });
    assert(!b.fromCache && a.path === b.path && a.path !== plain.path, "augmentation is part of the cache key");
    const wa = a.model.getWeights()[0].dataSync(), wb = b.model.getWeights()[0].dataSync();
    const wp = plain.model.getWeights()[0].dataSync();
    assertEquals(Array.from(wa), Array.from(wb));
    assert(wa.some((v, i) => v !== wp[i]), "the augmented run trained on other images");
    assertEquals(a.history.height, 2);
    for (const r of [a, b, plain]) r.model.dispose();
  });
});
