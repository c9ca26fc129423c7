/**
 * The fast path is installed by `compile` itself (src/tf.ts), for any model:
 * a plain `tf.sequential` written as a student writes it takes the direct
 * training step on wasm, exactly as the presets do, and a model the fast path
 * does not plan (dropout) says why and keeps TF.js's stock functions.
 */
import { assert, assertEquals } from "./assert.ts";
import { backendName, tf } from "../src/tf.ts";
import { fastPathReport } from "../src/backend/fast_path.ts";
import { directStepCount } from "../src/backend/direct_step.ts";
import { isFused } from "../src/backend/fused_loss.ts";
import { setSeed } from "../src/random.ts";

const onWasm = backendName() === "wasm";

function studentMlp(extra: tf.layers.Layer[] = []): tf.Sequential {
  setSeed(3);
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({ units: 16, activation: "relu" }),
      ...extra,
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

Deno.test({
  name: "a plain tf.sequential gets the fused loss and the direct step at compile, and trains through it",
  ignore: !onWasm,
  async fn() {
    const model = studentMlp();
    const report = fastPathReport(model);
    assertEquals(report?.loss, { installed: true, labels: "sparse" });
    const step = report!.step;
    assert(step.ok, step.ok ? "" : step.reason);
    const inner = (model as unknown as { model: { lossFunctions: unknown[] } }).model;
    assert(isFused(inner.lossFunctions[0]), "the compiled loss is the fused one");
    const x = tf.randomUniform([64, 28, 28], 0, 1, "float32", 1);
    const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), "float32");
    const before = directStepCount();
    await model.fit(x, y, { batchSize: 32, epochs: 1, verbose: 0 });
    assertEquals(directStepCount() - before, 2, "both batches took the direct step");
    tf.dispose([x, y]);
    model.dispose();
  },
});

Deno.test({
  name: "dropout: the fast path says why it does not plan the model, and the stock step trains it",
  ignore: !onWasm,
  async fn() {
    const model = studentMlp([tf.layers.dropout({ rate: 0.5 })]);
    const step = fastPathReport(model)!.step;
    assert(!step.ok && /Dropout is not planned/.test(step.reason), JSON.stringify(step));
    const x = tf.randomUniform([64, 28, 28], 0, 1, "float32", 2);
    const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), "float32");
    const before = directStepCount();
    const h = await model.fit(x, y, { batchSize: 32, epochs: 2, verbose: 0 });
    assertEquals(directStepCount(), before);
    assert((h.history.loss as number[]).every(Number.isFinite));
    tf.dispose([x, y]);
    model.dispose();
  },
});

Deno.test("a loss the fast path does not know keeps TF.js's own (binary cross-entropy, mean squared error)", () => {
  for (const loss of ["binaryCrossentropy", "meanSquaredError"]) {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 1, activation: "sigmoid" })] });
    model.compile({ optimizer: "sgd", loss });
    const report = fastPathReport(model);
    if (onWasm) assert(report && !report.loss.installed, `${loss}: ${JSON.stringify(report)}`);
    const inner = (model as unknown as { model: { lossFunctions: unknown[] } }).model;
    assert(!isFused(inner.lossFunctions[0]));
    model.dispose();
  }
});
