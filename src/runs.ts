/**
 * Every named training run of the course, in one registry: the report's four
 * (its MLP and CNN after 5 and 10 epochs), the extensions of notebook 07, the
 * sources' runs at their own settings (notebooks 08 and 09), and the app's
 * models (which are the report's 5-epoch runs). One name each, used by
 * `reproduce`, the app, `reports/manifest.json` and the notebooks' prose.
 *
 * A run is what a notebook cell does, written once as data: a preset
 * (`src/models/presets.ts`: seed, layers, compile), the data it trains on and
 * `fit`'s arguments. {@link trainRun} executes it through the same cached
 * `fit` as the notebooks (`src/train.ts`), so a run trained by `reproduce` is
 * restored by the notebook that shows its code, and the other way round.
 *
 * Beyond the model and `fit`'s arguments, a run can say how its training data
 * is made, each as its notebook cell does it: grey levels left raw (source
 * 003's missing `/ 255`), a seeded share of one digit removed (source 001's
 * rebalancing), a new augmented copy every epoch, of every image or of some
 * digits only (one `fit` per epoch, continued with `initialEpoch`), and a
 * start from another run's trained model, saved, loaded and compiled afresh
 * (fine-tuning).
 *
 * The report trained its 5- and 10-epoch models separately; here the 10-epoch
 * run caches its state after epoch 5 too, which is bit for bit the 5-epoch run
 * (same start, same shuffles), so `reproduce` trains each model once.
 *
 * @module
 */
import { tf } from "./tf.ts";
import { DEFAULT_SEED, preservingRandom, randomState, setSeed } from "./random.ts";
import { createRng } from "./random.ts";
import type { CourseMnist } from "./data/course_data.ts";
import type { MnistSplit } from "./data/mnist.ts";
import { imageTensor, labelTensor, oneHotTensor, type Pixels } from "./data/tensors.ts";
import {
  type AugmentOptions,
  augmentSplit,
  DRAWING_AUGMENTATION,
  SOURCE_001_AUGMENTATION,
  SOURCE_001_AUGMENTED_DIGITS,
} from "./data/augment.ts";
import { type ClassReduction, removeRandomShare, SOURCE_001_REDUCTION } from "./data/rebalance.ts";
import { compileArgs, getPreset, inputShapeOf, type LabelEncoding } from "./models/presets.ts";
import { type CachedHistory, earlyStopping, type EarlyStoppingArgs, withModelCache } from "./train.ts";
import {
  briefTrainingDisplay,
  defaultTrainingDisplay,
  type EpochRow,
  silentTrainingDisplay,
  type TrainingDisplay,
} from "./display/training.ts";
import { SOURCE_001, SOURCE_002, SOURCE_003 } from "./sources.ts";

/** The report's batch size (Keras's default). */
export const BATCH_SIZE = 32;
/** Keras's `validation_split=0.1`: the last 10% of the training images, as the report's MLP. */
export const VALIDATION_SPLIT = 0.1;
/** Notebook 07's early stopping: at most 30 epochs, stop after 3 without a lower validation loss. */
export const EARLY_STOPPING = { maxEpochs: 30, patience: 3 } as const;

/** What a run validates on after each epoch. */
export type Validation = { split: number } | "test";

