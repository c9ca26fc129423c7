/**
 * Model folders on disk in the TensorFlow.js layers format, and the `file://`
 * URLs of `model.save` and `tf.loadLayersModel`.
 *
 * TensorFlow.js saves to files only through `@tensorflow/tfjs-node`, which
 * cannot be installed here (its install downloads a binary). This module gives
 * the course the same two calls a tfjs-node program uses:
 *
 * ```ts
 * await model.save("file://../data/saved/report-mlp");                          // a folder
 * const loaded = await tf.loadLayersModel("file://../data/saved/report-mlp/model.json");
 * ```
 *
 * A folder holds `model.json` (topology, training config and weights manifest)
 * and `weights.bin` (every weight, float32 little-endian), as tfjs-node writes
 * them, and is written whole (temp folder, then rename). Relative paths are
 * relative to the working directory, as in tfjs-node (a notebook's is its own
 * folder). `src/tf.ts` registers {@link fileRouter}; this module does not
 * import TensorFlow.js.
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import type { io } from "@tensorflow/tfjs-core";
import { writeDirAtomic, writeFileAtomic } from "./fsutil.ts";

/** The topology file of a model folder. */
export const MODEL_JSON = "model.json";
/** The weights file of a model folder. */
export const WEIGHTS_BIN = "weights.bin";
/** The URL scheme handled here. */
export const FILE_SCHEME = "file://";
/** The file that records the SHA-256 of the folder's other files, written with them. */
export const INTEGRITY_JSON = "integrity.json";

/**
 * A saved model that cannot be trusted: a file whose SHA-256 differs from the
 * one recorded when it was saved, no record where one is required, or a file
 * that is not what its writer writes. The message names the file and says what
 * to do.
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
async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The weights of a save as one byte array (TF.js may hand them over in several buffers). */
export function weightBytes(data: io.WeightData): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const parts = data.map((b) => new Uint8Array(b));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The `model.json` object for a save's artifacts, with the weights in one `weights.bin`. */
export function modelJsonOf(artifacts: io.ModelArtifacts, generatedBy: string): Record<string, unknown> {
  if (!artifacts.weightSpecs) throw new Error("TensorFlow.js gave no weight specs to save");
  return {
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy ?? generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
  };
}

/**
 * Writes a model folder whole: `model.json`, `weights.bin` and any `extra`
 * files (name → contents) beside them, and `integrity.json` with the SHA-256
 * of each, replacing an older folder of that name only once the new one is
 * complete.
 */
export async function writeModelFolder(
  dir: string,
  artifacts: io.ModelArtifacts,
  extra: Record<string, Uint8Array | string> = {},
): Promise<void> {
  if (!artifacts.weightData) throw new Error("TensorFlow.js gave no weights to save");
  const encoder = new TextEncoder();
  const files: Record<string, Uint8Array> = {
    [WEIGHTS_BIN]: weightBytes(artifacts.weightData),
    [MODEL_JSON]: encoder.encode(JSON.stringify(modelJsonOf(artifacts, "TensorFlow.js"))),
  };
  for (const [name, contents] of Object.entries(extra)) {
    files[name] = typeof contents === "string" ? encoder.encode(contents) : contents;
  }
  const hashes: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(files)) hashes[name] = await sha256(bytes);
  const integrity = JSON.stringify({ algorithm: "SHA-256", files: hashes }, null, 2) + "\n";
  await writeDirAtomic(dir, async (temp) => {
    for (const [name, bytes] of Object.entries(files)) await writeFileAtomic(join(temp, name), bytes);
    await writeFileAtomic(join(temp, INTEGRITY_JSON), integrity);
  });
}

/** Options of {@link verifyModelFolder} and {@link readModelFolder}. */
export interface IntegrityOptions {
  /**
   * Refuse a folder without `integrity.json` (saved by an older version of the
   * course, or by another tool). The model cache sets this: what it cannot
   * check, it retrains. Without it such a folder loads unchecked, while a
   * folder with a record is always checked.
   */
  requireIntegrity?: boolean;
}

/**
 * Checks every file a folder's `integrity.json` records against its SHA-256;
 * throws a {@link ModelIntegrityError} naming the first that differs or is missing.
 */
export async function verifyModelFolder(dir: string, options: IntegrityOptions = {}): Promise<void> {
  const recordPath = join(dir, INTEGRITY_JSON);
  let text: string;
  try {
    text = await Deno.readTextFile(recordPath);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    if (options.requireIntegrity) {
      throw new ModelIntegrityError(
        dir,
        recordPath,
        "is missing (the model was saved before integrity records, or by another tool), so it cannot be checked",
      );
    }
    return;
  }
  let files: unknown;
  try {
    files = JSON.parse(text).files;
  } catch {
    throw new ModelIntegrityError(dir, recordPath, "is not valid JSON");
  }
  if (!files || typeof files !== "object" || !(MODEL_JSON in files) || !(WEIGHTS_BIN in files)) {
    throw new ModelIntegrityError(dir, recordPath, `does not record the SHA-256 of ${MODEL_JSON} and ${WEIGHTS_BIN}`);
  }
  for (const [name, recorded] of Object.entries(files as Record<string, unknown>)) {
    const path = join(dir, name);
    if (basename(name) !== name || typeof recorded !== "string") {
      throw new ModelIntegrityError(dir, recordPath, `records ${JSON.stringify(name)}, not a file of the folder`);
    }
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) throw new ModelIntegrityError(dir, path, "is missing");
      throw error;
    }
    const actual = await sha256(bytes);
    if (actual !== recorded) {
      throw new ModelIntegrityError(
        dir,
        path,
        `its SHA-256 (${actual.slice(0, 12)}…) is not the one recorded when it was saved (${
          recorded.slice(0, 12)
        }…): it was changed or damaged since`,
      );
    }
  }
}

