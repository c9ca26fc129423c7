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