/** A named run: the model, its data and `fit`'s settings. */
export interface RunSpec {
  /** Its one name (kebab-case): `mlp-5`, `cnn-10`, `cnn-augmented`, ... */
  name: string;
  /** What it is, in a few words. */
  title: string;
  /** Where it comes from in the sources. */
  source: string;
  /** The model preset (`src/models/presets.ts`). */
  preset: string;
  epochs: number;
  batchSize: number;
  /**
   * Measured after each epoch: the last part of the training images (never trained on), or the test set.
   * Measuring does not change training; a run whose source had no validation watches the test set.
   */
  validation: Validation;
  /** Seeds weight initialisation and shuffling (and the run's own draws: removal, augmentation). */
  seed: number;
  /** Also cache the state after these epochs (the runs that stop there). */
  snapshotEpochs?: number[];
  /** A new randomly transformed copy of the training images (or of some digits' images) every epoch. */
  augment?: AugmentOptions;
  /** Stop when the validation loss stops improving, keeping the best epoch's weights. */
  earlyStopping?: EarlyStoppingArgs;
  /** The grey levels the model sees (training and evaluation): scaled to [0, 1] unless `"raw"`. */
  pixels?: Pixels;
  /** Train without a seeded random share of one digit's images. */
  reduce?: ClassReduction;
  /** Start from this run's trained model, saved and loaded, compiled afresh (a new optimizer): fine-tuning. */
  fineTuneFrom?: string;
}

const report = (name: string, preset: "mlp" | "cnn", epochs: number): RunSpec => ({
  name,
  title: `the report's ${preset.toUpperCase()}, ${epochs} epochs`,
  source: preset === "mlp" ? "report §2.2" : "report §4.1",
  preset,
  epochs,
  batchSize: BATCH_SIZE,
  validation: preset === "mlp" ? { split: VALIDATION_SPLIT } : "test",
  seed: DEFAULT_SEED,
  ...(epochs === 10 ? { snapshotEpochs: [5] } : {}),
});

const source002: RunSpec = {
  name: "source-002-mlp",
  title: `source 002's MLP (256-256-128-64, RMSprop), ${SOURCE_002.epochs} epochs at batch ${SOURCE_002.batchSize}; ` +
    "the test set measured after every epoch",
  source: "source 002",
  preset: "deep-mlp",
  epochs: SOURCE_002.epochs,
  batchSize: SOURCE_002.batchSize,
  validation: "test",
  seed: SOURCE_002.seed,
};

const source003: RunSpec = {
  name: "source-003-mlp",
  title: `source 003's MLP (Dense 512, one-hot labels), ${SOURCE_003.epochs} epochs at batch ${SOURCE_003.batchSize}`,
  source: "source 003",
  preset: "wide-mlp",
  epochs: SOURCE_003.epochs,
  batchSize: SOURCE_003.batchSize,
  validation: "test",
  seed: DEFAULT_SEED,
};

const source001: RunSpec = {
  name: "source-001-cnn",
  title:
    `source 001's CNN (32-64-64 convolutions, Dense 64), ${SOURCE_001.epochs} epochs at batch ${SOURCE_001.batchSize}`,
  source: "source 001",
  preset: "deep-cnn",
  epochs: SOURCE_001.epochs,
  batchSize: SOURCE_001.batchSize,
  validation: "test",
  seed: DEFAULT_SEED,
};

