/**
 * Every named training run of the course, in one registry: the report's four
 * (its MLP and CNN after 5 and 10 epochs), the extensions of notebook 07, and
 * the app's models (which are the report's 5-epoch runs). One name each, used
 * by `reproduce`, the app, `reports/manifest.json` and the notebooks' prose.
 *
 * A run is what a notebook cell does, written once as data: a preset
 * (`src/models/presets.ts`: seed, layers, compile), the data it trains on and
 * `fit`'s arguments. {@link trainRun} executes it through the same cached
 * `fit` as the notebooks (`src/train.ts`), so a run trained by `reproduce` is
 * restored by the notebook that shows its code, and the other way round.
 *
 * The report trained its 5- and 10-epoch models separately; here the 10-epoch
 * run caches its state after epoch 5 too, which is bit for bit the 5-epoch run
 * (same start, same shuffles), so `reproduce` trains each model once.
 *
 * @module
 */
import { tf } from "./tf.ts";
import { DEFAULT_SEED, preservingRandom, randomState } from "./random.ts";
import { createRng } from "./random.ts";
import type { CourseMnist } from "./data/course_data.ts";
import type { MnistSplit } from "./data/mnist.ts";
import { imageTensor, labelTensor, oneHotTensor } from "./data/tensors.ts";
import { type AugmentOptions, augmentSplit, DRAWING_AUGMENTATION, SOURCE_001_AUGMENTATION } from "./data/augment.ts";
import { getPreset, inputShapeOf, type LabelEncoding } from "./models/presets.ts";
import { type CachedHistory, earlyStopping, type EarlyStoppingArgs, withModelCache } from "./train.ts";
import {
  briefTrainingDisplay,
  defaultTrainingDisplay,
  type EpochRow,
  type TrainingDisplay,
} from "./display/training.ts";

/** The report's batch size (Keras's default). */
export const BATCH_SIZE = 32;
/** Keras's `validation_split=0.1`: the last 10% of the training images, as the report's MLP. */
export const VALIDATION_SPLIT = 0.1;
/** Epochs of notebook 07's shortened deeper-model runs (their sources trained longer). */
export const DEEPER_EPOCHS = 3;
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
  validation: Validation;
  /** Seeds weight initialisation and shuffling. */
  seed: number;
  /** Also cache the state after these epochs (the runs that stop there). */
  snapshotEpochs?: number[];
  /** A new randomly transformed copy of the training images every epoch. */
  augment?: AugmentOptions;
  /** Stop when the validation loss stops improving, keeping the best epoch's weights. */
  earlyStopping?: EarlyStoppingArgs;
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

const deeper = (preset: string, source: string): RunSpec => ({
  name: preset,
  title: `${getPreset(preset).description}, ${DEEPER_EPOCHS} epochs (shortened)`,
  source,
  preset,
  epochs: DEEPER_EPOCHS,
  batchSize: BATCH_SIZE,
  validation: { split: VALIDATION_SPLIT },
  seed: DEFAULT_SEED,
});

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
  "deep-mlp": deeper("deep-mlp", "source 002"),
  "wide-mlp": deeper("wide-mlp", "source 003"),
  "deep-cnn": deeper("deep-cnn", "source 001"),
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
}

/** A run set up for `fit`: its model (seeded and compiled), labels and `fit`'s arguments; `dispose` frees the tensors. */
interface PreparedRun {
  spec: RunSpec;
  model: tf.LayersModel;
  shape: number[];
  y: tf.Tensor;
  fitArgs: tf.ModelFitArgs;
  stopper: ReturnType<typeof earlyStopping> | null;
  dispose(): void;
}

function prepareRun(name: string, data: CourseMnist, seed?: number): PreparedRun {
  const spec = getRun(name);
  const preset = getPreset(spec.preset);
  const model = preset.create(seed ?? spec.seed);
  const shape = inputShapeOf(model);
  const y = labelsFor(preset.labels, data.train);
  const validationData: [tf.Tensor, tf.Tensor] | null = spec.validation === "test"
    ? [imageTensor(data.test, shape), labelsFor(preset.labels, data.test)]
    : null;
  const stopper = spec.earlyStopping ? earlyStopping(spec.earlyStopping) : null;
  const fitArgs: tf.ModelFitArgs = {
    batchSize: spec.batchSize,
    ...(validationData ? { validationData } : { validationSplit: (spec.validation as { split: number }).split }),
    ...(stopper ? { callbacks: [stopper] } : {}),
  };
  return { spec, model, shape, y, fitArgs, stopper, dispose: () => tf.dispose([y, ...(validationData ?? [])]) };
}

/**
 * True when the run called `name` is in the model cache, so {@link trainRun}
 * would restore it instead of training (nothing is trained; the model built
 * to compute the key is freed). Runs made of several `fit` calls (augmentation)
 * answer false.
 */
export async function isRunCached(name: string, data: CourseMnist, options: TrainRunOptions = {}): Promise<boolean> {
  // built with the seeded generator put back afterwards, so that a training under way is not disturbed
  let random: number | null = null;
  const run = preservingRandom(() => {
    const prepared = prepareRun(name, data, options.seed);
    random = randomState();
    return prepared;
  });
  try {
    if (run.spec.augment) return false;
    const x = imageTensor(data.train, run.shape);
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
  const { spec, model, shape, y, fitArgs, stopper, dispose } = prepareRun(name, data, options.seed);
  const display = options.display === "brief"
    ? briefTrainingDisplay(spec.name)
    : options.display ?? defaultTrainingDisplay(`${spec.name}: learning curves`);
  const cached = withModelCache(model, {
    cacheDir: options.cacheDir,
    retrain: options.retrain,
    display,
    snapshotEpochs: spec.snapshotEpochs,
  });
  try {
    if (!spec.augment) {
      const x = imageTensor(data.train, shape);
      try {
        const history = await cached.fit(x, y, { ...fitArgs, epochs: spec.epochs });
        return {
          spec,
          model,
          history,
          rows: history.rows,
          fromCache: history.fromCache,
          seconds: history.seconds,
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
      const copy = augmentSplit(data.train, createRng(spec.seed * 1000 + epoch), spec.augment);
      const x = imageTensor(copy, shape);
      try {
        history = await perEpoch.fit(x, y, { ...fitArgs, epochs: epoch + 1, initialEpoch: epoch });
      } finally {
        x.dispose();
      }
      rows.push(...history.rows);
      seconds += history.seconds;
      fromCache &&= history.fromCache;
    }
    return { spec, model, history: history!, rows, fromCache, seconds };
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
