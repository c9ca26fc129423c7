/**
 * The architectures of the source documents as named presets. Each factory
 * returns a fresh, compiled model; nothing is built at import time.
 *
 * All presets take the same input, a `[28, 28, 1]` image with grey levels in
 * [0, 1], so one tensor feeds every model and a drawn digit can go to any of
 * them. (For the MLPs the first layer flattens it to 784 numbers, exactly as
 * the report's `Flatten(input_shape=(28, 28))` does.)
 *
 * @module
 */
import { backendName, tf } from "../tf.ts";
import { directStepEnabled, fusedLossEnabled } from "../backend/overrides.ts";
import { installFusedLoss } from "../backend/fused_loss.ts";
import { installDirectStep } from "../backend/direct_step.ts";
import { DEFAULT_SEED, withSeed } from "../random.ts";
import { IMAGE_SIZE, NUM_CLASSES } from "../data/mnist.ts";

/** How a preset expects its labels: integers (sparse) or one-hot rows. */
export type LabelEncoding = "sparse" | "onehot";

/** Optimizers the sources use. */
export type PresetOptimizer = "adam" | "rmsprop";

/** A named architecture with the training setup its source used. */
export interface ModelPreset {
  /** Short identifier, used in file names and the model cache. */
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

/** Input shape shared by all presets. */
export const INPUT_SHAPE: [number, number, number] = [IMAGE_SIZE, IMAGE_SIZE, 1];

/** Seeded Glorot-uniform initialiser (Keras's default), so weights depend only on the seed. */
function glorot(seed: number) {
  return tf.initializers.glorotUniform({ seed });
}

/**
 * Compiles `model` with the loss for `labels` and the given optimizer (fresh
 * state), reporting accuracy. Used for new models and for models loaded from disk.
 */
export function compileFor(
  model: tf.LayersModel,
  labels: LabelEncoding,
  optimizer: PresetOptimizer = "adam",
): tf.LayersModel {
  model.compile({
    optimizer,
    loss: labels === "sparse" ? "sparseCategoricalCrossentropy" : "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
  // On wasm: the same loss and metric, each as one step (see src/backend/fused_loss.ts), and the training
  // step without the engine's bookkeeping, bit for bit the same (src/backend/direct_step.ts).
  if (backendName() === "wasm" && fusedLossEnabled()) {
    installFusedLoss(model, labels);
    if (directStepEnabled()) installDirectStep(model);
  }
  return model;
}

/**
 * The report's MLP (section 2.2): Flatten → Dense(128, ReLU) → Dense(10, softmax),
 * Adam, sparse categorical cross-entropy on integer labels. 101,770 parameters.
 */
export function createReportMlp(seed: number = DEFAULT_SEED): tf.LayersModel {
  return withSeed(seed, () => {
    const model = tf.sequential({
      name: "report_mlp",
      layers: [
        tf.layers.flatten({ inputShape: INPUT_SHAPE, name: "flatten" }),
        tf.layers.dense({ units: 128, activation: "relu", kernelInitializer: glorot(seed), name: "dense" }),
        tf.layers.dense({
          units: NUM_CLASSES,
          activation: "softmax",
          kernelInitializer: glorot(seed + 1),
          name: "dense_1",
        }),
      ],
    });
    return compileFor(model, "sparse");
  });
}

/**
 * The report's CNN (section 4.1): Conv2D(32, 3×3, ReLU) → MaxPooling(2×2) →
 * Flatten → Dense(100, ReLU) → Dense(10, softmax), Adam, categorical
 * cross-entropy on one-hot labels. 542,230 parameters.
 */
export function createReportCnn(seed: number = DEFAULT_SEED): tf.LayersModel {
  return withSeed(seed, () => {
    const model = tf.sequential({
      name: "report_cnn",
      layers: [
        tf.layers.conv2d({
          inputShape: INPUT_SHAPE,
          filters: 32,
          kernelSize: 3,
          activation: "relu",
          kernelInitializer: glorot(seed),
          name: "conv2d",
        }),
        tf.layers.maxPooling2d({ poolSize: 2, name: "max_pooling2d" }),
        tf.layers.flatten({ name: "flatten" }),
        tf.layers.dense({ units: 100, activation: "relu", kernelInitializer: glorot(seed + 1), name: "dense" }),
        tf.layers.dense({
          units: NUM_CLASSES,
          activation: "softmax",
          kernelInitializer: glorot(seed + 2),
          name: "dense_1",
        }),
      ],
    });
    return compileFor(model, "onehot");
  });
}

/**
 * The side project's deeper CNN (source 001): three convolutions (32, 64, 64
 * filters) with two max-poolings, Dense(64) and the softmax output; Adam,
 * sparse labels. 93,322 parameters.
 */
export function createDeepCnn(seed: number = DEFAULT_SEED): tf.LayersModel {
  return withSeed(seed, () => {
    const model = tf.sequential({
      name: "deep_cnn",
      layers: [
        tf.layers.conv2d({
          inputShape: INPUT_SHAPE,
          filters: 32,
          kernelSize: 3,
          activation: "relu",
          kernelInitializer: glorot(seed),
        }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu", kernelInitializer: glorot(seed + 1) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu", kernelInitializer: glorot(seed + 2) }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 64, activation: "relu", kernelInitializer: glorot(seed + 3) }),
        tf.layers.dense({ units: NUM_CLASSES, activation: "softmax", kernelInitializer: glorot(seed + 4) }),
      ],
    });
    return compileFor(model, "sparse");
  });
}

/**
 * The MLP notebook's deeper network (source 002): Dense 256 → 256 → 128 → 64 →
 * 10 with ReLU, RMSprop, sparse labels. 308,554 parameters.
 */
export function createDeepMlp(seed: number = DEFAULT_SEED): tf.LayersModel {
  return withSeed(seed, () => {
    const units = [256, 256, 128, 64];
    const model = tf.sequential({ name: "deep_mlp" });
    model.add(tf.layers.flatten({ inputShape: INPUT_SHAPE }));
    units.forEach((u, i) =>
      model.add(tf.layers.dense({ units: u, activation: "relu", kernelInitializer: glorot(seed + i) }))
    );
    model.add(
      tf.layers.dense({ units: NUM_CLASSES, activation: "softmax", kernelInitializer: glorot(seed + units.length) }),
    );
    return compileFor(model, "sparse", "rmsprop");
  });
}

/**
 * The blog post's wide MLP (source 003): Dense(512, ReLU) → Dense(10, softmax),
 * Adam, one-hot labels. 407,050 parameters.
 */
export function createWideMlp(seed: number = DEFAULT_SEED): tf.LayersModel {
  return withSeed(seed, () => {
    const model = tf.sequential({
      name: "wide_mlp",
      layers: [
        tf.layers.flatten({ inputShape: INPUT_SHAPE }),
        tf.layers.dense({ units: 512, activation: "relu", kernelInitializer: glorot(seed) }),
        tf.layers.dense({ units: NUM_CLASSES, activation: "softmax", kernelInitializer: glorot(seed + 1) }),
      ],
    });
    return compileFor(model, "onehot");
  });
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
};

/** Looks up a preset, failing with the list of known names. */
export function getPreset(name: string): ModelPreset {
  const preset = PRESETS[name];
  if (!preset) throw new Error(`unknown model preset '${name}'; known presets: ${Object.keys(PRESETS).join(", ")}`);
  return preset;
}
