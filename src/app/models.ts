/**
 * The models the drawing app offers: the runs `mlp-5` and `cnn-5` of the
 * course (the report's MLP and CNN after 5 epochs, `src/runs.ts`) and the
 * course's best model for drawings, `vgg-cnn-augmented` (a VGG-style CNN
 * trained on augmented images, pen width included, as notebook 06 trains it),
 * restored from the model cache, or trained on first use (with progress)
 * when the cache does not have them yet. They are the very models the
 * notebooks and `reproduce` trained: the same run through the same cached `fit`.
 *
 * A request may name several of them ({@link checkModelNames}) to have one
 * drawing read by each, side by side; {@link SIDE_BY_SIDE} lists the
 * comparisons the page offers.
 *
 * A {@link ModelRegistry} holds them for one server. Nothing is loaded or
 * trained when it is created; `prepare(name)` does it once, and trainings run
 * one after another. A cached model whose files fail their integrity check is
 * retrained, and its status carries a notice saying so; a preparation that
 * fails (MNIST missing, say) keeps its reason in the status and is printed,
 * and the next `prepare` tries again.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { NUM_CLASSES } from "../data/mnist.ts";
import { type CourseMnist, loadCourseMnist } from "../data/course_data.ts";
import { isQuickMode } from "../course_env.ts";
import { getRun, type RunSpec, trainRun } from "../runs.ts";
import { getPreset, inputShapeOf } from "../models/presets.ts";
import { silentTrainingDisplay, type TrainingDisplay } from "../display/training.ts";
import { MODEL_PIXELS } from "../draw/preprocess.ts";
import type { Bilingual } from "../i18n.ts";

/** The runs the app offers, in the order the page lists them. */
export const APP_MODEL_NAMES = ["mlp-5", "cnn-5", "vgg-cnn-augmented"] as const;
/** One of {@link APP_MODEL_NAMES}. */
export type AppModelName = typeof APP_MODEL_NAMES[number];
/** The model a request gets when it names none: the report's final app used the CNN. */
export const DEFAULT_APP_MODEL: AppModelName = "cnn-5";
/** The course's best model for drawings (notebook 06 measures it). */
export const BEST_APP_MODEL: AppModelName = "vgg-cnn-augmented";
/** Short names the page shows for each model. */
export const APP_MODEL_LABELS: Readonly<Record<AppModelName, string>> = {
  "mlp-5": "MLP",
  "cnn-5": "CNN",
  "vgg-cnn-augmented": "best: VGG-style CNN, augmented",
};
/** The same short names in Korean, in the report's terms (the page shows the one of its language). */
export const APP_MODEL_LABELS_KO: Readonly<Record<AppModelName, string>> = {
  "mlp-5": "MLP",
  "cnn-5": "CNN",
  "vgg-cnn-augmented": "최고 모델: VGG 방식 CNN, 데이터 증강",
};
/**
 * Each model's architecture in the report's Korean terms; the English is its
 * preset's `description` (a test checks that both give the same numbers).
 */
export const APP_MODEL_DESCRIPTIONS_KO: Readonly<Record<AppModelName, string>> = {
  "mlp-5": "보고서의 MLP: Flatten, Dense(128, ReLU), Dense(10)",
  "cnn-5": "보고서의 CNN: Conv2D(32, 3x3), MaxPool(2), Dense(100), Dense(10)",
  "vgg-cnn-augmented": "VGG 방식 CNN: 단계마다 3x3 합성곱 두 개 (32, 32; 64, 64), Dense(128)",
};
/**
 * The side-by-side comparisons the page offers: the report's MLP against its
 * CNN (its table 5.2 says the CNN reads user input better), and both against
 * the best model.
 */
export const SIDE_BY_SIDE: readonly (readonly AppModelName[])[] = [
  ["mlp-5", "cnn-5"],
  ["mlp-5", "cnn-5", "vgg-cnn-augmented"],
];
/** Separates the models of a side-by-side request: `model=mlp-5,cnn-5`. */
export const MODEL_LIST_SEPARATOR = ",";

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
  /** The short name the page shows ({@link APP_MODEL_LABELS}). */
  label: string;
  /** The same in each language of the page ({@link APP_MODEL_LABELS_KO}). */
  labelByLanguage: Bilingual;
  /** What the model is (English). */
  description: string;
  /** The same in each language of the page. */
  descriptionByLanguage: Bilingual;
  status: ModelStatus;
  progress: TrainingProgress | null;
  /** Why it failed, when `status` is "failed". */
  error: string | null;
  /** True when it came from the cache rather than being trained by this server. */
  fromCache: boolean | null;
  /** Something the user should know about this model, e.g. that its cached copy was damaged and is being retrained. */
  notice: string | null;
  /** The run it is (`src/runs.ts`). */
  run: RunSpec;
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
  /** Where MNIST comes from when a model must be trained (default `loadCourseMnist(quick)`). */
  loadData?: () => Promise<CourseMnist>;
  /** Told about training progress too (e.g. the terminal). */
  display?: (name: AppModelName) => TrainingDisplay;
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

