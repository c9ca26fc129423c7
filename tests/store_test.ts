import { assert, assertEquals, assertRejects } from "./assert.ts";
import { join } from "node:path";
import { tf } from "../src/tf.ts";
import {
  CACHE_FORMAT,
  canonicalJson,
  hasModel,
  loadModel,
  ModelIntegrityError,
  readCacheEntry,
  readModelMeta,
  saveCacheEntry,
  saveModel,
} from "../src/store.ts";
import { createReportCnn, createReportMlp, inputShapeOf } from "../src/models/presets.ts";
import { writeFileAtomic } from "../src/fsutil.ts";

Deno.test("a saved and loaded model predicts exactly what the saved one did", async () => {
  const dir = await Deno.makeTempDir({ prefix: "store-" });
  try {
    for (const create of [createReportMlp, createReportCnn]) {
      const model = create(5);
      const input = tf.randomUniform([4, ...inputShapeOf(model)], 0, 1, "float32", 9);
      const before = (model.predict(input) as tf.Tensor).dataSync();
      const path = join(dir, create.name);
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
    assertEquals(names.length, 2);
    assertEquals([...Deno.readDirSync(join(dir, names[0]))].map((e) => e.name).sort(), [
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

Deno.test("canonical JSON is stable under key order", () => {
  assertEquals(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}');
  assertEquals(canonicalJson({ a: 1, b: undefined }), canonicalJson({ a: 1 }));
});

Deno.test("model.save('file://...') and tf.loadLayersModel('file://...') work as in tfjs-node", async () => {
  const dir = await Deno.makeTempDir({ prefix: "file-io-" });
  try {
    const model = createReportCnn(4);
    const input = tf.randomUniform([3, 28, 28, 1], 0, 1, "float32", 2);
    const before = Array.from((model.predict(input) as tf.Tensor).dataSync());
    const result = await model.save(`file://${dir}/report-cnn`);
    assertEquals(result.modelArtifactsInfo.modelTopologyType, "JSON");
    assertEquals([...Deno.readDirSync(join(dir, "report-cnn"))].map((e) => e.name).sort(), [
      "integrity.json",
      "model.json",
      "weights.bin",
    ]);
    const loaded = await tf.loadLayersModel(`file://${dir}/report-cnn/model.json`);
    assertEquals(Array.from((loaded.predict(input) as tf.Tensor).dataSync()), before);
    // a relative path is relative to the working directory, as in tfjs-node
    const cwd = Deno.cwd();
    Deno.chdir(dir);
    try {
      await model.save("file://relative/model");
      assert(await hasModel(join(dir, "relative", "model")));
    } finally {
      Deno.chdir(cwd);
    }
    // with its optimizer, the loaded model is compiled and can be evaluated or trained further
    await model.save(`file://${dir}/with-optimizer`, { includeOptimizer: true });
    const compiled = await tf.loadLayersModel(`file://${dir}/with-optimizer/model.json`);
    assert(compiled.optimizer !== undefined, "compiled from its training config");
    // broken folders fail with a message naming the file
    await assertRejects(() => tf.loadLayersModel(`file://${dir}/nothing/model.json`), Error, "no saved model");
    await Deno.writeTextFile(join(dir, "report-cnn", "model.json"), JSON.stringify({ modelTopology: {} }));
    await assertRejects(
      () => tf.loadLayersModel(`file://${dir}/report-cnn/model.json`),
      ModelIntegrityError,
      "report-cnn/model.json: its SHA-256",
    );
    await Deno.remove(join(dir, "report-cnn", "integrity.json")); // a folder another tool wrote: no record
    await assertRejects(
      () => tf.loadLayersModel(`file://${dir}/report-cnn/model.json`),
      Error,
      "report-cnn/model.json is not a TF.js layers model",
    );
    tf.dispose([input]);
    for (const m of [model, loaded, compiled]) m.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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

Deno.test("a cache entry is checked before use: its files' SHA-256 and its record of the run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "store-entry-" });
  try {
    const model = createReportMlp(1);
    const meta = {
      format: CACHE_FORMAT,
      key: { test: true },
      rows: [{ epoch: 1, loss: 0.5, accuracy: 0.8, seconds: 1 }],
      history: { epoch: [0], history: { loss: [0.5], acc: [0.8] }, params: {} },
      seconds: 1,
      savedAt: "2026-12-01T00:00:00.000Z",
      randomAfter: 7,
      optimizer: null,
      callbackStates: [],
      batches: 3,
    };
    const path = join(dir, "entry");
    await saveCacheEntry(path, model, meta, null);
    const entry = await readCacheEntry(path);
    assertEquals(entry?.meta.rows, meta.rows);
    tf.dispose(entry!.weights);
    // a hand edit that keeps the JSON valid is caught by the recorded hash, naming the file
    const metaPath = join(path, "meta.json");
    await Deno.writeTextFile(metaPath, JSON.stringify({ ...meta, rows: [] }));
    const edited = await assertRejects(() => readCacheEntry(path), ModelIntegrityError);
    assert(edited.message.includes(metaPath) && edited.message.includes("SHA-256"), edited.message);
    // a broken record is refused before anything is written from it, even with a matching hash
    await assertRejects(() => saveCacheEntry(path, model, { ...meta, rows: [] }, null), Error, "history is empty");
    assertEquals(await readCacheEntry(join(dir, "nothing")), null);
    model.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
