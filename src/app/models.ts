/**
 * The models the drawing app offers: the report's MLP and CNN after 5 epochs,
 * loaded from the model cache, or trained on first use (with progress) when
 * the cache does not have them yet.
 *
 * A {@link ModelRegistry} holds them for one server. Nothing is loaded or
 * trained when it is created; `prepare(name)` does it once, and trainings run
 * one after another (seeded training replaces `Math.random` while it runs, so
 * two at once would disturb each other's seeds). A cached model whose files
 * fail their integrity check is retrained, and its status carries a notice
 * saying so; a preparation that fails (MNIST missing, say) keeps its reason
 * in the status and is printed, and the next `prepare` tries again.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { loadMnist, type MnistData, NUM_CLASSES } from "../data/mnist.ts";
import { type TrainConfig, trainPreset } from "../train.ts";
import { experimentPlan, isQuickMode } from "../experiments.ts";
import { getPreset } from "../models/presets.ts";
import type { ProgressReporter } from "../progress.ts";
import { MODEL_IMAGE_SIZE, MODEL_PIXELS } from "../draw/preprocess.ts";

/** The models the app offers, in the order the page lists them. */
export const APP_MODEL_NAMES = ["mlp", "cnn"] as const;
/** One of {@link APP_MODEL_NAMES}. */
export type AppModelName = typeof APP_MODEL_NAMES[number];
/** The model a request gets when it names none: the report's final app used the CNN. */
export const DEFAULT_APP_MODEL: AppModelName = "cnn";
/**
 * The training configs of the app's models: the report's 5-epoch runs (the
 * MLP with Keras's 10% validation split, the CNN validated on the test set,
 * as the report did), or their quick versions. They come from the course's
 * experiment plan, so the app loads the very models the notebooks and
 * `reproduce` trained (the 5-epoch snapshots of the 10-epoch runs).
 */
export function appModelConfigs(quick: boolean): Record<AppModelName, TrainConfig> {
  const plan = experimentPlan(quick);
  return { mlp: plan.mlpEarly, cnn: plan.cnnEarly };
}

/**
 * Where a model is on its way to being usable: "queued" waits for another
 * model's training to finish, "loading" reads the cache (or MNIST before training).
 */
export type ModelStatus = "idle" | "queued" | "loading" | "training" | "ready" | "failed";

/** Training progress as the page shows it. */
export interface TrainingProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Fraction of the whole run done, 0–1. */
  fraction: number;
}

/** What `GET /api/models` says about one model. */
export interface ModelInfo {
  name: AppModelName;
  description: string;
  status: ModelStatus;
  progress: TrainingProgress | null;
  /** Why it failed, when `status` is "failed". */
  error: string | null;
  /** True when it came from the cache rather than being trained by this server. */
  fromCache: boolean | null;
  /** Something the user should know about this model, e.g. that its cached copy was damaged and is being retrained. */
  notice: string | null;
  config: TrainConfig;
}

/** The result of one prediction. */
export interface Prediction {
  digit: number;
  confidence: number;
  probabilities: number[];
}

/** Options of {@link ModelRegistry}. */
export interface RegistryOptions {
  /** Model cache folder (default `data/models/`). */
  cacheDir?: string;
  /** Quick mode: tiny models (default: from `MNIST_QUICK`). */
  quick?: boolean;
  /** Where MNIST comes from when a model must be trained (default `loadMnist()`). */
  loadData?: () => Promise<MnistData>;
  /** Told about training progress too (e.g. the terminal). */
  progress?: (name: AppModelName) => ProgressReporter;
  /** Where notices and failures are printed (e.g. `console.error`); nowhere by default. */
  log?: (line: string) => void;
}

interface Entry {
  status: ModelStatus;
  progress: TrainingProgress | null;
  error: string | null;
  fromCache: boolean | null;
  notice: string | null;
  model: tf.LayersModel | null;
  ready: Promise<tf.LayersModel> | null;
  /** Called (and emptied) whenever the status changes. */
  watchers: (() => void)[];
}

/** A model name from a request, or an error listing the known ones. */
export function checkModelName(name: string): AppModelName {
  if (!(APP_MODEL_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`unknown model '${name}'; the app offers: ${APP_MODEL_NAMES.join(", ")}`);
  }
  return name as AppModelName;
}

/** The app's models for one server: loaded or trained on first use, then kept in memory. */
export class ModelRegistry {
  readonly quick: boolean;
  readonly configs: Record<AppModelName, TrainConfig>;
  private readonly entries = new Map<AppModelName, Entry>();
  private trainingQueue: Promise<unknown> = Promise.resolve();
  /** Preparations started and not finished (the one running and those queued behind it). */
  private preparing = 0;
  private data: Promise<MnistData> | null = null;

  constructor(private readonly options: RegistryOptions = {}) {
    this.quick = options.quick ?? isQuickMode();
    this.configs = appModelConfigs(this.quick);
    for (const name of APP_MODEL_NAMES) {
      this.entries.set(name, {
        status: "idle",
        progress: null,
        error: null,
        fromCache: null,
        notice: null,
        model: null,
        ready: null,
        watchers: [],
      });
    }
  }

  /** Every model with its status, for `GET /api/models`. */
  list(): ModelInfo[] {
    return APP_MODEL_NAMES.map((name) => this.info(name));
  }