/** Every run of the course by name. */
export const RUNS = {
  "mlp-5": report("mlp-5", "mlp", 5),
  "mlp-10": report("mlp-10", "mlp", 10),
  "cnn-5": report("cnn-5", "cnn", 5),
  "cnn-10": report("cnn-10", "cnn", 10),
  "cnn-augmented": {
    ...report("cnn-augmented", "cnn", 5),
    title: "the report's CNN, 5 epochs on augmented images",
    source: "source 001 (augmentation)",
    augment: { ...SOURCE_001_AUGMENTATION },
  },
  "mlp-early-stopping": {
    ...report("mlp-early-stopping", "mlp", EARLY_STOPPING.maxEpochs),
    title: "the report's MLP with early stopping",
    source: "source 004 (early stopping and checkpoints)",
    earlyStopping: { monitor: "val_loss", patience: EARLY_STOPPING.patience, restoreBestWeights: true },
  },
  "source-002-mlp": source002,
  "source-002-early-stopping": {
    ...source002,
    name: "source-002-early-stopping",
    title: `source 002's MLP with early stopping (patience ${EARLY_STOPPING.patience}) on the last 10% of the ` +
      `training images, at most ${SOURCE_002.epochs} epochs`,
    source: "source 002, with source 004's early stopping",
    validation: { split: VALIDATION_SPLIT },
    earlyStopping: { monitor: "val_loss", patience: EARLY_STOPPING.patience, restoreBestWeights: true },
  },
  "source-003-mlp": source003,
  "source-003-mlp-raw": {
    ...source003,
    name: "source-003-mlp-raw",
    title: `${source003.title}, on raw 0-255 grey levels (the post's code, without / 255)`,
    pixels: "raw",
  },
  "source-001-cnn": source001,
  "source-001-cnn-fewer-eights": {
    ...source001,
    name: "source-001-cnn-fewer-eights",
    title: `${source001.title}, without a random ${SOURCE_001_REDUCTION.minFraction * 100}-` +
      `${SOURCE_001_REDUCTION.maxFraction * 100}% of the ${SOURCE_001_REDUCTION.digit}s`,
    source: "source 001 (class rebalancing)",
    reduce: { ...SOURCE_001_REDUCTION },
  },
  "source-001-cnn-augmented-069": {
    ...source001,
    name: "source-001-cnn-augmented-069",
    title: `${source001.title}, a new augmented copy of the ${SOURCE_001_AUGMENTED_DIGITS.join(", ")}s every epoch`,
    source: "source 001 (augmentation of some digits)",
    augment: { ...SOURCE_001_AUGMENTATION, digits: [...SOURCE_001_AUGMENTED_DIGITS] },
  },
  "source-001-cnn-fine-tuned": {
    ...source001,
    name: "source-001-cnn-fine-tuned",
    title: `source-001-cnn saved, loaded and trained ${SOURCE_001.fineTuneEpochs} more epochs on augmented images`,
    source: "source 001 (fine-tuning the saved model)",
    epochs: SOURCE_001.fineTuneEpochs,
    augment: { ...SOURCE_001_AUGMENTATION },
    fineTuneFrom: "source-001-cnn",
  },
  // the course's best model for drawings (notebook 06 trains and measures it; the app offers it)
  "vgg-cnn-augmented": {
    name: "vgg-cnn-augmented",
    title: "the course's best model: a VGG-style CNN, 5 epochs on augmented images, pen width too",
    source: "source 001 (deeper CNN, augmentation) taken further, with pen-width augmentation (notebook 06)",
    preset: "vgg-cnn",
    epochs: 5,
    batchSize: 64, // source 001's
    validation: "test",
    seed: DEFAULT_SEED,
    augment: { ...DRAWING_AUGMENTATION },
  },
} as const satisfies Record<string, RunSpec>;

/** One of the names in {@link RUNS}. */
export type RunName = keyof typeof RUNS;

/** The run called `name`, failing with the list of names. */
export function getRun(name: string): RunSpec {
  const spec = (RUNS as Record<string, RunSpec>)[name];
  if (!spec) throw new Error(`unknown run '${name}'; known runs: ${Object.keys(RUNS).join(", ")}`);
  return spec;
}

/** Labels in the encoding a model's loss expects. */
export function labelsFor(encoding: LabelEncoding, split: MnistSplit): tf.Tensor {
  return encoding === "sparse" ? labelTensor(split) : oneHotTensor(split);
}

/** Options of {@link trainRun}. */
export interface TrainRunOptions {
  cacheDir?: string;
  retrain?: boolean;
  /**
   * Where progress goes: a display, `"brief"` for one line (a notebook reusing a run another notebook
   * taught), or the default: the live log and curves in a notebook, lines on standard error elsewhere.
   */
  display?: TrainingDisplay | "brief";
  /** Another seed than the run's own (to measure how much the seed matters). */
  seed?: number;
}

/** A trained (or restored) run. */
export interface RunResult {
  spec: RunSpec;
  model: tf.LayersModel;
  history: CachedHistory;
  /** Epoch rows (Keras names), across every `fit` call of the run. */
  rows: EpochRow[];
  /** True when every part was restored from the cache. */
  fromCache: boolean;
  /** Seconds of training (when it ran, for restored runs). */
  seconds: number;
  /** With early stopping: the epoch whose weights the model has. */
  bestEpoch?: number;
  /** The training images the run used (after any removal; before augmentation). */
  train: MnistSplit;
}

