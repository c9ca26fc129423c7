/**
 * Training throughput of the report's models: one epoch of `model.fit` over
 * the first N training images (Adam, the preset's loss, shuffled), after a
 * warm-up of one batch by default, as the PyTorch reference does (more with `--warmup`).
 *
 * @module
 */
import { tf } from "../../tf.ts";
import type { MnistSplit } from "../../data/mnist.ts";
import { imageTensor, labelTensor, oneHotTensor } from "../../data/tensors.ts";
import { compileArgs, createReportCnn, createReportMlp, inputShapeOf, MLP_INPUT_SHAPE } from "../../models/presets.ts";
import { setSeed, withSeed } from "../../random.ts";
import { peakRssMiB } from "./machine.ts";

/** The two models the report compares. */
export type BenchModel = "mlp" | "cnn" | "mlp4";

/** Models the bench knows: the report's two, and `mlp4`, the MLP with 4 hidden units (see {@link createFloorMlp}). */
export const BENCH_MODELS: readonly BenchModel[] = ["mlp", "cnn", "mlp4"];

/**
 * The report's MLP with 4 hidden units instead of 128: almost no arithmetic,
 * the same kernels and \`fit\` loop. Its speed is the floor a step's fixed
 * costs set for a two-layer network, whatever the kernels do
 * (`docs/PERFORMANCE.md` has the figures).
 */
export function createFloorMlp(seed = 1234): tf.LayersModel {
  setSeed(seed);
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: MLP_INPUT_SHAPE }),
      tf.layers.dense({ units: 4, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile(compileArgs("sparse"));
  return model;
}

/** One training measurement. */
export interface TrainingResult {
  model: BenchModel;
  batch: number;
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  /** Training accuracy over the epoch (a sanity check: it learns). */
  accuracy: number;
  /** Live tensors after the epoch minus before it (0: no leak). */
  tensorGrowth: number;
  /** Process peak RSS after this run, MiB. */
  peakRssMiB: number;
}

/** Trains a fresh report model for one epoch on `split` and times it. */
export async function benchTraining(
  split: MnistSplit,
  model: BenchModel,
  batch: number,
  warmupBatches = 1,
): Promise<TrainingResult> {
  const net = model === "mlp" ? createReportMlp(1234) : model === "mlp4" ? createFloorMlp() : createReportCnn(1234);
  const x = imageTensor(split, inputShapeOf(net));
  const y = model === "cnn" ? oneHotTensor(split) : labelTensor(split);
  try {
    // Warm-up (optimizer slots, packing, and V8's optimisation of TensorFlow.js's JavaScript): `warmupBatches`
    // batches from the start of the data, as whole passes over up to all of it.
    const warmCount = Math.min(split.count, warmupBatches * batch);
    const xw = x.slice(0, warmCount), yw = y.slice(0, warmCount);
    const warmEpochs = Math.max(1, Math.round((warmupBatches * batch) / warmCount));
    await net.fit(xw, yw, { batchSize: batch, epochs: warmEpochs, shuffle: false, verbose: 0 });
    tf.dispose([xw, yw]);
    const before = tf.memory().numTensors;
    const start = performance.now();
    // Seeded shuffle: the printed training accuracy is the same on every run.
    const history = await withSeed(
      1234,
      () => net.fit(x, y, { batchSize: batch, epochs: 1, shuffle: true, verbose: 0 }),
    );
    const seconds = (performance.now() - start) / 1000;
    const tensorGrowth = tf.memory().numTensors - before;
    const acc = history.history.acc ?? history.history.accuracy ?? [NaN];
    return {
      model,
      batch,
      samples: split.count,
      seconds,
      samplesPerSecond: split.count / seconds,
      accuracy: Number(acc[0]),
      tensorGrowth,
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    tf.dispose([x, y]);
    net.dispose();
  }
}
