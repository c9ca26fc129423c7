/**
 * Models the fast path does not know (batch normalisation, other activations,
 * average pooling, channel counts that are not a multiple of 4, "same"
 * padding) take the stock training step, partly on stock kernels and partly
 * on ours (with their threads): they must train on wasm as on the cpu
 * backend, the reference.
 */
import { assert } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { sliceSplit } from "../src/data/splits.ts";
import { imageTensor, labelTensor } from "../src/data/tensors.ts";
import { directStepCount, directStepPlan } from "../src/backend/direct_step.ts";
import { withSeed } from "../src/random.ts";

/**
 * Tolerance, relative to each weight tensor's largest value: a single kernel
 * agrees with the cpu backend to 1e-4, and three SGD steps through batch
 * normalisation magnify that to a few 1e-4. (With the stock wasm kernels alone,
 * `MNIST_WASM_OVERRIDES_OFF=all`, the first weight is off by 3e-3: the stock
 * `MaxPoolGrad` drops the gradient of windows with no positive value.)
 */
const TRAINED_RTOL = 1e-3;

function assertTrainedClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert(actual.length === expected.length, `${what}: length`);
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    assert(Math.abs(a - e) <= TRAINED_RTOL * scale, `${what}: element ${i} is ${a} on wasm but ${e} on cpu`);
  }
}

const mnist = await loadMnist();
const split = sliceSplit(mnist.train, 0, 96);

/** A CNN of layers the direct step does not plan, and shapes our kernels hand to the stock ones. */
function unplannedModel(): tf.Sequential {
  return withSeed(21, () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 5, kernelSize: 3, padding: "same", activation: "tanh" }),
        tf.layers.batchNormalization(),
        tf.layers.averagePooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: "elu" }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 12, activation: "sigmoid" }),
        tf.layers.dense({ units: 10, activation: "softmax" }),
      ],
    }));
}

/** Trains the model for one epoch on `backend` with plain SGD (Adam's first steps magnify rounding noise). */
async function trainOn(backend: "cpu" | "wasm"): Promise<{ weights: Float32Array[]; direct: number }> {
  assert(await tf.setBackend(backend));
  const model = unplannedModel();
  model.compile({ optimizer: tf.train.sgd(0.1), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  const images = imageTensor(split), labels = labelTensor(split);
  const steps0 = directStepCount();
  await model.fit(images, labels, { batchSize: 32, epochs: 1, shuffle: false, verbose: 0 });
  const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  const direct = directStepCount() - steps0;
  tf.dispose([images, labels]);
  model.dispose();
  return { weights, direct };
}

Deno.test("models the fast path does not plan train on wasm's stock step as on the cpu backend", async () => {
  const plan = (() => {
    const model = unplannedModel();
    model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const p = directStepPlan(model);
    model.dispose();
    return p;
  })();
  assert(!plan.ok, "the direct step should not plan this model");
  try {
    const expected = await trainOn("cpu");
    const actual = await trainOn("wasm");
    assert(actual.direct === 0, "no direct steps");
    assert(actual.weights.length === expected.weights.length && actual.weights.length > 0);
    actual.weights.forEach((w, i) => assertTrainedClose(w, expected.weights[i], `weight ${i}`));
    // It learnt something: the weights moved away from the initial ones.
    const initial = unplannedModel();
    const moved = initial.getWeights().some((w, i) => {
      const v = w.dataSync();
      return v.some((x, j) => Math.abs(x - actual.weights[i][j]) > 1e-4);
    });
    initial.dispose();
    assert(moved, "training did not change the weights");
  } finally {
    assert(await tf.setBackend("wasm"));
  }
});
