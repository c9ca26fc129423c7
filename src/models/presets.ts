/**
 * The architectures of the source documents, each with the compile settings
 * its source used, as factories: `createReportMlp()` returns a fresh, seeded,
 * compiled model every call; nothing is built at import time.
 *
 * Each factory is written exactly as a notebook cell writes the model
 * (`setSeed`, then `tf.sequential` with default initialisers, then `compile`),
 * so a model built here and one built in a notebook have the same initial
 * weights, and the model cache (`src/train.ts`) sees one run, not two.
 *
 * Input shapes follow the sources: the MLPs take a 28×28 image and flatten it
 * themselves (the report's `Flatten(input_shape=(28, 28))`), the CNNs a
 * 28×28×1 image; `inputShapeOf` tells which, so one image feeds either.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { DEFAULT_SEED, setSeed } from "../random.ts";
import { IMAGE_SIZE, NUM_CLASSES } from "../data/mnist.ts";

/** How a model expects its labels: integers (sparse) or one-hot rows. */
export type LabelEncoding = "sparse" | "onehot";

/** Optimizers the sources use. */
export type PresetOptimizer = "adam" | "rmsprop";

/** A named architecture with the compile settings its source used. */
export interface ModelPreset {
  /** Short identifier, used in run names. */
  name: string;
  /** What it is and which source it comes from. */
  description: string;
  /** Label encoding its loss expects. */
  labels: LabelEncoding;
  /** The optimizer its source trained with. */
  optimizer: PresetOptimizer;
  /** Builds a fresh compiled model; the same seed gives the same initial weights. */
  create(seed?: number): tf.LayersModel;
}

/** The MLPs' input: one 28×28 image (the report's `input_shape=(28, 28)`). */
export const MLP_INPUT_SHAPE: [number, number] = [IMAGE_SIZE, IMAGE_SIZE];
/** The CNNs' input: one 28×28 image with one channel. */
export const CNN_INPUT_SHAPE: [number, number, number] = [IMAGE_SIZE, IMAGE_SIZE, 1];

/** Compile settings by label encoding: the loss each source paired with its labels, and accuracy. */
export function compileArgs(labels: LabelEncoding, optimizer: PresetOptimizer = "adam"): tf.ModelCompileArgs {
  return {
    optimizer,
    loss: labels === "sparse" ? "sparseCategoricalCrossentropy" : "categoricalCrossentropy",
    metrics: ["accuracy"],
  };
}

/**
 * The report's MLP (section 2.2): Flatten → Dense(128, ReLU) → Dense(10, softmax),
 * Adam, sparse categorical cross-entropy on integer labels. 101,770 parameters.
 */
export function createReportMlp(seed: number = DEFAULT_SEED): tf.LayersModel {
  setSeed(seed);
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: MLP_INPUT_SHAPE }),
      tf.layers.dense({ units: 128, activation: "relu" }),
      tf.layers.dense({ units: NUM_CLASSES, activation: "softmax" }),
    ],
  });
  model.compile(compileArgs("sparse"));
  return model;
}

/**
 * The report's CNN (section 4.1): Conv2D(32, 3×3, ReLU) → MaxPooling(2×2) →
 * Flatten → Dense(100, ReLU) → Dense(10, softmax), Adam, categorical
 * cross-entropy on one-hot labels. 542,230 parameters.
 */
export function createReportCnn(seed: number = DEFAULT_SEED): tf.LayersModel {
  setSeed(seed);
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: CNN_INPUT_SHAPE, filters: 32, kernelSize: 3, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 100, activation: "relu" }),
      tf.layers.dense({ units: NUM_CLASSES, activation: "softmax" }),
    ],
  });
  model.compile(compileArgs("onehot"));
  return model;
}

/**
 * The side project's deeper CNN (source 001): three convolutions (32, 64, 64
 * filters) with two max-poolings, Dense(64) and the softmax output; Adam,
 * sparse labels. 93,322 parameters.
 */
export function createDeepCnn(seed: number = DEFAULT_SEED): tf.LayersModel {
  setSeed(seed);
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: CNN_INPUT_SHAPE, filters: 32, kernelSize: 3, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: "relu" }),
      tf.layers.dense({ units: NUM_CLASSES, activation: "softmax" }),
    ],
  });
  model.compile(compileArgs("sparse"));
  return model;
}

/**
 * The MLP notebook's deeper network (source 002): Dense 256 → 256 → 128 → 64 →
 * 10 with ReLU, RMSprop, sparse labels. 308,554 parameters.
 */
