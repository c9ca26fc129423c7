/**
 * What the course notebooks share: quick or full mode, the report's
 * experiments as training configs (the same ones `reproduce` uses, so both hit
 * the same cached models), training with a live progress display in Jupyter,
 * and small tables of results.
 *
 * Environment variables (all optional):
 * - `MNIST_QUICK=1`: quick mode, a small slice and one epoch (see `src/experiments.ts`);
 * - `MNIST_CACHE_DIR`: where trained models are cached (default `data/models/`);
 * - `MNIST_RETRAIN=1`: train again even when the cache has the model.
 *
 * @module
 */
import pl from "nodejs-polars";
import { relative } from "node:path";
import { repoRoot } from "./fsutil.ts";
import type { tf } from "./tf.ts";
import { loadMnist, type MnistData, type MnistSplit, NUM_CLASSES } from "./data/mnist.ts";
import { sliceSplit } from "./data/splits.ts";
import { experimentPlan, isQuickMode, QUICK } from "./experiments.ts";
import { type TrainConfig, trainPreset, type TrainResult } from "./train.ts";
import { formatEpochLine, type ProgressReporter, terminalProgress } from "./progress.ts";
import { type Evaluation, overfittingGap } from "./evaluate.ts";
export { agreementFrame, disagreementIndices, mistakeIndices, perClassFrame } from "./evaluate.ts";
import {
  comparisonTable,
  formatComparisonCell,
  metricsOf,
  type ModelMetrics,
  REPORT_PUBLISHED,
} from "./report/comparison.ts";
export { metricsOf } from "./report/comparison.ts";
import { escapeXml, JUPYTER_DISPLAY, type MimeBundle } from "./plots/figure.ts";

/** Environment variable naming the model cache folder. */
export const CACHE_DIR_ENV_VAR = "MNIST_CACHE_DIR";
/** Environment variable that forces retraining. */
export const RETRAIN_ENV_VAR = "MNIST_RETRAIN";

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env
  }
}

/** True in quick mode (`MNIST_QUICK=1`): small slices and one epoch, for tests and dry runs. */
export function isQuick(): boolean {
  return isQuickMode();
}

/** The model cache folder from `MNIST_CACHE_DIR`, or undefined for the default `data/models/`. */
export function cacheDirFromEnv(): string | undefined {
  const value = readEnv(CACHE_DIR_ENV_VAR)?.trim();
  return value ? value : undefined;
}

/** True when `MNIST_RETRAIN=1` asks to train again instead of loading cached models. */
export function retrainFromEnv(): boolean {
  const value = readEnv(RETRAIN_ENV_VAR)?.trim().toLowerCase();
  return value !== undefined && value !== "" && value !== "0" && value !== "false";
}

/** The report's four runs, named by model and epochs. */
export interface ExperimentConfigs {
  /** The report's MLP after 5 epochs (1 in quick mode): validation split 0.1. */
  mlp5: TrainConfig;
  /** The MLP after 10 epochs (2 in quick mode). */
  mlp10: TrainConfig;
  /** The report's CNN after 5 epochs (1 in quick mode), validated on the test set. */
  cnn5: TrainConfig;
  /** The CNN after 10 epochs (2 in quick mode). */
  cnn10: TrainConfig;
  /** Epochs after which the 10-epoch runs save a snapshot: the 5-epoch models. */
  snapshotEpochs: number[];
  quick: boolean;
}

/** Names of the four runs. */
export type ExperimentName = "mlp5" | "mlp10" | "cnn5" | "cnn10";

/**
 * The configs of the report's experiments, from `experimentPlan` (shared with
 * `reproduce`): the 10-epoch runs are trained with a snapshot after epoch 5,
 * and that snapshot is the 5-epoch model.
 *
 * @example
 * const { mlp5, cnn5 } = experimentConfigs(isQuick());
 */
export function experimentConfigs(quick: boolean = isQuick()): ExperimentConfigs {
  const plan = experimentPlan(quick);
  return {
    mlp5: plan.mlpEarly,
    mlp10: plan.mlpLate,
    cnn5: plan.cnnEarly,
    cnn10: plan.cnnLate,
    snapshotEpochs: [plan.earlyEpochs],
    quick,
  };
}

/** MNIST and the images a notebook evaluates on (all of them, or the quick slices). */
export interface CourseData {
  mnist: MnistData;
  /** Training images to evaluate on: all 60,000, or the first 2,000 in quick mode. */
  train: MnistSplit;
  /** Test images: all 10,000, or the first 500 in quick mode. */
  test: MnistSplit;
  quick: boolean;
}

