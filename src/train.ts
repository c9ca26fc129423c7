/**
 * Training a preset on MNIST: seeded, with progress, the history as a polars
 * DataFrame, and a cache so a re-run loads the trained model instead of
 * training again.
 *
 * A training run is a pure function of its {@link TrainConfig} (and the
 * backend): the same config gives the same weights, and the cache is keyed by it.
 *
 * @module
 */
import pl from "nodejs-polars";
import { backendName, tf } from "./tf.ts";
import { withSeed } from "./random.ts";
import { compileFor, getPreset, type ModelPreset } from "./models/presets.ts";
import type { MnistData, MnistSplit } from "./data/mnist.ts";
import { sliceSplit, validationSplit } from "./data/splits.ts";
import { toImageTensor, toLabelTensor, toOneHotTensor } from "./data/tensors.ts";
import { type AugmentOptions, augmentSplit, checkAugmentOptions } from "./data/augment.ts";
import { createRng } from "./random.ts";
import { cachePath, hasModel, loadModel, ModelIntegrityError, saveModel } from "./store.ts";
import { readRunMeta } from "./run_meta.ts";
import { type ProgressReporter, silentProgress } from "./progress.ts";

/** The report's defaults: Keras's batch size 32 and the report's 5 epochs. */
export const DEFAULT_BATCH_SIZE = 32;
/** Epochs of the report's first experiment. */
export const DEFAULT_EPOCHS = 5;

/** Which data a run validates on after each epoch. */
export type ValidationChoice =
  | { kind: "split"; fraction: number } // Keras validation_split: the last fraction of the training images
  | { kind: "test" } // the test set as validation data, as the report did for the CNN
  | { kind: "none" };

/** Everything that determines a training run. */
export interface TrainConfig {
  /** Model preset name (see `src/models/presets.ts`). */
  preset: string;
  epochs: number;
  batchSize: number;
  /** Seeds weight initialisation and shuffling. */
  seed: number;
  validation: ValidationChoice;
  /** Use the first N training images (all 60,000 when null). */
  trainCount: number | null;
  /** Use the first N test images for validation (all 10,000 when null). */
  testCount: number | null;
  /**
   * Train on a new randomly transformed copy of the training images every epoch
   * (`src/data/augment.ts`). Absent: the images as they are.
   */
  augment?: AugmentOptions;
  /**
   * Early stopping with a checkpoint (source 004): after each epoch the model
   * is saved if its validation loss is the lowest so far; training stops once
   * it has not improved for `patience` epochs, and the run's model is the
   * checkpoint, the best epoch's. Needs validation data. Absent: all epochs.
   */
  earlyStopping?: { patience: number };
}

/** One row per epoch: epoch, loss, accuracy, and val_loss / val_accuracy when validating. */
export type HistoryRows = Record<string, number>[];

/** What a training run gives back. */
export interface TrainResult {
  model: tf.LayersModel;
  history: pl.DataFrame;
  /** True when the model came from the cache instead of being trained now. */
  fromCache: boolean;
  /** Where the trained model is stored. */
  path: string;
  /** Seconds spent training (0 when loaded from the cache). */
  seconds: number;
  /** With early stopping: the epoch whose model this is (the lowest validation loss). */
  bestEpoch?: number;
  /** Why the cached model was not used and the run was trained again (a damaged cache entry), if so. */
  notice?: string;
}

/** Options that do not change the result. */
export interface TrainOptions {
  progress?: ProgressReporter;
  /** Retrain even when the cache has this run. */
  force?: boolean;
  /** Model cache folder (default `data/models/`). */
  cacheDir?: string;
  /** Also save the model after these epochs, under the cache key of a run that stops there. */
  snapshotEpochs?: number[];
  /** Extra callbacks (e.g. early stopping). Changing the result this way is the caller's business. */
  callbacks?: tf.Callback[];
  /** Where notices go (a damaged cache entry being retrained); standard error by default. */
  log?: (line: string) => void;
}