/**
 * The models of a request's `model` parameter: one name, or several separated
 * by commas (`mlp-5,cnn-5`) for one drawing read by each, side by side; an
 * error names the unknown or repeated one.
 */
export function checkModelNames(value: string): AppModelName[] {
  const names = value.split(MODEL_LIST_SEPARATOR).map((name) => name.trim());
  if (names.some((name) => name === "")) {
    throw new RangeError(
      `model=${value} has an empty name; give one model or several separated by commas, e.g. model=mlp-5,cnn-5`,
    );
  }
  const models = names.map(checkModelName);
  const repeated = models.find((name, i) => models.indexOf(name) !== i);
  if (repeated) throw new RangeError(`model=${value} names '${repeated}' twice; name each model once`);
  return models;
}

/** What the app says a run is, in each language: its model, epochs and what it trained on. */
function describeRun(name: AppModelName, run: RunSpec, quick: boolean): Bilingual {
  return {
    en: `${getPreset(run.preset).description}, ${run.epochs} epochs${run.augment ? " on augmented images" : ""}` +
      (quick ? " (quick mode)" : ""),
    ko: `${APP_MODEL_DESCRIPTIONS_KO[name]}, ${run.epochs} 에폭${run.augment ? ", 증강한 이미지로 학습" : ""}` +
      (quick ? " (빠른 실행 모드)" : ""),
  };
}

/** The app's models for one server: loaded or trained on first use, then kept in memory. */
export class ModelRegistry {
  readonly quick: boolean;
  private readonly entries = new Map<AppModelName, Entry>();
  private trainingQueue: Promise<unknown> = Promise.resolve();
  /** Preparations started and not finished (the one running and those queued behind it). */
  private preparing = 0;
  private data: Promise<CourseMnist> | null = null;

  constructor(private readonly options: RegistryOptions = {}) {
    this.quick = options.quick ?? isQuickMode();
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
    const descriptions = describeRun(name, getRun(name), this.quick);
    return {
      name,
      label: APP_MODEL_LABELS[name],
      labelByLanguage: { en: APP_MODEL_LABELS[name], ko: APP_MODEL_LABELS_KO[name] },
      description: descriptions.en,
      descriptionByLanguage: descriptions,
      status: entry.status,
      progress: entry.progress,
      error: entry.error,
      fromCache: entry.fromCache,
      notice: entry.notice,
      run: getRun(name),
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
      const outside = this.options.display?.(name) ?? silentTrainingDisplay;
      let epochs = 1, epoch = 0, batches = 1;
      const display: TrainingDisplay = {
        ...outside,
        start: (info) => {
          if (entry.status !== "training") this.setStatus(entry, "training");
          epochs = info.epochs;
          batches = info.batches;
          outside.start(info);
        },
        epochStart: (e) => {
          epoch = e;
          entry.progress = { epoch, epochs, batch: 0, batches, fraction: (epoch - 1) / epochs };
          outside.epochStart(e);
        },
        batchEnd: (batch) => {
          entry.progress = {
            epoch,
            epochs,
            batch: batch + 1,
            batches,
            fraction: (epoch - 1 + (batch + 1) / batches) / epochs,
          };
          outside.batchEnd(batch);
        },
        // what the cache says (a damaged entry being retrained) becomes the model's notice
        note: (line) => {
          entry.notice = line;
          this.options.log?.(`app: model '${name}': ${line}`);
          outside.note(line);
        },
      };
      return await trainRun(name, await this.mnist(), { cacheDir: this.options.cacheDir, display });
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

  private mnist(): Promise<CourseMnist> {
    if (!this.data) {
      this.data = (this.options.loadData ?? (() => loadCourseMnist(this.quick)))();
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
    const x = tf.tensor(input, [1, ...inputShapeOf(model)]);
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
