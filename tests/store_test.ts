import { assert, assertEquals, assertRejects } from "./assert.ts";
import { join } from "node:path";
import { tf } from "../src/tf.ts";
import { cachePath, canonicalJson, configHash, hasModel, loadModel, readModelMeta, saveModel } from "../src/store.ts";
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
