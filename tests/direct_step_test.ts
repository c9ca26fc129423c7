/**
 * The direct training step (src/backend/direct_step.ts) against `model.fit`'s
 * own train function: every preset trained both ways on real MNIST images must
 * end with bit-identical weights and the same logged losses and accuracies,
 * with no tensors left behind; models the step does not plan must still train
 * through the stock path.
 */
import { assert, assertEquals } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { sliceSplit } from "../src/data/splits.ts";
import { imageTensor, labelTensor, oneHotTensor } from "../src/data/tensors.ts";
import { compileArgs, inputShapeOf, PRESETS } from "../src/models/presets.ts";
import { directStepCount, directStepPlan } from "../src/backend/direct_step.ts";
import { OVERRIDES_OFF_ENV_VAR } from "../src/backend/overrides.ts";
import { withSeed } from "../src/random.ts";

const mnist = await loadMnist();
// 150 images: batches of 32 leave a last batch of 22, so an uneven batch is trained too.
const split = sliceSplit(mnist.train, 0, 150);
const images = { mlp: imageTensor(split, [28, 28]), cnn: imageTensor(split, [28, 28, 1]) };
const labels = { sparse: labelTensor(split), onehot: oneHotTensor(split) };
/** The images in the shape `model` takes. */
const imagesFor = (model: tf.LayersModel) => (inputShapeOf(model).length === 2 ? images.mlp : images.cnn);

/** Runs `f` with `MNIST_WASM_OVERRIDES_OFF` set to `value` (undefined: unset). */
async function withOff<T>(value: string | undefined, f: () => Promise<T>): Promise<T> {
  const old = Deno.env.get(OVERRIDES_OFF_ENV_VAR);
  if (value === undefined) Deno.env.delete(OVERRIDES_OFF_ENV_VAR);
  else Deno.env.set(OVERRIDES_OFF_ENV_VAR, value);
  try {
    return await f();
  } finally {
    if (old === undefined) Deno.env.delete(OVERRIDES_OFF_ENV_VAR);
    else Deno.env.set(OVERRIDES_OFF_ENV_VAR, old);
  }
}

interface Trained {
  weights: Float32Array[];
  history: Record<string, number[]>;
  steps: number;
  /** Live tensors at the end of each epoch. */
  tensorsPerEpoch: number[];
}

/** Creates `preset` (seed 3) and trains it for 3 epochs with a seeded shuffle and validation. */
async function train(preset: string, off: string | undefined): Promise<Trained> {
  return await withOff(off, async () => {
    const p = PRESETS[preset];
    const model = p.create(3);
    const y = labels[p.labels];
    const steps0 = directStepCount();
    const tensorsPerEpoch: number[] = [];
    const callbacks = { onEpochEnd: () => void tensorsPerEpoch.push(tf.memory().numTensors) };
    const h = await withSeed(
      5,
      () =>
        model.fit(imagesFor(model), y, {
          batchSize: 32,
          epochs: 3,
          shuffle: true,
          validationSplit: 0.2,
          verbose: 0,
          callbacks,
        }),
    );
    const steps = directStepCount() - steps0;
    const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
    model.dispose();
    return { weights, history: h.history as Record<string, number[]>, steps, tensorsPerEpoch };
  });
}

for (const preset of ["mlp", "cnn", "wide-mlp", "deep-mlp", "deep-cnn"]) {
  Deno.test(`direct step: ${preset} trains bit for bit as model.fit's own step`, async () => {
    const stock = await train(preset, "Step");
    const direct = await train(preset, undefined);
    assertEquals(stock.steps, 0, "the stock run must not take the direct step");
    // 120 training images (20% validation) in batches of 32: 4 batches per epoch, 3 epochs
    assertEquals(direct.steps, 12, "the direct run must take the direct step for every batch");
    assertEquals(direct.history, stock.history);
    assertEquals(direct.weights.length, stock.weights.length);
    direct.weights.forEach((w, i) => {
      const s = stock.weights[i];
      assertEquals(w.length, s.length);
      let differ = 0;
      for (let j = 0; j < w.length; j++) if (!Object.is(w[j], s[j])) differ++;
      assertEquals(differ, 0, `weight ${i}: ${differ} of ${w.length} values differ`);
    });
    // The weights moved (a step that did nothing would also "match" an untrained model).
    const fresh = PRESETS[preset].create(3);
    const init = fresh.getWeights()[0].dataSync();
    fresh.dispose();
    assert(direct.weights[0].some((v, j) => v !== init[j]), "training changed the first weight");
    // No tensor leaks: as many live tensors after each epoch (the optimizer's moments appear in the first).
    const [e1, e2, e3] = direct.tensorsPerEpoch;
    assertEquals([e2, e3], [e1, e1], `live tensors per epoch: ${direct.tensorsPerEpoch}`);
    assertEquals(direct.tensorsPerEpoch, stock.tensorsPerEpoch);
  });
}

Deno.test("direct step: a model it does not plan (dropout) says why and trains through the stock step", async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 16, activation: "relu" }),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile(compileArgs("sparse"));
  const plan = directStepPlan(model);
  assert(!plan.ok && /Dropout is not planned/.test(plan.reason), JSON.stringify(plan));
  const steps0 = directStepCount();
  const h = await model.fit(imagesFor(model), labels.sparse, { batchSize: 50, epochs: 1, verbose: 0 });
  assertEquals(directStepCount(), steps0, "no direct steps");
  assert(Number.isFinite(h.history.loss[0] as number), "it trained");
  model.dispose();
});

Deno.test("direct step: a Dense layer on an image (no Flatten) is not planned", () => {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [28, 28, 1], units: 10, activation: "softmax" })],
  });
  model.compile(compileArgs("sparse"));
  const plan = directStepPlan(model);
  assert(!plan.ok && /Dense on an input of rank 4/.test(plan.reason), JSON.stringify(plan));
  model.dispose();
});

Deno.test("direct step: sample weights (classWeight) take the stock step", async () => {
  const model = PRESETS.mlp.create(3);
  const steps0 = directStepCount();
  const classWeight: Record<number, number> = {};
  for (let c = 0; c < 10; c++) classWeight[c] = c === 0 ? 2 : 1;
  await model.fit(imagesFor(model), labels.sparse, { batchSize: 50, epochs: 1, verbose: 0, classWeight });
  assertEquals(directStepCount(), steps0);
  model.dispose();
});

Deno.test("direct step: the cpu backend's models and other losses are not planned", () => {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: "softmax" })],
  });
  model.compile({ optimizer: "adam", loss: "meanSquaredError" });
  const plan = directStepPlan(model);
  assert(!plan.ok && /not the fused cross-entropy/.test(plan.reason), JSON.stringify(plan));
  model.dispose();
});