/** The training images of a run: the course's, less the share `spec.reduce` removes (seeded by `seed`). */
export function trainingSplit(spec: RunSpec, data: CourseMnist, seed: number = spec.seed): MnistSplit {
  return spec.reduce ? removeRandomShare(data.train, spec.reduce, seed).split : data.train;
}

/** The seed of epoch `epoch`'s augmented copy (the notebooks write `1234 * 1000 + epoch`). */
export function augmentationSeed(seed: number, epoch: number): number {
  return seed * 1000 + epoch;
}

/** A run set up for `fit`: its model (seeded and compiled), data and `fit`'s arguments; `dispose` frees the tensors. */
interface PreparedRun {
  spec: RunSpec;
  seed: number;
  model: tf.LayersModel;
  shape: number[];
  train: MnistSplit;
  y: tf.Tensor;
  fitArgs: tf.ModelFitArgs;
  stopper: ReturnType<typeof earlyStopping> | null;
  dispose(): void;
}

/** Sets up the run `spec` for `model`, built as its cell builds it (seeded, compiled). */
function prepareRun(spec: RunSpec, data: CourseMnist, seed: number, model: tf.LayersModel): PreparedRun {
  const preset = getPreset(spec.preset);
  const shape = inputShapeOf(model);
  const train = trainingSplit(spec, data, seed);
  const y = labelsFor(preset.labels, train);
  const validationData: [tf.Tensor, tf.Tensor] | null = spec.validation === "test"
    ? [imageTensor(data.test, shape, spec.pixels), labelsFor(preset.labels, data.test)]
    : null;
  const stopper = spec.earlyStopping ? earlyStopping(spec.earlyStopping) : null;
  const fitArgs: tf.ModelFitArgs = {
    batchSize: spec.batchSize,
    ...(validationData ? { validationData } : { validationSplit: (spec.validation as { split: number }).split }),
    ...(stopper ? { callbacks: [stopper] } : {}),
  };
  return {
    spec,
    seed,
    model,
    shape,
    train,
    y,
    fitArgs,
    stopper,
    dispose: () => tf.dispose([y, ...(validationData ?? [])]),
  };
}

/**
 * A copy of `model` made as a notebook makes it: `model.save`, then
 * `tf.loadLayersModel` (here through memory instead of a folder: the same
 * layers and weights, bit for bit). The copy is not compiled.
 */
export async function savedAndLoaded(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler((artifacts) => {
    saved = artifacts;
    return Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) });
  }));
  return await tf.loadLayersModel(tf.io.fromMemory(saved!));
}

/**
 * The model a run starts from, as its cell builds it: the preset (seeded and
 * compiled), or for fine-tuning the trained model of `spec.fineTuneFrom`
 * saved and loaded, compiled with its preset's settings (a fresh optimizer),
 * and the generator seeded again before `fit` (loading draws initial weights).
 */
async function startingModel(spec: RunSpec, data: CourseMnist, seed: number, options: TrainRunOptions) {
  const preset = getPreset(spec.preset);
  if (!spec.fineTuneFrom) return preset.create(seed);
  const base = await trainRun(spec.fineTuneFrom, data, {
    ...options,
    display: options.display === silentTrainingDisplay ? silentTrainingDisplay : "brief",
  });
  try {
    const model = await savedAndLoaded(base.model);
    model.compile(compileArgs(preset.labels, preset.optimizer));
    setSeed(seed);
    return model;
  } finally {
    base.model.dispose();
  }
}

/**
 * True when the run called `name` is in the model cache, so {@link trainRun}
 * would restore it instead of training (nothing is trained; the model built
 * to compute the key is freed). Runs made of several `fit` calls (augmentation)
 * or built on another run (fine-tuning) answer false.
 */