export function createDeepMlp(seed: number = DEFAULT_SEED): tf.LayersModel {
  setSeed(seed);
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: MLP_INPUT_SHAPE }),
      tf.layers.dense({ units: 256, activation: "relu" }),
      tf.layers.dense({ units: 256, activation: "relu" }),
      tf.layers.dense({ units: 128, activation: "relu" }),
      tf.layers.dense({ units: 64, activation: "relu" }),
      tf.layers.dense({ units: NUM_CLASSES, activation: "softmax" }),
    ],
  });
  model.compile(compileArgs("sparse", "rmsprop"));
  return model;
}

/**
 * The blog post's wide MLP (source 003): Dense(512, ReLU) → Dense(10, softmax),
 * Adam, one-hot labels. 407,050 parameters.
 */
export function createWideMlp(seed: number = DEFAULT_SEED): tf.LayersModel {
  setSeed(seed);
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: MLP_INPUT_SHAPE }),
      tf.layers.dense({ units: 512, activation: "relu" }),
      tf.layers.dense({ units: NUM_CLASSES, activation: "softmax" }),
    ],
  });
  model.compile(compileArgs("onehot"));
  return model;
}

/**
 * The course's CNN for drawings (notebook 06): source 001's three stages of
 * 3×3 convolutions made two convolutions deep per stage, as VGG does (32, 32,
 * max-pooling, 64, 64, max-pooling), then Dense(128) and the softmax output;
 * Adam, sparse labels. 197,482 parameters.
 */
export function createVggCnn(seed: number = DEFAULT_SEED): tf.LayersModel {
  setSeed(seed);
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: CNN_INPUT_SHAPE, filters: 32, kernelSize: 3, activation: "relu" }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: "relu" }),
      tf.layers.dense({ units: NUM_CLASSES, activation: "softmax" }),
    ],
  });
  model.compile(compileArgs("sparse"));
  return model;
}

/** Every preset by name. */
export const PRESETS: Readonly<Record<string, ModelPreset>> = {
  mlp: {
    name: "mlp",
    description: "the report's MLP: Flatten, Dense(128, ReLU), Dense(10)",
    labels: "sparse",
    optimizer: "adam",
    create: createReportMlp,
  },
  cnn: {
    name: "cnn",
    description: "the report's CNN: Conv2D(32, 3x3), MaxPool(2), Dense(100), Dense(10)",
    labels: "onehot",
    optimizer: "adam",
    create: createReportCnn,
  },
  "deep-cnn": {
    name: "deep-cnn",
    description: "source 001's deeper CNN: 3 convolutions, Dense(64)",
    labels: "sparse",
    optimizer: "adam",
    create: createDeepCnn,
  },
  "deep-mlp": {
    name: "deep-mlp",
    description: "source 002's MLP: Dense 256-256-128-64, RMSprop",
    labels: "sparse",
    optimizer: "rmsprop",
    create: createDeepMlp,
  },
  "wide-mlp": {
    name: "wide-mlp",
    description: "source 003's MLP: Dense(512)",
    labels: "onehot",
    optimizer: "adam",
    create: createWideMlp,
  },
  "vgg-cnn": {
    name: "vgg-cnn",
    description: "a VGG-style CNN: two 3x3 convolutions per stage (32, 32; 64, 64), Dense(128)",
    labels: "sparse",
    optimizer: "adam",
    create: createVggCnn,
  },
};

/** Looks up a preset, failing with the list of known names. */
export function getPreset(name: string): ModelPreset {
  const preset = PRESETS[name];
  if (!preset) throw new Error(`unknown model preset '${name}'; known presets: ${Object.keys(PRESETS).join(", ")}`);
  return preset;
}

/** The shape of one input of `model` (without the batch dimension), e.g. `[28, 28]` or `[28, 28, 1]`. */
export function inputShapeOf(model: tf.LayersModel): number[] {
  const shape = model.inputs[0].shape.slice(1);
  if (shape.some((d) => d == null)) throw new Error(`model ${model.name} has an input of unknown size`);
  return shape as number[];
}

/** The label encoding `model` was compiled for (from its loss), or null when it is not a cross-entropy. */
export function labelEncodingOf(model: tf.LayersModel): LabelEncoding | null {
  const loss = (model as unknown as { loss: unknown }).loss;
  const name = Array.isArray(loss) ? loss[0] : loss;
  if (name === "sparseCategoricalCrossentropy" || name === "sparse_categorical_crossentropy") return "sparse";
  if (name === "categoricalCrossentropy" || name === "categorical_crossentropy") return "onehot";
  return null;
}
