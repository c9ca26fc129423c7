/**
 * What a training run's cache entry says about the run (`meta.json`), checked
 * before anything is made from it: the per-epoch history that tables and
 * figures show, and the best epoch of an early-stopped run. A hand-edited or
 * damaged file is refused with a {@link ModelIntegrityError} naming it, so
 * `reproduce` never writes a table from it (a model cache retrains the run).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { ModelIntegrityError } from "./store.ts";

/** The file name of a cache entry's metadata. */
const META_FILE = "meta.json";

/** The history columns every run records (Keras's names). */
const REQUIRED_KEYS = ["epoch", "loss", "accuracy"] as const;

/** The parts of a cache entry's meta.json that results are made from. */
export interface RunMeta {
  /** One row per epoch: epoch (1, 2, …), loss, accuracy, and val_loss / val_accuracy when validating. */
  history: Record<string, number>[];
  /** With early stopping: the epoch whose model was kept. */
  bestEpoch?: number;
}

/**
 * Checks a parsed meta.json and returns what results are made from; throws a
 * {@link ModelIntegrityError} naming `file` and the first problem otherwise.
 *
 * @param meta the parsed JSON
 * @param file its path, for the message
 */
export function checkRunMeta(meta: unknown, file: string): RunMeta {
  const fail = (problem: string): never => {
    throw new ModelIntegrityError(dirname(file), file, problem);
  };
  if (!meta || typeof meta !== "object" || Array.isArray(meta)) fail("it is not a JSON object");
  const { history, bestEpoch } = meta as Record<string, unknown>;
  if (!Array.isArray(history)) fail("its history is not a list of epochs");
  const rows = history as unknown[];
  if (rows.length === 0) fail("its history is empty: a trained run has at least one epoch");
  let keys: string | null = null;
  rows.forEach((row, index) => {
    const where = `history row ${index + 1}`;
    if (!row || typeof row !== "object" || Array.isArray(row)) fail(`${where} is not an object`);
    const values = row as Record<string, unknown>;
    for (const key of REQUIRED_KEYS) {
      if (typeof values[key] !== "number" || !Number.isFinite(values[key])) {
        fail(`${where} has no finite number for ${key} (got ${JSON.stringify(values[key])})`);
      }
    }
    for (const [key, value] of Object.entries(values)) {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        fail(`${where}: ${key} is ${JSON.stringify(value)}, not a finite number`);
      }
    }
    if (values.epoch !== index + 1) fail(`${where} is for epoch ${values.epoch}, expected ${index + 1}`);
    const rowKeys = Object.keys(values).sort().join(",");
    if (keys !== null && rowKeys !== keys) fail(`${where} has the keys ${rowKeys}, the first row ${keys}`);
    keys = rowKeys;
  });
  if (
    bestEpoch !== undefined &&
    (!Number.isInteger(bestEpoch) || (bestEpoch as number) < 1 || (bestEpoch as number) > rows.length)
  ) {
    fail(`bestEpoch ${JSON.stringify(bestEpoch)} is not an epoch of its history (1-${rows.length})`);
  }
  return {
    history: rows as Record<string, number>[],
    ...(bestEpoch !== undefined ? { bestEpoch: bestEpoch as number } : {}),
  };
}

/** Reads and checks `<dir>/meta.json` (see {@link checkRunMeta}). */
export async function readRunMeta(dir: string): Promise<RunMeta> {
  const file = join(dir, META_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new ModelIntegrityError(dir, file, "is missing");
    throw error;
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch {
    throw new ModelIntegrityError(dir, file, "is not valid JSON");
  }
  return checkRunMeta(meta, file);
}
