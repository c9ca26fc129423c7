/**
 * Trained models on disk: the model cache's entries (one folder per training
 * run, keyed by everything that determined it; see `src/train.ts`) and plain
 * saved models, all in TensorFlow.js's layers format (`src/model_files.ts`).
 *
 * Layout of a cache entry:
 * ```
 * model.json     topology + weights manifest (TF.js layers format, loadable with tf.loadLayersModel)
 * weights.bin    the trained weights, float32 little-endian
 * optimizer.bin  the optimizer's state after training (iterations, moments), for runs that continue it
 * meta.json      the key, the per-epoch history, timings, the seeded generator's state after training
 * integrity.json the SHA-256 of each file above, recorded when saved
 * ```
 * Folders are written whole (temp folder, then rename), so an interrupted save
 * never leaves a half-written entry behind. Before an entry is used, every
 * file is checked against its recorded SHA-256 and its metadata against what
 * a run records; a damaged entry (a bad disk, a stray write, a hand edit)
 * fails with a {@link ModelIntegrityError} naming the file, and the cache
 * trains the run again. An entry without the record (saved before it
 * existed) is retrained once.
 *
 * @module
 */
import { join } from "node:path";
import { tf } from "./tf.ts";
import { exists, repoRoot } from "./fsutil.ts";
import {
  MODEL_JSON,
  ModelIntegrityError,
  readModelFolder,
  verifyModelFolder,
  WEIGHTS_BIN,
  writeModelFolder,
} from "./model_files.ts";

export { ModelIntegrityError } from "./model_files.ts";
import type { EpochRow } from "./display/training.ts";

/** Where the model cache lives unless told otherwise (`data/models/`). */
export function defaultCacheDir(): string {
  return join(repoRoot(), "data", "models");
}

/** Version of the cache entry layout and key; bump it when either changes meaning. */
export const CACHE_FORMAT = 2;
const META_JSON = "meta.json";
const OPTIMIZER_BIN = "optimizer.bin";

/** Stable JSON: object keys sorted, so equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of some bytes (or a string's UTF-8), as 64 hex digits. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---------------------------------------------------------------- plain saved models

/**
 * Saves `model` into the folder `dir` (created or replaced whole) with
 * optional metadata in `meta.json`. A notebook uses `model.save("file://...")`
 * instead, which writes the same files without `meta.json`.
 */
export async function saveModel(model: tf.LayersModel, dir: string, meta: Record<string, unknown> = {}): Promise<void> {
  const artifacts = await artifactsOf(model);
  await writeModelFolder(dir, artifacts, { [META_JSON]: JSON.stringify(meta, null, 2) + "\n" });
}

/**
 * Loads a model saved by {@link saveModel} or `model.save("file://...")`,
 * after checking its files against their recorded SHA-256.
 */
export async function loadModel(dir: string, options: { requireIntegrity?: boolean } = {}): Promise<tf.LayersModel> {
  return await tf.loadLayersModel(tf.io.fromMemory(await readModelFolder(dir, options)));
}

/** The metadata saved beside a model, or `null` when there is none or it is not JSON. */
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

async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler((a) => {
    artifacts = a;
    return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } });
  }));
  if (!artifacts) throw new Error("TensorFlow.js returned nothing to save");
  return artifacts;
}

// ---------------------------------------------------------------- cache entries

/** The optimizer's state as saved: its weights' names, shapes and types, and extra scalars (Adam's β powers). */
export interface OptimizerStateMeta {
  weights: { name: string; shape: number[]; dtype: string }[];
  extra: Record<string, number>;
}

/** What `meta.json` of a cache entry holds. */
export interface EntryMeta {
  format: number;
  /** Everything that determined the run (`fitKey` in `src/train.ts`). */
  key: Record<string, unknown>;
  /** Epoch rows as recorded (Keras names, seconds per epoch). */
  rows: EpochRow[];
  /** TF.js's history as `fit` returned it (its own key names). */
  history: { epoch: number[]; history: Record<string, number[]>; params: Record<string, unknown> };
  /** Seconds the training took. */
  seconds: number;
  savedAt: string;
  /** State of the seeded generator after training. */
  randomAfter: number;
  optimizer: OptimizerStateMeta | null;
  /** State of cache-aware callbacks, in the order they were given. */
  callbackStates: unknown[];
  /** Batches per epoch. */
  batches: number;
}

