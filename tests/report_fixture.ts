/**
 * A `reproduce` result made without training: the real MNIST test images (a
 * slice), evaluations whose predictions are the labels with a few changed,
 * registry specs, and stand-in models that only count parameters. Enough for
 * every table builder of `REPORT_TABLES` and for REPORT.md's text, in a
 * second or two.
 */
import { loadMnist } from "../src/data/mnist.ts";
import { sliceSplit } from "../src/data/splits.ts";
import { getRun, type RunResult } from "../src/runs.ts";
import type { Evaluation } from "../src/evaluate.ts";
import type { EpochRow } from "../src/display/training.ts";
import type { ReproduceResults } from "../src/report/results.ts";
import { SOURCE_RUNS, type SourceRun } from "../src/report/sources.ts";
import type { StudyResult } from "../src/draw/study.ts";
import type { tf } from "../src/tf.ts";

/** Test images of the fixture (the untrained source 003 table shows the first 1,000). */
const TEST_IMAGES = 1000;
/** Training images the fixture claims (only counts are read). */
const TRAIN_IMAGES = 2000;

/** `epochs` rows whose held-out loss is lowest at epoch `lowest` and rises after it. */
export function epochRows(epochs: number, lowest = Math.min(6, epochs)): EpochRow[] {
  return Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    loss: 0.3 / (i + 1),
    accuracy: Math.min(1, 0.9 + i / 1000),
    val_loss: i + 1 === lowest ? 0.07 : i + 1 < lowest ? 0.2 - i * 0.02 : 0.1 + i / 1000,
    val_accuracy: 0.97 + (i % 3) / 1000,
  }));
}

/** A model that answers `countParams` and lists layers with their parameters (all a table reads of it). */
function countingModel(layers: [string, number][]): tf.LayersModel {
  return {
    layers: layers.map(([name, count]) => ({ getClassName: () => name, countParams: () => count })),
    countParams: () => layers.reduce((sum, [, count]) => sum + count, 0),
  } as unknown as tf.LayersModel;
}

/** Predictions equal to `labels`, except every `every`-th one, which is moved to the next digit. */
function predictionsOf(labels: Uint8Array, every: number): Uint8Array {
  return labels.map((label, i) => (i % every === 0 ? (label + 1) % 10 : label));
}

function evaluation(labels: Uint8Array, every: number, loss: number): Evaluation {
  const predictions = predictionsOf(labels, every);
  const right = predictions.filter((p, i) => p === labels[i]).length;
  return {
    accuracy: right / labels.length,
    loss,
    predictions,
    probabilities: new Float32Array(labels.length * 10),
    count: labels.length,
  };
}

/** A fake `reproduce` result with every report run and every source run. */
export async function fakeResults(quick = false): Promise<ReproduceResults> {
  const mnist = await loadMnist();
  const test = sliceSplit(mnist.test, 0, TEST_IMAGES);
  const train = sliceSplit(mnist.train, 0, TRAIN_IMAGES);
  const mlp = countingModel([["Flatten", 0], ["Dense", 100480], ["Dense", 1290]]);
  const cnn = countingModel([["Conv2D", 320], ["MaxPooling2D", 0], ["Flatten", 0], ["Dense", 540900], ["Dense", 1010]]);
  const run = (name: string, model: tf.LayersModel, epochs: number, extra: Partial<RunResult> = {}): RunResult => ({
    spec: getRun(name),
    model,
    history: { path: `/cache/${name}` } as RunResult["history"],
    rows: epochRows(epochs),
    fromCache: true,
    seconds: epochs * 2,
    train,
    ...extra,
  });
  const evaluated = (result: RunResult, every: number) => ({
    run: result,
    train: evaluation(train.labels, every * 2, 0.02),
    test: evaluation(test.labels, every, 0.05),
  });
  const sourceRun = (name: SourceRun, i: number) => {
    const spec = getRun(name);
    const result = run(
      name,
      spec.preset.includes("cnn") ? cnn : mlp,
      name === "source-002-early-stopping" ? 15 : spec.epochs,
      {
        ...(name === "source-002-early-stopping" ? { bestEpoch: 12 } : {}),
        ...(name === "source-001-cnn-fewer-eights" ? { train: sliceSplit(train, 0, TRAIN_IMAGES - 30) } : {}),
      },
    );
    return [name, evaluated(result, 20 + i)] as const;
  };
  const labels = Uint8Array.from([1, 2, 3, 4]);
  const answers = (right: boolean[]) => Uint8Array.from(right, (ok, i) => (ok ? labels[i] : (labels[i] + 1) % 10));
  const modes = { v1: answers([false, true, false, true]), v2: answers([true, true, true, false]), v3: labels };
  const drawings: StudyResult = {
    prepared: {
      specs: [...labels].map((label, i) => ({ index: i, label, x: 0, y: 0, pen: 10 + i * 4, height: 150 })),
      labels,
      inputs: {} as StudyResult["prepared"]["inputs"],
      milliseconds: 0,
    },
    predictions: Object.fromEntries(SOURCE_RUNS.filter((n) => n.startsWith("source-001")).map((n) => [n, modes])),
    mnistAccuracy: Object.fromEntries(SOURCE_RUNS.filter((n) => n.startsWith("source-001")).map((n) => [n, 1])),
    table: null as unknown as StudyResult["table"],
  };
  return {
    quick,
    data: { train, test, quick },
    runs: {
      "mlp-5": evaluated(run("mlp-5", mlp, 5), 40),
      "mlp-10": evaluated(run("mlp-10", mlp, 10), 45),
      "cnn-5": evaluated(run("cnn-5", cnn, 5), 70),
      "cnn-10": evaluated(run("cnn-10", cnn, 10), 80),
    },
    sources: {
      runs: Object.fromEntries(SOURCE_RUNS.map(sourceRun)) as NonNullable<ReproduceResults["sources"]>["runs"],
      drawings,
    },
  };
}