/** Bytes of one weight of a manifest entry. */
function bytesPerElement(dtype: string | undefined): number {
  if (dtype === undefined || dtype === "float32" || dtype === "int32") return 4;
  if (dtype === "bool") return 1;
  throw new Error(`weights of type ${dtype} are not supported`);
}

/**
 * Reads a model folder (or a `model.json` path) into the artifacts
 * `tf.loadLayersModel` takes, after checking its files against their recorded
 * SHA-256 ({@link verifyModelFolder}). Fails with a message naming the file
 * and what to do when it is missing, damaged, not a TF.js model, or its
 * weights do not match it.
 */
export async function readModelFolder(path: string, options: IntegrityOptions = {}): Promise<io.ModelArtifacts> {
  const jsonPath = path.endsWith(".json") ? path : join(path, MODEL_JSON);
  const dir = resolve(jsonPath, "..");
  try {
    await Deno.stat(jsonPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`no saved model at ${dir} (${jsonPath} is missing)`);
    }
    throw error;
  }
  await verifyModelFolder(dir, options);
  let json: {
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    modelTopology?: unknown;
    trainingConfig?: io.TrainingConfig;
    userDefinedMetadata?: io.ModelArtifacts["userDefinedMetadata"];
    weightsManifest?: { paths?: unknown; weights?: unknown }[];
  };
  try {
    json = JSON.parse(await Deno.readTextFile(jsonPath));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`no saved model at ${dir} (${jsonPath} is missing)`);
    }
    throw new Error(`${jsonPath} is not a readable TF.js model file: ${(error as Error).message}`);
  }
  const manifest = json?.weightsManifest;
  if (
    !json || typeof json !== "object" || !json.modelTopology || !Array.isArray(manifest) ||
    !manifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))
  ) {
    throw new Error(
      `${jsonPath} is not a TF.js layers model: it needs "modelTopology" and a "weightsManifest" of ` +
        `{ paths, weights } groups (it has no weightsManifest, or a damaged one); save the model again`,
    );
  }
  const specs = manifest.flatMap((g) => g.weights as io.WeightsManifestEntry[]);
  const files = manifest.flatMap((g) => g.paths as string[]);
  for (const file of files) {
    // weights live beside model.json: a path that leaves the folder would read any file on the machine
    if (typeof file !== "string" || file === "" || basename(file) !== file || file === "..") {
      throw new Error(`${jsonPath}: the weights path ${JSON.stringify(file)} is not a file name in the model's folder`);
    }
  }
  for (const spec of specs) {
    if (!spec || !Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`${jsonPath}: the weight ${JSON.stringify(spec?.name)} has no valid shape`);
    }
  }
  const buffers: Uint8Array[] = [];
  for (const file of files) {
    try {
      buffers.push(await Deno.readFile(join(dir, file)));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`${join(dir, file)} is missing: the model in ${dir} is incomplete; save it again`);
      }
      throw error;
    }
  }
  const weightData = weightBytes(buffers.map((b) => b.slice().buffer));
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * bytesPerElement(s.dtype), 0);
  if (weightData.length !== expected) {
    throw new Error(
      `${dir}: the weights hold ${weightData.length} bytes but ${MODEL_JSON} describes ${expected}; ` +
        `the model is damaged: delete the folder and save or train it again`,
    );
  }
  return {
    modelTopology: json.modelTopology as io.ModelArtifacts["modelTopology"],
    weightSpecs: specs,
    weightData: weightData.buffer as ArrayBuffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    ...(json.trainingConfig ? { trainingConfig: json.trainingConfig } : {}),
    ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
  };
}

/** The local path of a `file://` URL (relative paths stay relative to the working directory). */
export function pathOfFileUrl(url: string): string {
  if (!url.startsWith(FILE_SCHEME)) throw new Error(`not a ${FILE_SCHEME} URL: ${url}`);
  return decodeURIComponent(url.slice(FILE_SCHEME.length));
}

/**
 * The IO handler for `file://` URLs, as tfjs-node's: `model.save(url)` writes
 * the folder named by the URL; `tf.loadLayersModel(url)` reads a `model.json`
 * (or the folder holding one). Registered as a save and a load router by `src/tf.ts`.
 */
export function fileRouter(url: string | string[]): io.IOHandler {
  // an IORouter answers null for URLs it does not handle (its declared type says otherwise)
  if (typeof url !== "string" || !url.startsWith(FILE_SCHEME)) return null as unknown as io.IOHandler;
  const path = pathOfFileUrl(url);
  return {
    save: async (artifacts) => {
      await writeModelFolder(path, artifacts);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    },
    load: () => readModelFolder(path),
  };
}
