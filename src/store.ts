/**
 * Trained models on disk in the TensorFlow.js layers format (`model.json` +
 * `weights.bin`), without tfjs-node, and a cache of trained models keyed by
 * everything that determines a training run.
 *
 * Layout of one saved model folder:
 * ```
 * model.json      topology + weights manifest (TF.js layers format)
 * weights.bin     all weights, float32 little-endian
 * meta.json       what produced it (the training config) and anything the trainer adds (history, metrics)
 * integrity.json  the SHA-256 of model.json and weights.bin, recorded when saved
 * ```
 * Folders are written whole (temp folder, then rename), so an interrupted save
 * never leaves a half-written model behind. A file damaged afterwards (a bad
 * disk, a stray write, a hand edit) no longer matches its recorded SHA-256,
 * and {@link loadModel} refuses it with a {@link ModelIntegrityError} instead
 * of handing out a model that predicts nonsense; a model cache retrains it.
 *
 * @module
 */
import { basename, join } from "node:path";
import { tf } from "./tf.ts";
import { exists, repoRoot, writeDirAtomic, writeFileAtomic } from "./fsutil.ts";

/** Where the model cache lives unless told otherwise (`data/models/`). */
export function defaultCacheDir(): string {
  return join(repoRoot(), "data", "models");
}

const MODEL_JSON = "model.json";
const WEIGHTS_BIN = "weights.bin";
const META_JSON = "meta.json";
/** The file that records the SHA-256 of the others. */
export const INTEGRITY_JSON = "integrity.json";
/** The files whose SHA-256 {@link INTEGRITY_JSON} records. */
const HASHED_FILES = [MODEL_JSON, WEIGHTS_BIN] as const;

/**
 * A saved model that cannot be trusted: a file whose SHA-256 differs from the
 * one recorded when it was saved, no record at all where one is required, or
 * metadata that is not what its writer writes. The message names the file
 * and says what to do.
 */
export class ModelIntegrityError extends Error {
  /**
   * @param dir the model's folder
   * @param file the file at fault (a path)
   * @param problem what is wrong with it
   */
  constructor(readonly dir: string, readonly file: string, readonly problem: string) {
    super(
      `${file}: ${problem}; the saved model in ${dir} cannot be trusted ` +
        `(a model cache retrains it; elsewhere, delete the folder and save or train the model again)`,
    );
    this.name = "ModelIntegrityError";
  }
}

/** Hex SHA-256 of some bytes. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer> | string): Promise<string> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const digest = await crypto.subtle.digest("SHA-256", data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

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
  const modelText = JSON.stringify(modelJson);
  const integrity = {
    algorithm: "SHA-256",
    files: { [MODEL_JSON]: await sha256Hex(modelText), [WEIGHTS_BIN]: await sha256Hex(weights) },
  };
  await writeDirAtomic(dir, async (temp) => {
    await writeFileAtomic(join(temp, WEIGHTS_BIN), weights);
    await writeFileAtomic(join(temp, MODEL_JSON), modelText);
    await writeFileAtomic(join(temp, META_JSON), JSON.stringify(meta, null, 2) + "\n");
    await writeFileAtomic(join(temp, INTEGRITY_JSON), JSON.stringify(integrity, null, 2) + "\n");
  });
}

/** Options of {@link loadModel}. */
export interface LoadOptions {
  /**
   * Refuse a folder without {@link INTEGRITY_JSON} (saved by an older version
   * of the course, or by other tools). A model cache sets this: what it cannot
   * check, it retrains. Without it, a folder without the record loads
   * unchecked, while a folder with one is always checked.
   */
  requireIntegrity?: boolean;
}

