/**
 * Trained models on disk in the TensorFlow.js layers format (`model.json` +
 * `weights.bin`), without tfjs-node, and a cache of trained models keyed by
 * everything that determines a training run.
 *
 * Layout of one saved model folder:
 * ```
 * model.json    topology + weights manifest (TF.js layers format)
 * weights.bin   all weights, float32 little-endian
 * meta.json     what produced it (the training config) and anything the trainer adds (history, metrics)
 * ```
 * Folders are written whole (temp folder, then rename), so an interrupted save
 * never leaves a half-written model behind.
 *
 * @module
 */
import { join } from "node:path";
import { tf } from "./tf.ts";
import { exists, repoRoot, writeDirAtomic, writeFileAtomic } from "./fsutil.ts";

/** Where the model cache lives unless told otherwise (`data/models/`). */
export function defaultCacheDir(): string {
  return join(repoRoot(), "data", "models");
}

const MODEL_JSON = "model.json";
const WEIGHTS_BIN = "weights.bin";
const META_JSON = "meta.json";

/**
 * Saves `model` into `dir` (created or replaced whole), with optional metadata.
 *
 * @example
 * await saveModel(model, "data/models/my-cnn", { note: "after 5 epochs" });
 */
export async function saveModel(model: tf.LayersModel, dir: string, meta: Record<string, unknown> = {}): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler((a) => {
    artifacts = a;
    return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } });
  }));
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error("TensorFlow.js returned no weights to save");
  const weightData = artifacts.weightData;
  const weights = weightData instanceof ArrayBuffer
    ? new Uint8Array(weightData)
    : new Uint8Array(await new Blob(weightData).arrayBuffer());
  const modelJson = {
    format: "layers-model",
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    trainingConfig: artifacts.trainingConfig,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
  };
  await writeDirAtomic(dir, async (temp) => {
    await writeFileAtomic(join(temp, WEIGHTS_BIN), weights);
    await writeFileAtomic(join(temp, MODEL_JSON), JSON.stringify(modelJson));
    await writeFileAtomic(join(temp, META_JSON), JSON.stringify(meta, null, 2) + "\n");
  });
}

/** Loads a model saved by {@link saveModel} (or any single-shard TF.js layers model). Compiles it when asked. */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const jsonPath = join(dir, MODEL_JSON);
  let modelJson: {
    modelTopology: object;
    trainingConfig?: tf.io.TrainingConfig;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  try {
    modelJson = JSON.parse(await Deno.readTextFile(jsonPath));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(`no saved model at ${dir} (${MODEL_JSON} is missing)`);
    throw new Error(`${jsonPath} is not a readable TF.js model file: ${(error as Error).message}`);
  }
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const buffers = await Promise.all(
    modelJson.weightsManifest.flatMap((group) => group.paths).map((p) => Deno.readFile(join(dir, p))),
  );
  const total = buffers.reduce((n, b) => n + b.length, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.length;
  }
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (total !== expected) {
    throw new Error(
      `${dir}: weights hold ${total} bytes but model.json describes ${expected}; the model is damaged, delete the folder to retrain`,
    );
  }
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: specs,
    weightData: weightData.buffer,
    trainingConfig: modelJson.trainingConfig,
  }));
  return model;
}

/** The metadata saved beside a model, or `null` when there is none. */
export async function readModelMeta(dir: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, META_JSON)));
  } catch {
    return null;
  }
}

/** True when `dir` holds a complete saved model. */
export async function hasModel(dir: string): Promise<boolean> {
  return await exists(join(dir, MODEL_JSON)) && await exists(join(dir, WEIGHTS_BIN));
}

/** Stable JSON: object keys sorted, so equal configs give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** A short hex hash (SHA-256, 12 characters) of a config's canonical JSON. */
export async function configHash(config: unknown): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalJson(config)));
  return Array.from(new Uint8Array(digest).subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The cache folder for a training configuration: `<cacheDir>/<name>-<hash>`,
 * where the hash covers every field of `config` (preset, data, epochs, batch
 * size, seed, backend, ...).
 */
export async function cachePath(
  config: { preset: string } & Record<string, unknown>,
  cacheDir = defaultCacheDir(),
): Promise<string> {
  return join(cacheDir, `${config.preset}-${await configHash(config)}`);
}
