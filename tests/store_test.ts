import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { join } from "node:path";
import { tf } from "../src/tf.ts";
import {
  cachePath,
  canonicalJson,
  configHash,
  hasModel,
  loadModel,
  ModelIntegrityError,
  readModelMeta,
  saveModel,
} from "../src/store.ts";
import { checkRunMeta } from "../src/run_meta.ts";
import { createReportCnn, createReportMlp } from "../src/models/presets.ts";
import { writeFileAtomic } from "../src/fsutil.ts";

Deno.test("a saved and loaded model predicts exactly what the saved one did", async () => {
  const dir = await Deno.makeTempDir({ prefix: "store-" });
  try {
    for (const create of [createReportMlp, createReportCnn]) {
      const model = create(5);
      const input = tf.randomUniform([4, 28, 28, 1], 0, 1, "float32", 9);
      const before = (model.predict(input) as tf.Tensor).dataSync();
      const path = join(dir, model.name);
      await saveModel(model, path, { note: "test" });
      assert(await hasModel(path));
      assertEquals(await readModelMeta(path), { note: "test" });
      const json = JSON.parse(await Deno.readTextFile(join(path, "model.json")));
      assertEquals(json.format, "layers-model");
      assertEquals(json.weightsManifest[0].paths, ["weights.bin"]);
      const loaded = await loadModel(path);
      const after = (loaded.predict(input) as tf.Tensor).dataSync();
      assertEquals(Array.from(after), Array.from(before));
      assertEquals(loaded.countParams(), model.countParams());
      tf.dispose(input);
    }
    // nothing temporary is left behind
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(names, ["report_cnn", "report_mlp"]);
    assertEquals([...Deno.readDirSync(join(dir, "report_mlp"))].map((e) => e.name).sort(), [
      "integrity.json",
      "meta.json",
      "model.json",
      "weights.bin",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saving over a model replaces it whole; damaged weights fail clearly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "store-" });
  try {
    const path = join(dir, "m");
    await saveModel(createReportMlp(1), path);
    await saveModel(createReportMlp(2), path, { seed: 2 });
    assertEquals(await readModelMeta(path), { seed: 2 });
    const weights = await Deno.readFile(join(path, "weights.bin"));
    await Deno.writeFile(join(path, "weights.bin"), weights.subarray(0, 100));
    await assertRejects(() => loadModel(path), Error, "damaged");
    await assertRejects(() => loadModel(join(dir, "nothing")), Error, "no saved model");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache keys are stable under key order and change with any field", async () => {
  assertEquals(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}');
  assertEquals(await configHash({ a: 1, b: 2 }), await configHash({ b: 2, a: 1 }));
  const base = { preset: "cnn", epochs: 5, seed: 1 };
  const a = await cachePath(base, "/cache");
  assert(a.startsWith("/cache/cnn-"));
  assert(a !== await cachePath({ ...base, epochs: 10 }, "/cache"));
  assert(a !== await cachePath({ ...base, seed: 2 }, "/cache"));
});

Deno.test("writeFileAtomic leaves the old file when the write fails", async () => {
  const dir = await Deno.makeTempDir({ prefix: "atomic-" });
  try {
    const path = join(dir, "x.txt");
    await writeFileAtomic(path, "first");
    await Deno.chmod(dir, 0o500); // no new files can be created
    const isRoot = Deno.uid() === 0; // root ignores permissions: then just check the normal path
    if (!isRoot) await assertRejects(() => writeFileAtomic(path, "second"));
    await Deno.chmod(dir, 0o700);
    assertEquals(await Deno.readTextFile(path), "first");
    await writeFileAtomic(path, "second");
    assertEquals(await Deno.readTextFile(path), "second");
    assertEquals([...Deno.readDirSync(dir)].length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("integrity: weights or model.json changed after saving are refused, naming the folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "store-integrity-" });
  try {
    const path = join(dir, "cnn-abc");
    await saveModel(createReportCnn(3), path, { note: "x" });
    const weightsPath = join(path, "weights.bin");
    const original = await Deno.readFile(weightsPath);
    // same size, finite numbers: only the recorded SHA-256 tells
    const damaged = original.slice();
    new Float32Array(damaged.buffer, damaged.length / 2 - ((damaged.length / 2) % 4)).fill(0.5);
    await Deno.writeFile(weightsPath, damaged);
    const error = await assertRejects(() => loadModel(path), ModelIntegrityError);
    assert(error.message.includes(path) && error.message.includes("weights.bin"), error.message);
    assert(error.message.includes("delete"), `says what to do: ${error.message}`);
    await Deno.writeFile(weightsPath, original);
    (await loadModel(path)).dispose();

    const jsonPath = join(path, "model.json");
    const json = await Deno.readTextFile(jsonPath);
    await Deno.writeTextFile(jsonPath, json.replace('"units":100', '"units":101'));
    const jsonError = await assertRejects(() => loadModel(path), ModelIntegrityError);
    assert(jsonError.message.includes("model.json"), jsonError.message);
    await Deno.writeTextFile(jsonPath, json);

    // saved before integrity records: loads as any TF.js model, but the cache does not trust it
    await Deno.remove(join(path, "integrity.json"));
    (await loadModel(path)).dispose();
    const legacy = await assertRejects(() => loadModel(path, { requireIntegrity: true }), ModelIntegrityError);
    assert(legacy.message.includes("integrity.json"), legacy.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a model.json without a weights manifest, or pointing outside its folder, names the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "store-json-" });
  try {
    const path = join(dir, "m");
    await saveModel(createReportMlp(1), path);
    await Deno.remove(join(path, "integrity.json"));
    const jsonPath = join(path, "model.json");
    const json = JSON.parse(await Deno.readTextFile(jsonPath));
    await Deno.writeTextFile(jsonPath, JSON.stringify({ ...json, weightsManifest: undefined }));
    const missing = await assertRejects(() => loadModel(path), Error);
    assert(missing.message.includes(jsonPath) && missing.message.includes("weightsManifest"), missing.message);
    json.weightsManifest[0].paths = ["../../etc/passwd"];
    await Deno.writeTextFile(jsonPath, JSON.stringify(json));
    const outside = await assertRejects(() => loadModel(path), Error);
    assert(outside.message.includes(jsonPath) && outside.message.includes("../../etc/passwd"), outside.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkRunMeta: a cache entry's history must be finite numbers with the expected keys", () => {
  const file = "/cache/mlp-1/meta.json";
  const good = {
    config: { preset: "mlp" },
    history: [{ epoch: 1, loss: 0.5, accuracy: 0.8 }, { epoch: 2, loss: 0.4, accuracy: 0.9 }],
  };
  assertEquals(checkRunMeta(good, file).history.length, 2);
  const bad: [unknown, string][] = [
    [null, "not a JSON object"],
    [{ ...good, history: [] }, "history is empty"],
    [{ ...good, history: "garbage" }, "history is not a list"],
    [{ ...good, history: [{ epoch: 1, loss: "oops", accuracy: 0.8 }] }, "loss"],
    [{ ...good, history: [{ epoch: 1, loss: NaN, accuracy: 0.8 }] }, "loss"],
    [{ ...good, history: [{ epoch: 1, accuracy: 0.8 }] }, "loss"],
    [{ ...good, history: [{ epoch: 2, loss: 1, accuracy: 0.8 }] }, "epoch"],
    [
      { ...good, history: [{ epoch: 1, loss: 1, accuracy: 0.8, val_loss: 1 }, { epoch: 2, loss: 1, accuracy: 1 }] },
      "keys",
    ],
    [{ ...good, bestEpoch: 7 }, "bestEpoch"],
  ];
  for (const [meta, problem] of bad) {
    const error = assertThrows(() => checkRunMeta(meta, file), ModelIntegrityError);
    assert(error.message.includes(file) && error.message.includes(problem), `${problem}: ${error.message}`);
  }
});