  /** One model's status. */
  info(name: AppModelName): ModelInfo {
    const entry = this.entry(name);
    return {
      name,
      description: getPreset(this.configs[name].preset).description + (this.quick ? " (quick mode)" : ""),
      status: entry.status,
      progress: entry.progress,
      error: entry.error,
      fromCache: entry.fromCache,
      notice: entry.notice,
      config: this.configs[name],
    };
  }

  private entry(name: AppModelName): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw new RangeError(`unknown model '${name}'`);
    return entry;
  }

  private setStatus(entry: Entry, status: ModelStatus): void {
    entry.status = status;
    for (const watcher of entry.watchers.splice(0)) watcher();
  }

  /**
   * Resolves with the model's status once it is no longer just loading: ready,
   * training, queued behind another training, failed, or idle. A request can
   * wait this long (loading a cached model takes a fraction of a second) and
   * then answer at once.
   */
  async settled(name: AppModelName): Promise<ModelInfo> {
    const entry = this.entry(name);
    while (entry.status === "loading") await new Promise<void>((resolve) => entry.watchers.push(resolve));
    return this.info(name);
  }

  /** The model when it is ready, else `null` (no loading is started). */
  ready(name: AppModelName): tf.LayersModel | null {
    return this.entry(name).model;
  }

  /**
   * Loads the model from the cache, or trains it (queued behind any other
   * training), once; later calls get the same promise. A failure is kept in
   * the status and the next call tries again.
   */
  prepare(name: AppModelName): Promise<tf.LayersModel> {
    const entry = this.entry(name);
    if (entry.ready) return entry.ready;
    entry.error = null;
    this.setStatus(entry, this.preparing > 0 ? "queued" : "loading");
    this.preparing++;
    const run = async () => {
      if (entry.status === "queued") this.setStatus(entry, "loading");
      const config = this.configs[name];
      const outside = this.options.progress?.(name);
      let epochs = config.epochs, epoch = 0, batches = 1;
      const progress: ProgressReporter = {
        epochStart: (e, total, b) => {
          if (entry.status !== "training") this.setStatus(entry, "training");
          epoch = e;
          epochs = total;
          batches = b;
          entry.progress = { epoch, epochs, batch: 0, batches, fraction: (epoch - 1) / epochs };
          outside?.epochStart(e, total, b);
        },
        batchEnd: (batch) => {
          entry.progress = {
            epoch,
            epochs,
            batch: batch + 1,
            batches,
            fraction: (epoch - 1 + (batch + 1) / batches) / epochs,
          };
          outside?.batchEnd(batch);
        },
        epochEnd: (e, logs, seconds) => outside?.epochEnd(e, logs, seconds),
      };
      const log = (line: string) => {
        entry.notice = line;
        this.options.log?.(`app: model '${name}': ${line}`);
      };
      return await trainPreset(config, await this.mnist(), { cacheDir: this.options.cacheDir, progress, log });
    };
    const queued = this.trainingQueue.then(run).finally(() => this.preparing--);
    this.trainingQueue = queued.catch(() => {});
    entry.ready = queued.then(
      (result) => {
        entry.model = result.model;
        entry.fromCache = result.fromCache;
        entry.progress = null;
        this.setStatus(entry, "ready");
        return result.model;
      },
      (error) => {
        entry.error = (error as Error).message;
        entry.ready = null;
        entry.progress = null;
        this.options.log?.(`app: model '${name}' could not be prepared: ${entry.error}`);
        this.setStatus(entry, "failed");
        throw error;
      },
    );
    return entry.ready;
  }

  private mnist(): Promise<MnistData> {
    if (!this.data) {
      this.data = (this.options.loadData ?? (() => loadMnist()))();
      this.data.catch(() => (this.data = null));
    }
    return this.data;
  }

  /** Frees the loaded models' weights. */
  dispose(): void {
    for (const entry of this.entries.values()) {
      entry.model?.dispose();
      entry.model = null;
      entry.ready = null;
      this.setStatus(entry, "idle");
    }
  }
}

/**
 * Runs `model` on one 28×28 input (784 floats in [0, 1]) and returns the
 * digit, its probability and all ten. No tensors are left behind.
 */
export function predictDigit(model: tf.LayersModel, input: Float32Array): Prediction {
  if (input.length !== MODEL_PIXELS) {
    throw new RangeError(`a model input has ${MODEL_PIXELS} values, got ${input.length}`);
  }
  const values = tf.tidy(() => {
    const x = tf.tensor4d(input, [1, MODEL_IMAGE_SIZE, MODEL_IMAGE_SIZE, 1]);
    return (model.predict(x) as tf.Tensor).dataSync();
  });
  const probabilities = Array.from(values);
  if (probabilities.length !== NUM_CLASSES || probabilities.some((p) => !Number.isFinite(p))) {
    throw new Error(
      `the model gave ${probabilities.length} outputs (${probabilities.slice(0, 3).join(", ")}, ...) instead of ` +
        `${NUM_CLASSES} probabilities; its weights may be damaged: delete its folder in the model cache to retrain`,
    );
  }
  let digit = 0;
  for (let i = 1; i < NUM_CLASSES; i++) if (probabilities[i] > probabilities[digit]) digit = i;
  return { digit, confidence: probabilities[digit], probabilities };
}