/** The hashes recorded for a saved model, or `null` when it has no record. */
async function readIntegrity(dir: string): Promise<Record<string, string> | null> {
  const path = join(dir, INTEGRITY_JSON);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  let files: unknown;
  try {
    files = JSON.parse(text).files;
  } catch {
    throw new ModelIntegrityError(dir, path, "is not valid JSON");
  }
  const valid = files && typeof files === "object" &&
    HASHED_FILES.every((f) => typeof (files as Record<string, unknown>)[f] === "string");
  if (!valid) throw new ModelIntegrityError(dir, path, `does not record the SHA-256 of ${HASHED_FILES.join(" and ")}`);
  return files as Record<string, string>;
}

/**
 * Checks a saved model's files against the SHA-256 recorded when it was
 * saved; throws a {@link ModelIntegrityError} naming the first that differs.
 */
export async function verifyModel(dir: string, options: LoadOptions = {}): Promise<void> {
  const recorded = await readIntegrity(dir);
  if (!recorded) {
    if (options.requireIntegrity) {
      throw new ModelIntegrityError(
        dir,
        join(dir, INTEGRITY_JSON),
        "is missing (the model was saved before integrity records, or by another tool), so its weights cannot be checked",
      );
    }
    return;
  }
  for (const file of HASHED_FILES) {
    const path = join(dir, file);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) throw new ModelIntegrityError(dir, path, "is missing");
      throw error;
    }
    const actual = await sha256Hex(bytes);
    if (actual !== recorded[file]) {
      throw new ModelIntegrityError(
        dir,
        path,
        `its SHA-256 (${actual.slice(0, 12)}…) is not the one recorded when it was saved (${
          recorded[file].slice(0, 12)
        }…): it was changed or damaged since`,
      );
    }
  }
}

interface ModelJson {
  modelTopology: object;
  trainingConfig?: tf.io.TrainingConfig;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** `value` as a model.json, or an error naming the file and what it lacks. */
function checkModelJson(value: unknown, path: string): ModelJson {
  const fail = (problem: string): never => {
    throw new Error(`${path} is not a TF.js layers model file: ${problem}; save or train the model again`);
  };
  if (!value || typeof value !== "object" || Array.isArray(value)) fail("it is not a JSON object");
  const json = value as Record<string, unknown>;
  if (!json.modelTopology || typeof json.modelTopology !== "object") fail("it has no modelTopology");
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest) || manifest.length === 0) fail("it has no weightsManifest");
  for (const group of manifest as unknown[]) {
    const g = group as Record<string, unknown>;
    if (!g || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      fail("a weightsManifest entry lacks its paths or weights");
    }
    for (const p of g.paths as unknown[]) {
      // weights live beside model.json: a path that leaves the folder would read any file on the machine
      if (typeof p !== "string" || p === "" || basename(p) !== p || p === "." || p === "..") {
        fail(`the weights path ${JSON.stringify(p)} is not a file name in the model's folder`);
      }
    }
    for (const w of g.weights as unknown[]) {
      const spec = w as Record<string, unknown>;
      if (!spec || !Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        fail(`the weight ${JSON.stringify(spec?.name)} has no valid shape`);
      }
    }
  }
  return json as unknown as ModelJson;
}

/**
 * Loads a model saved by {@link saveModel} (or any TF.js layers model in one
 * folder), after checking its files against their recorded SHA-256 (see
 * {@link verifyModel}).
 */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<tf.LayersModel> {
  const jsonPath = join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await Deno.readTextFile(jsonPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(`no saved model at ${dir} (${MODEL_JSON} is missing)`);
    throw new Error(`${jsonPath} cannot be read: ${(error as Error).message}`);
  }
  await verifyModel(dir, options);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${jsonPath} is not a readable TF.js model file: ${(error as Error).message}`);
  }
  const modelJson = checkModelJson(parsed, jsonPath);
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const buffers = await Promise.all(
    modelJson.weightsManifest.flatMap((group) => group.paths).map(async (p) => {
      try {
        return await Deno.readFile(join(dir, p));
      } catch (error) {
        throw new Error(`${join(dir, p)}, the weights ${jsonPath} names, cannot be read: ${(error as Error).message}`);
      }
    }),
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