/** A cache entry read back: its metadata, the trained weights and the optimizer's state. */
export interface CacheEntry {
  meta: EntryMeta;
  weights: tf.Tensor[];
  optimizer: Uint8Array | null;
}

/** Writes a cache entry whole: the model, its optimizer state and the metadata. */
export async function saveCacheEntry(
  dir: string,
  model: tf.LayersModel,
  meta: EntryMeta,
  optimizer: Uint8Array | null,
): Promise<void> {
  const problem = entryProblem(meta);
  if (problem) throw new Error(`refusing to cache a run whose record is broken: ${problem}`);
  await writeModelFolder(dir, await artifactsOf(model), {
    [META_JSON]: JSON.stringify(meta, null, 1) + "\n",
    ...(optimizer ? { [OPTIMIZER_BIN]: optimizer } : {}),
  });
}

/**
 * Reads and checks a cache entry; null when there is none. Throws, naming the
 * file, when it is damaged (the caller trains again).
 */
export async function readCacheEntry(dir: string): Promise<CacheEntry | null> {
  const metaPath = join(dir, META_JSON);
  if (!await exists(metaPath)) return null;
  await verifyModelFolder(dir, { requireIntegrity: true });
  let meta: EntryMeta;
  try {
    meta = JSON.parse(await Deno.readTextFile(metaPath));
  } catch (error) {
    throw new ModelIntegrityError(dir, metaPath, `is not readable JSON (${(error as Error).message})`);
  }
  const problem = entryProblem(meta);
  if (problem) throw new ModelIntegrityError(dir, metaPath, problem);
  const artifacts = await readModelFolder(dir);
  const data = artifacts.weightData as ArrayBuffer;
  let offset = 0;
  const weights = (artifacts.weightSpecs ?? []).map((s) => {
    const count = s.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(data.slice(offset, offset + count * 4));
    offset += count * 4;
    return tf.tensor(values, s.shape, "float32");
  });
  let optimizer: Uint8Array | null = null;
  if (meta.optimizer) {
    try {
      optimizer = await Deno.readFile(join(dir, OPTIMIZER_BIN));
    } catch (error) {
      tf.dispose(weights);
      throw new ModelIntegrityError(
        dir,
        join(dir, OPTIMIZER_BIN),
        `is missing or unreadable (${(error as Error).message})`,
      );
    }
  }
  return { meta, weights, optimizer };
}

/** What is wrong with a cache entry's metadata, or null. */
export function entryProblem(meta: EntryMeta): string | null {
  if (!meta || typeof meta !== "object") return "it is not a JSON object";
  if (meta.format !== CACHE_FORMAT) return `cache format ${meta.format}, expected ${CACHE_FORMAT}`;
  if (!Array.isArray(meta.rows) || meta.rows.length === 0) {
    return "its history is empty: a trained run has at least one epoch";
  }
  for (const row of meta.rows) {
    if (!row || typeof row !== "object" || !Number.isInteger(row.epoch)) return "an epoch row without its epoch";
    for (const [k, v] of Object.entries(row)) {
      if (typeof v !== "number" || !Number.isFinite(v)) return `epoch ${row.epoch}: ${k} is not a finite number`;
    }
  }
  if (!meta.history || !Array.isArray(meta.history.epoch) || typeof meta.history.history !== "object") {
    return "no TF.js history";
  }
  if (!Number.isInteger(meta.randomAfter)) return "no random state";
  if (!Number.isInteger(meta.batches) || meta.batches < 1) return "no batch count";
  if (typeof meta.seconds !== "number" || typeof meta.savedAt !== "string") return "no timing";
  return null;
}