export async function isRunCached(name: string, data: CourseMnist, options: TrainRunOptions = {}): Promise<boolean> {
  const spec = getRun(name);
  if (spec.augment || spec.fineTuneFrom) return false;
  const seed = options.seed ?? spec.seed;
  // built with the seeded generator put back afterwards, so that a training under way is not disturbed
  let random: number | null = null;
  const run = preservingRandom(() => {
    const prepared = prepareRun(spec, data, seed, getPreset(spec.preset).create(seed));
    random = randomState();
    return prepared;
  });
  try {
    const x = imageTensor(run.train, run.shape, spec.pixels);
    try {
      return await withModelCache(run.model, { cacheDir: options.cacheDir })
        .isCached(x, run.y, { ...run.fitArgs, epochs: run.spec.epochs }, random);
    } finally {
      x.dispose();
    }
  } finally {
    run.dispose();
    run.model.dispose();
  }
}

/**
 * Trains the run called `name` on `data` (or restores it from the cache),
 * exactly as its notebook cell does.
 *
 * @example
 * const { model } = await trainRun("cnn-5", await loadCourseMnist());
 */
export async function trainRun(name: string, data: CourseMnist, options: TrainRunOptions = {}): Promise<RunResult> {
  const spec = getRun(name);
  const seed = options.seed ?? spec.seed;
  const prepared = prepareRun(spec, data, seed, await startingModel(spec, data, seed, options));
  const { model, shape, train, y, fitArgs, stopper, dispose } = prepared;
  const display = options.display === "brief"
    ? briefTrainingDisplay(spec.name)
    : options.display ?? defaultTrainingDisplay(`${spec.name}: learning curves`);
  try {
    if (!spec.augment) {
      const cached = withModelCache(model, {
        cacheDir: options.cacheDir,
        retrain: options.retrain,
        display,
        snapshotEpochs: spec.snapshotEpochs,
      });
      const x = imageTensor(train, shape, spec.pixels);
      try {
        const history = await cached.fit(x, y, { ...fitArgs, epochs: spec.epochs });
        return {
          spec,
          model,
          history,
          rows: history.rows,
          fromCache: history.fromCache,
          seconds: history.seconds,
          train,
          ...(stopper?.restoreBestWeights ? { bestEpoch: stopper.bestEpoch } : {}),
        };
      } finally {
        x.dispose();
      }
    }
    // Augmentation: each epoch trains on a new transformed copy, seeded by the run's seed and the epoch,
    // continuing the same model (initialEpoch), as notebook 07's cell does.
    let history: CachedHistory | null = null;
    const rows: EpochRow[] = [];
    const perEpoch = withModelCache(model, {
      cacheDir: options.cacheDir,
      retrain: options.retrain,
      display: countingEpochsOf(display, spec.epochs),
    });
    let seconds = 0;
    let fromCache = true;
    for (let epoch = 0; epoch < spec.epochs; epoch++) {
      const copy = augmentSplit(train, createRng(augmentationSeed(seed, epoch)), spec.augment);
      const x = imageTensor(copy, shape, spec.pixels);
      try {
        history = await perEpoch.fit(x, y, { ...fitArgs, epochs: epoch + 1, initialEpoch: epoch });
      } finally {
        x.dispose();
      }
      rows.push(...history.rows);
      seconds += history.seconds;
      fromCache &&= history.fromCache;
    }
    return { spec, model, history: history!, rows, fromCache, seconds, train };
  } finally {
    dispose();
  }
}

/** `display` with every epoch counted out of `epochs` (for a run made of one `fit` call per epoch). */
function countingEpochsOf(display: TrainingDisplay, epochs: number): TrainingDisplay {
  return {
    ...display,
    start: (info) => display.start({ ...info, epochs }),
    restored: (rows, _epochs, batches, from) => display.restored(rows, epochs, batches, from),
  };
}