/** A full config from a partial one: the report's batch size and epochs, Keras's 10% validation split. */
export function makeTrainConfig(partial: Partial<TrainConfig> & { preset: string }): TrainConfig {
  const config: TrainConfig = {
    epochs: DEFAULT_EPOCHS,
    batchSize: DEFAULT_BATCH_SIZE,
    seed: 1234,
    validation: { kind: "split", fraction: 0.1 },
    trainCount: null,
    testCount: null,
    ...partial,
  };
  getPreset(config.preset); // fail early on an unknown name
  if (!Number.isInteger(config.epochs) || config.epochs < 1) {
    throw new RangeError(`epochs must be a positive integer, got ${config.epochs}`);
  }
  if (!Number.isInteger(config.batchSize) || config.batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${config.batchSize}`);
  }
  if (config.augment) checkAugmentOptions(config.augment);
  if (config.earlyStopping) {
    const { patience } = config.earlyStopping;
    if (!Number.isInteger(patience) || patience < 1) {
      throw new RangeError(`earlyStopping.patience must be a positive integer, got ${patience}`);
    }
    if (config.validation.kind === "none") {
      throw new RangeError("early stopping watches the validation loss: give the run validation data");
    }
  }
  return config;
}

/**
 * The key under which a run is cached: the config plus the backend, the
 * library version and, on wasm, a fingerprint of the project's kernels (a
 * changed kernel may change the last bits of every number, so it retrains).
 */
export function cacheKey(config: TrainConfig): Record<string, unknown> & { preset: string } {
  const backend = backendName();
  return { ...config, backend, tfjs: tf.version.tfjs, ...(backend === "wasm" ? { kernels: kernelFingerprint() } : {}) };
}

let fingerprint: string | undefined;

/** FNV-1a hash of the source of `src/backend/` (computed once per process). */
export function kernelFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const dir = new URL("./backend/", import.meta.url);
  const names = [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".ts")).map((e) => e.name).sort();
  let hash = 0x811c9dc5;
  for (const name of names) {
    for (const byte of new TextEncoder().encode(name + "\0" + Deno.readTextFileSync(new URL(name, dir)))) {
      hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
    }
  }
  fingerprint = hash.toString(16).padStart(8, "0");
  return fingerprint;
}

/** Labels in the encoding the preset's loss expects. */
export function labelTensorFor(preset: ModelPreset, split: MnistSplit): tf.Tensor {
  return preset.labels === "sparse" ? toLabelTensor(split) : toOneHotTensor(split);
}

/** The training and validation splits a config selects. */
export function selectTrainingData(
  config: TrainConfig,
  data: MnistData,
): { train: MnistSplit; validation: MnistSplit | null } {
  const train = config.trainCount == null ? data.train : sliceSplit(data.train, 0, config.trainCount);
  if (config.validation.kind === "split") {
    const parts = validationSplit(train, config.validation.fraction);
    return { train: parts.train, validation: parts.validation };
  }
  if (config.validation.kind === "test") {
    return { train, validation: config.testCount == null ? data.test : sliceSplit(data.test, 0, config.testCount) };
  }
  return { train, validation: null };
}

/** Turns tfjs's per-epoch logs into rows with the Keras names (accuracy, val_accuracy). */
function historyRow(epoch: number, logs: Record<string, number>): Record<string, number> {
  const row: Record<string, number> = { epoch };
  for (const [key, value] of Object.entries(logs)) {
    row[key.replace(/acc$/, "accuracy")] = value;
  }
  return row;
}

/** Rows of per-epoch metrics as a polars DataFrame. */
export function historyFrame(rows: HistoryRows): pl.DataFrame {
  if (rows.length === 0) return pl.DataFrame({ epoch: [] as number[] });
  const columns = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"].filter((c) => c in rows[0]);
  return pl.DataFrame(
    columns.map((c) =>
      c === "epoch" ? pl.Series(c, rows.map((r) => r[c]), pl.Int32) : pl.Series(c, rows.map((r) => r[c]), pl.Float64)
    ),
  );
}

class ReporterCallback extends tf.Callback {
  private epochStarted = 0;
  constructor(
    private readonly reporter: ProgressReporter,
    private readonly epochs: number,
    private readonly batches: number,
    private readonly rows: HistoryRows,
    private readonly onEpoch: (epoch: number) => Promise<void>,
  ) {
    super();
  }
  override onEpochBegin(epoch: number): Promise<void> {
    this.epochStarted = performance.now();
    this.reporter.epochStart(epoch + 1, this.epochs, this.batches);
    return Promise.resolve();
  }
  override onBatchEnd(batch: number): Promise<void> {
    this.reporter.batchEnd(batch);
    return Promise.resolve();
  }
  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    const values: Record<string, number> = {};
    // tfjs's BaseLogger hands epoch averages over as scalar tensors despite the `Logs` type
    for (const [k, v] of Object.entries((logs ?? {}) as Record<string, number | tf.Scalar>)) {
      values[k] = typeof v === "number" ? v : (await v.data())[0];
    }
    this.rows.push(historyRow(epoch + 1, values));
    this.reporter.epochEnd(epoch + 1, values, (performance.now() - this.epochStarted) / 1000);
    await this.onEpoch(epoch + 1);
  }
}

/**
 * Early stopping with a checkpoint: after each epoch, if the validation loss
 * is the lowest so far, keeps a copy of the weights and saves the model to
 * `dir` (whole, so a crash never leaves half a checkpoint); once it has not
 * improved for `patience` epochs, asks training to stop.
 */
class BestCheckpoint extends tf.Callback {
  bestEpoch = 0;
  bestLoss = Infinity;
  stopped = false;
  private weights: tf.Tensor[] = [];
  constructor(
    private readonly net: tf.LayersModel,
    private readonly patience: number,
    private readonly dir: string,
    private readonly meta: () => Record<string, unknown>,
  ) {
    super();
  }
  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    const raw = (logs as Record<string, number | tf.Scalar> | undefined)?.val_loss;
    if (raw === undefined) throw new Error("early stopping needs a validation loss after every epoch");
    const loss = typeof raw === "number" ? raw : (await raw.data())[0];
    if (loss < this.bestLoss) {
      this.bestLoss = loss;
      this.bestEpoch = epoch + 1;
      tf.dispose(this.weights);
      this.weights = this.net.getWeights().map((w) => w.clone());
      await saveModel(this.net, this.dir, { ...this.meta(), bestEpoch: this.bestEpoch, valLoss: loss });
    } else if (epoch + 1 - this.bestEpoch >= this.patience) {
      this.stopped = true;
      this.net.stopTraining = true;
    }
  }
  /** Puts the best epoch's weights back into the model and frees the copy. */
  restoreBest(): void {
    if (this.weights.length > 0) this.net.setWeights(this.weights);
    tf.dispose(this.weights);
    this.weights = [];
  }
}

/**
 * Trains the preset of `config` on `data` and returns the model and its
 * history, or loads both from the cache when this exact run was done before.
 *
 * @example
 * const { model, history } = await trainPreset(makeTrainConfig({ preset: "mlp" }), await loadMnist(), {
 *   progress: terminalProgress(),
 * });
 */
export async function trainPreset(
  config: TrainConfig,
  data: MnistData,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const preset = getPreset(config.preset);
  const path = await cachePath(cacheKey(config), options.cacheDir);
  let notice: string | undefined;
  if (!options.force && await hasModel(path)) {
    try {
      // checked before anything is made from it: the weights against their SHA-256, the history for what tables need
      const meta = await readRunMeta(path);
      const model = await loadModel(path, { requireIntegrity: true });
      compileLike(model, preset);
      const bestEpoch = meta.bestEpoch;
      return {
        model,
        history: historyFrame(meta.history),
        fromCache: true,
        path,
        seconds: 0,
        ...(bestEpoch ? { bestEpoch } : {}),
      };
    } catch (error) {
      if (!(error instanceof ModelIntegrityError)) throw error;
      notice = `model cache: ${error.file}: ${error.problem}; retraining the run in ${path}`;
      (options.log ?? ((line: string) => console.error(line)))(notice);
    }
  }

  const { train, validation } = selectTrainingData(config, data);
  const model = preset.create(config.seed);
  const rows: HistoryRows = [];
  const batches = Math.ceil(train.count / config.batchSize);
  const snapshots = new Set((options.snapshotEpochs ?? []).filter((e) => e < config.epochs));
  const started = performance.now();
  const x = config.augment ? null : toImageTensor(train);
  const y = labelTensorFor(preset, train);
  const valX = validation ? toImageTensor(validation) : null;
  const valY = validation ? labelTensorFor(preset, validation) : null;
  let checkpoint: BestCheckpoint | null = null;
  try {
    const reporter = new ReporterCallback(
      options.progress ?? silentProgress,
      config.epochs,
      batches,
      rows,
      async (epoch) => {
        if (!snapshots.has(epoch)) return;
        const snapshotConfig = { ...config, epochs: epoch };
        const snapshotPath = await cachePath(cacheKey(snapshotConfig), options.cacheDir);
        await saveModel(model, snapshotPath, {
          config: snapshotConfig,
          key: cacheKey(snapshotConfig),
          history: rows.slice(),
        });
      },
    );
    checkpoint = config.earlyStopping
      ? new BestCheckpoint(model, config.earlyStopping.patience, `${path}.checkpoint`, () => ({
        config,
        key: cacheKey(config),
        history: rows.slice(),
      }))
      : null;
    const callbacks = [reporter, ...(checkpoint ? [checkpoint] : []), ...(options.callbacks ?? [])];
    const fitOptions = {
      batchSize: config.batchSize,
      shuffle: true,
      validationData: valX && valY ? [valX, valY] as [tf.Tensor, tf.Tensor] : undefined,
      callbacks,
      verbose: 0 as const,
    };
    if (x) {
      await withSeed(config.seed, () => model.fit(x, y, { ...fitOptions, epochs: config.epochs }));
    } else {
      // Augmentation: one fit call per epoch, each on a new transformed copy (seeded by the run's seed and the epoch).
      for (let epoch = 0; epoch < config.epochs && !checkpoint?.stopped; epoch++) {
        const copy = augmentSplit(train, createRng(config.seed * 1000 + epoch), config.augment!);
        const xe = toImageTensor(copy);
        try {
          await withSeed(
            config.seed + epoch,
            () => model.fit(xe, y, { ...fitOptions, epochs: epoch + 1, initialEpoch: epoch }),
          );
        } finally {
          xe.dispose();
        }
      }
    }
    checkpoint?.restoreBest();
  } finally {
    tf.dispose([...(x ? [x] : []), y, ...(valX ? [valX] : []), ...(valY ? [valY] : [])]);
  }
  const seconds = (performance.now() - started) / 1000;
  const bestEpoch = checkpoint?.bestEpoch;
  await saveModel(model, path, {
    config,
    key: cacheKey(config),
    history: rows,
    seconds,
    ...(bestEpoch ? { bestEpoch } : {}),
  });
  return {
    model,
    history: historyFrame(rows),
    fromCache: false,
    path,
    seconds,
    ...(bestEpoch ? { bestEpoch } : {}),
    ...(notice ? { notice } : {}),
  };
}

/** Compiles a loaded model as its preset compiles a new one, so it can be evaluated or trained further. */
export function compileLike(model: tf.LayersModel, preset: ModelPreset): void {
  compileFor(model, preset.labels, preset.optimizer);
}