/** Loads MNIST and picks the evaluation splits of the mode. */
export async function loadCourseData(quick: boolean = isQuick()): Promise<CourseData> {
  const mnist = await loadMnist();
  if (!quick) return { mnist, train: mnist.train, test: mnist.test, quick };
  return {
    mnist,
    train: sliceSplit(mnist.train, 0, QUICK.trainCount),
    test: sliceSplit(mnist.test, 0, QUICK.testCount),
    quick,
  };
}

/** A line of text shown both as HTML and as plain text. */
export class Note {
  constructor(readonly text: string, readonly tone: "info" | "warning" = "info") {}
  /** What Jupyter shows. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const color = this.tone === "warning" ? "#8a4b00" : "#1f3b57";
    const background = this.tone === "warning" ? "#fff4e0" : "#eef4fa";
    return {
      "text/html":
        `<div style="padding:6px 10px;border-left:4px solid ${color};background:${background};color:${color};white-space:pre-wrap">${
          escapeXml(this.text)
        }</div>`,
      "text/plain": this.text,
    };
  }
  toString(): string {
    return this.text;
  }
}

/**
 * One line saying which mode runs and what it means for the numbers.
 *
 * @param trains false for a notebook that trains nothing (quick mode changes nothing there)
 */
export function modeBanner(quick: boolean = isQuick(), trains = true): Note {
  if (!trains) {
    return quick
      ? new Note(
        "QUICK MODE (MNIST_QUICK=1): this notebook trains nothing, so it shows the full data set anyway.",
        "warning",
      )
      : new Note("Full mode: all 60,000 training and 10,000 test images.");
  }
  if (quick) {
    return new Note(
      `QUICK MODE (MNIST_QUICK=1): ${QUICK.trainCount.toLocaleString("en-US")} training and ${
        QUICK.testCount.toLocaleString("en-US")
      } test images, 1 epoch (2 for the "10-epoch" runs). ` +
        `The numbers below are a dry run, not the report's.`,
      "warning",
    );
  }
  return new Note("Full mode: all 60,000 training and 10,000 test images, the report's epochs.");
}

// ---------------------------------------------------------------- progress in Jupyter

/** The part of `Deno.jupyter` we use (available only inside the Deno kernel). */
export interface JupyterApi {
  broadcast(msgType: string, content: Record<string, unknown>): Promise<void>;
}

/** `Deno.jupyter` inside the Deno kernel; undefined elsewhere (where reading it throws). */
function jupyterApi(): JupyterApi | undefined {
  try {
    return (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
  } catch {
    return undefined;
  }
}

/** True when running inside the Deno Jupyter kernel. */
export function inJupyter(): boolean {
  return jupyterApi() !== undefined;
}

/** A progress reporter that can wait until everything it displayed has been sent. */
export interface FlushableProgress extends ProgressReporter {
  /** Resolves when every display message has been sent. */
  flush(): Promise<void>;
}

/** Minimum time between two redraws of the progress bar, in milliseconds. */
const REDRAW_INTERVAL_MS = 250;
const BAR_WIDTH = 30;

/**
 * Training progress for a notebook: one display that updates in place while
 * training runs, with a Keras-like line per finished epoch and a bar for the
 * current one. Outside Jupyter it falls back to {@link terminalProgress}.
 *
 * @param jupyter the kernel's display API (default `Deno.jupyter`; tests pass a fake)
 */
export function notebookProgress(jupyter: JupyterApi | undefined = jupyterApi()): FlushableProgress {
  if (!jupyter) return { ...terminalProgress(), flush: () => Promise.resolve() };
  const displayId = `training-progress-${crypto.randomUUID()}`;
  const lines: string[] = [];
  let pending: Promise<void> = Promise.resolve();
  let shown = false;
  let epochNo = 0;
  let epochCount = 0;
  let batches = 0;
  let done = 0;
  let started = 0;
  let lastDraw = 0;
  let epochEnded = false;

  const bundle = (): MimeBundle => {
    const running = epochNo > 0 && !epochEnded;
    const elapsed = (performance.now() - started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (batches - done) : 0;
    const status = done < batches ? `ETA ${eta.toFixed(0)}s` : "evaluating";
    const current = running ? `Epoch ${epochNo}/${epochCount} ${done}/${batches} - ${status}` : "";
    const filled = batches > 0 ? Math.round((done / batches) * BAR_WIDTH) : 0;
    const bar = running ? `[${"=".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ` : "";
    const html = `<pre style="margin:0">${escapeXml(lines.join("\n"))}</pre>` +
      (running
        ? `<div><progress value="${done}" max="${batches}" style="width:320px"></progress> ${escapeXml(current)}</div>`
        : "");
    return { "text/html": html, "text/plain": [...lines, running ? bar + current : ""].join("\n").trimEnd() };
  };
  const send = () => {
    const type = shown ? "update_display_data" : "display_data";
    shown = true;
    const content = { data: bundle(), metadata: {}, transient: { display_id: displayId } };
    pending = pending.then(() => jupyter.broadcast(type, content)).catch(() => {});
  };
  return {
    epochStart(epoch, epochs, batchCount) {
      epochNo = epoch;
      epochCount = epochs;
      batches = batchCount;
      done = 0;
      epochEnded = false;
      started = performance.now();
      lastDraw = started;
      send();
    },
    batchEnd(batch) {
      done = batch + 1;
      const now = performance.now();
      if (now - lastDraw < REDRAW_INTERVAL_MS) return;
      lastDraw = now;
      send();
    },
    epochEnd(epoch, logs, seconds) {
      done = batches;
      epochEnded = true;
      lines.push(formatEpochLine(epoch, epochCount, batches, logs, seconds));
      send();
    },
    flush: () => pending,
  };
}

// ---------------------------------------------------------------- training

/** Options of {@link trainExperiment}. */
export interface ExperimentOptions {
  /** Train again even when the cache has the model (also when `MNIST_RETRAIN=1`). */
  retrain?: boolean;
  /** Model cache folder (default: `MNIST_CACHE_DIR`, else `data/models/`). */
  cacheDir?: string;
  /** Quick or full (default: `MNIST_QUICK`). */
  quick?: boolean;
}

/**
 * Trains one of the report's runs (or loads it from the model cache), showing
 * progress live. The 10-epoch runs save their epoch-5 snapshot on the way, so
 * the 5-epoch models are cached too.
 *
 * @example
 * const { model, history } = await trainExperiment("mlp5", data.mnist);
 */
export async function trainExperiment(
  name: ExperimentName,
  mnist: MnistData,
  options: ExperimentOptions = {},
): Promise<TrainResult> {
  const configs = experimentConfigs(options.quick ?? isQuick());
  return await trainRun(configs[name], mnist, {
    ...options,
    snapshotEpochs: name.endsWith("10") ? configs.snapshotEpochs : [],
  });
}

/**
 * Trains any run (or loads it from the model cache), showing progress live:
 * what {@link trainExperiment} does for the report's runs, for any config
 * (notebook 06's extensions).
 */
export async function trainRun(
  config: TrainConfig,
  mnist: MnistData,
  options: ExperimentOptions & { snapshotEpochs?: number[] } = {},
): Promise<TrainResult> {
  const progress = notebookProgress();
  const result = await trainPreset(config, mnist, {
    progress,
    force: (options.retrain ?? false) || retrainFromEnv(),
    cacheDir: options.cacheDir ?? cacheDirFromEnv(),
    snapshotEpochs: options.snapshotEpochs ?? [],
  });
  await progress.flush();
  return result;
}

/** For a run with early stopping: which epoch's model was kept, and when training stopped. */
function kept(result: TrainResult): string {
  if (result.bestEpoch === undefined) return "";
  const ran = result.history.height;
  return `\nEarly stopping: the model kept is the checkpoint of epoch ${result.bestEpoch} (the lowest val_loss); ` +
    `training ran ${ran} epoch${ran === 1 ? "" : "s"}.`;
}

/** One sentence on where a trained model came from, for the line after the training cell. */
export function trainingNote(result: TrainResult): Note {
  const where = relative(repoRoot(), result.path);
  if (result.fromCache) {
    const rows = result.history.toRecords() as Record<string, number>[];
    const metric = (row: Record<string, number>, name: string) =>
      row[name] === undefined ? "" : ` - ${name}: ${row[name].toFixed(4)}`;
    const lines = rows.map((row) =>
      `Epoch ${row.epoch}/${rows.length}` + metric(row, "accuracy") + metric(row, "loss") +
      metric(row, "val_accuracy") + metric(row, "val_loss")
    );
    return new Note(
      `Loaded the trained model from the cache (${where}); set MNIST_RETRAIN=1 or retrain = true to train again. ` +
        `Its training, as recorded when it ran:\n${lines.join("\n")}${kept(result)}`,
    );
  }
  return new Note(`Trained in ${result.seconds.toFixed(1)} s and saved to ${where}.${kept(result)}`);
}

// ---------------------------------------------------------------- result tables

/** Accuracy and loss on the training and the test images, one row per split. */
export function evaluationFrame(train: Evaluation, test: Evaluation): pl.DataFrame {
  return pl.DataFrame({
    data: ["train", "test"],
    images: [train.count, test.count],
    accuracy: [train.accuracy, test.accuracy],
    loss: [train.loss, test.loss],
  });
}

/** The parameter count of each model as a table. */
export function parameterFrame(models: Record<string, tf.LayersModel>): pl.DataFrame {
  const names = Object.keys(models);
  return pl.DataFrame({
    model: names,
    layers: names.map((n) => models[n].layers.length),
    parameters: names.map((n) => models[n].countParams()),
  });
}

/** Shape, type and value range of the four MNIST arrays, as the report prints them after loading. */
export function shapesFrame(mnist: MnistData): pl.DataFrame {
  const arrays = [
    { name: "training images", shape: [mnist.train.count, 28, 28], data: mnist.train.images },
    { name: "training labels", shape: [mnist.train.count], data: mnist.train.labels },
    { name: "test images", shape: [mnist.test.count, 28, 28], data: mnist.test.images },
    { name: "test labels", shape: [mnist.test.count], data: mnist.test.labels },
  ];
  const range = (data: Uint8Array) => {
    let min = 255;
    let max = 0;
    for (const v of data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return [min, max];
  };
  return pl.DataFrame({
    array: arrays.map((a) => a.name),
    shape: arrays.map((a) => `(${a.shape.join(", ")})`),
    dtype: arrays.map(() => "uint8"),
    min: arrays.map((a) => range(a.data)[0]),
    max: arrays.map((a) => range(a.data)[1]),
  });
}

/** The overfitting gap with the 5-point rule, as a note (a warning above 5 points). */
export function gapNote(train: Evaluation, test: Evaluation): Note {
  const gap = overfittingGap(train.accuracy, test.accuracy);
  return new Note(
    `train accuracy ${(gap.trainAccuracy * 100).toFixed(2)}% − test accuracy ${
      (gap.testAccuracy * 100).toFixed(2)
    }%: ${gap.verdict}`,
    gap.overfitting ? "warning" : "info",
  );
}

/** Our numbers beside the report's published ones for one model after 5 or 10 epochs. */
export function versusReport(model: "mlp" | "cnn", epochs: 5 | 10, train: Evaluation, test: Evaluation): pl.DataFrame {
  const published = REPORT_PUBLISHED[epochs][model];
  const ours = metricsOf(train, test);
  const metrics = ["train accuracy", "test accuracy", "train loss", "test loss", "overfitting gap"];
  const ourValues = [
    ours.trainAccuracy,
    ours.testAccuracy,
    ours.trainLoss,
    ours.testLoss,
    ours.trainAccuracy - ours.testAccuracy,
  ];
  const reportValues = [
    published.trainAccuracy,
    published.testAccuracy,
    published.trainLoss,
    published.testLoss,
    published.gap,
  ];
  return pl.DataFrame({
    metric: metrics,
    ours: ourValues.map((v, i) => formatComparisonCell(v, "ours", metrics[i])),
    report: reportValues.map((v, i) => formatComparisonCell(v, "report", metrics[i])),
  });
}

/** Table 5.1 for 5 or 10 epochs with the report's number formats (accuracies in %, losses to 4 decimals). */
export function comparisonFrame(epochs: 5 | 10, ours: { mlp: ModelMetrics; cnn: ModelMetrics }): pl.DataFrame {
  const table = comparisonTable(epochs, ours);
  const records = table.toRecords() as Record<string, unknown>[];
  const columns = table.columns.filter((c) => c !== "epochs");
  return pl.DataFrame(
    Object.fromEntries(
      columns.map((c) => [
        c,
        records.map((r) => (c === "metric" ? String(r.metric) : formatComparisonCell(r[c], c, String(r.metric)))),
      ]),
    ),
  );
}

/** The report's section 5.2: how the two architectures differ in structure. */
export function structuralComparison(): pl.DataFrame {
  return pl.DataFrame({
    property: [
      "connections",
      "weight sharing",
      "keeps spatial information",
      "parameter efficiency",
      "suited to images",
      "resistance to overfitting",
    ],
    MLP: ["full (every input to every unit)", "no", "no (image flattened)", "low", "limited", "low"],
    CNN: ["local (3×3 neighbourhoods)", "yes (one filter slides over the image)", "yes", "high", "excellent", "high"],
  });
}

/** The probability a model gives each digit for one image, as a table. */
export function probabilityFrame(evaluation: Evaluation, index: number): pl.DataFrame {
  const probabilities = Array.from(
    evaluation.probabilities.subarray(index * NUM_CLASSES, (index + 1) * NUM_CLASSES),
  );
  return pl.DataFrame({ digit: probabilities.map((_, d) => d), probability: probabilities });
}
