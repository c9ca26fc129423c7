/**
 * `fit` with a memory: a training run that was done before is restored from
 * the model cache instead of being trained again.
 *
 * A notebook cell trains a model as any TensorFlow.js program does, with one
 * named step in front of `fit`:
 *
 * ```ts
 * setSeed(SEED);
 * const model = tf.sequential({ layers: [...] });
 * model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
 * const history = await withModelCache(model).fit(xTrain, yTrain, { epochs: 5, batchSize: 32, validationSplit: 0.1 });
 * ```
 *
 * `withModelCache(model).fit` takes exactly `model.fit`'s arguments and returns
 * its `History`. Before training it computes a key from everything that
 * determines the result: the model's topology (layer classes and settings,
 * not their generated names), its current weights, the optimizer (class,
 * settings and state), loss and metrics, the data (SHA-256 of every tensor),
 * `fit`'s arguments, the callbacks that change training, the state of the
 * seeded `Math.random` (`src/random.ts`: it drives `fit`'s shuffling), and the
 * backend, TensorFlow.js version and the project's kernels. When the cache
 * holds a run with that key, its weights, optimizer state and history are put
 * back, the seeded generator is moved to where training would have left it,
 * and the display says so in one line; otherwise `fit` trains (showing a live
 * log and learning curves) and the run is saved. So a re-run notebook does
 * not retrain, a changed layer or hyperparameter does, a run continued with
 * `initialEpoch` is keyed by the state it continues from, and `reproduce`
 * (`src/runs.ts`) shares every run with the notebooks.
 *
 * Environment: `MNIST_CACHE_DIR` (default `data/models/`), `MNIST_RETRAIN=1`
 * (train and overwrite even when cached).
 *
 * @module
 */
import { join } from "node:path";
import { tf } from "./tf.ts";
import { backendName } from "./tf.ts";
import { randomState, setRandomState } from "./random.ts";
import {
  CACHE_FORMAT,
  type CacheEntry,
  canonicalJson,
  defaultCacheDir,
  type EntryMeta,
  ModelIntegrityError,
  type OptimizerStateMeta,
  readCacheEntry,
  saveCacheEntry,
  sha256Hex,
} from "./store.ts";
import { exists, repoRoot } from "./fsutil.ts";
import {
  defaultTrainingDisplay,
  type EpochRow,
  kerasName,
  silentTrainingDisplay,
  type TrainingDisplay,
} from "./display/training.ts";
import { cacheDirFromEnv, retrainFromEnv } from "./course_env.ts";
import { tr } from "./i18n.ts";

/** What `withModelCache(...).fit` returns: TF.js's `History`, and where the run came from. */
export interface CachedHistory extends tf.History {
  /** True when the run was restored from the cache instead of trained now. */
  fromCache: boolean;
  /** The cache folder of the run. */
  path: string;
  /** Seconds the training took when it ran (now, or when it was cached). */
  seconds: number;
  /** The epochs as rows with Keras's names (`accuracy`, `val_loss`, ...) and `seconds`. */
  rows: EpochRow[];
}

/** Options of {@link withModelCache}. */
export interface ModelCacheOptions {
  /** Cache folder (default `MNIST_CACHE_DIR`, else `data/models/`). */
  cacheDir?: string;
  /** Train even when the run is cached, and replace the entry (default `MNIST_RETRAIN`). */
  retrain?: boolean;
  /** Where progress goes (default: live in a notebook, lines on standard error elsewhere). */
  display?: TrainingDisplay;
  /** Title of the live learning curves. */
  title?: string;
  /**
   * Also cache the state after these epochs, as the runs that stop there
   * (e.g. `[5]` on a 10-epoch run gives the 5-epoch run too, bit for bit).
   */
  snapshotEpochs?: number[];
}

/**
 * A callback that changes how training goes (stops it, changes the weights)
 * says so by giving the cache a key; one that only watches says so by
 * `cacheKey() === null`. A callback with state the caller reads after `fit`
 * (e.g. the epoch early stopping kept) saves and restores it with the run.
 */
export interface CacheAwareCallback {
  cacheKey(): unknown;
  cacheState?(): unknown;
  restoreCacheState?(state: unknown): void;
}

// ---------------------------------------------------------------- the key

/** SHA-256 of a tensor's values, shape and type (memoised: tensors are immutable). */
const tensorHashes = new WeakMap<tf.Tensor, Promise<string>>();

function tensorHash(t: tf.Tensor): Promise<string> {
  let hash = tensorHashes.get(t);
  if (!hash) {
    hash = (async () => {
      const values = await t.data();
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      return await sha256Hex(`${t.dtype}:${t.shape.join("x")}:${await sha256Hex(bytes)}`);
    })();
    tensorHashes.set(t, hash);
  }
  return hash;
}

type TensorArg = tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;
type DataArg = TensorArg | TensorArg[];

async function dataKey(value: DataArg | undefined | null): Promise<unknown> {
  if (value == null) return null;
  if (value instanceof tf.Tensor) return await tensorHash(value);
  if (Array.isArray(value)) return await Promise.all(value.map((t) => dataKey(t)));
  const entries = await Promise.all(Object.entries(value).map(async ([k, t]) => [k, await dataKey(t)]));
  return Object.fromEntries(entries);
}

/** The model's topology with generated names replaced by positions, so the same layers give the same key. */
export function topologyKey(model: tf.LayersModel): unknown {
  const json = model.toJSON(undefined, false) as unknown as Record<string, unknown>;
  const names = new Map<string, string>(model.layers.map((l, i) => [l.name, `layer${i}`]));
  names.set(model.name, "model");
  const inner = (model as { model?: tf.LayersModel }).model;
  if (inner) names.set(inner.name, "model");
  const rename = (value: unknown): unknown => {
    if (typeof value === "string") return names.get(value) ?? value;
    if (Array.isArray(value)) return value.map(rename);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, rename(v)]));
    }
    return value;
  };
  const { keras_version: _k, backend: _b, ...rest } = json;
  return rename(rest);
}

async function weightsKey(model: tf.LayersModel): Promise<string> {
  const hashes = await Promise.all(model.getWeights().map((w) => tensorHash(w)));
  return await sha256Hex(hashes.join(","));
}

/** The optimizer's class, settings and state (SHA-256 of its weights: iterations, moments). */
async function optimizerKey(model: tf.LayersModel): Promise<unknown> {
  const optimizer = model.optimizer;
  if (!optimizer) throw new Error("compile the model before fit: model.compile({ optimizer, loss, metrics })");
  const state = await optimizerState(optimizer);
  return {
    className: optimizer.getClassName(),
    config: optimizer.getConfig(),
    state: state ? await sha256Hex(`${JSON.stringify(state.meta)}:${await sha256Hex(state.bytes)}`) : null,
  };
}

function lossKey(model: tf.LayersModel): { loss: unknown; metrics: unknown } {
  const describe = (value: unknown): unknown => {
    if (typeof value === "string") return value;
    if (typeof value === "function") return `function ${value.name}: ${value.toString()}`;
    if (Array.isArray(value)) return value.map(describe);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, describe(v)]));
    }
    return value ?? null;
  };
  const m = model as unknown as { loss: unknown; metrics: unknown };
  return { loss: describe(m.loss), metrics: describe(m.metrics) };
}

/** The callbacks of a `fit` call as TF.js receives them (configs become `CustomCallback`s). */
function callbackList(callbacks: tf.ModelFitArgs["callbacks"]): tf.Callback[] {
  if (callbacks == null) return [];
  const list = (Array.isArray(callbacks) ? callbacks : [callbacks]) as unknown[];
  return list.map((
    c,
  ) => (c instanceof tf.Callback ? c : new tf.CustomCallback(c as tf.CustomCallbackArgs))) as tf.Callback[];
}

/** What a callback contributes to the key: its own `cacheKey()`, or its class, source and settings. */
function callbackKey(callback: tf.Callback): unknown {
  const aware = callback as unknown as Partial<CacheAwareCallback>;
  if (typeof aware.cacheKey === "function") return aware.cacheKey();
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(callback)) {
    if (["model", "params", "validationData"].includes(k)) continue;
    if (v === null || ["string", "number", "boolean"].includes(typeof v)) settings[k] = v;
    else if (typeof v === "function") settings[k] = v.toString();
  }
  return { className: callback.constructor.name, source: callback.constructor.toString().length, settings };
}

/** `fit`'s arguments that change the result (all but callbacks, verbosity and yielding). */
async function fitArgsKey(args: tf.ModelFitArgs): Promise<unknown> {
  const { callbacks: _c, verbose: _v, yieldEvery: _y, validationData, ...rest } = args;
  return {
    epochs: 1,
    batchSize: 32,
    shuffle: true,
    initialEpoch: 0,
    ...rest,
    validationData: validationData ? await dataKey(validationData as DataArg) : null,
  };
}

/** The kernels' fingerprint: a changed kernel may change the last bits of every number, so it retrains. */
let fingerprint: string | undefined;

/** SHA-256 of the source of `src/backend/` (computed once per process). */
export async function kernelFingerprint(): Promise<string> {
  if (fingerprint !== undefined) return fingerprint;
  const dir = join(repoRoot(), "src", "backend");
  const names = [...Deno.readDirSync(dir)].filter((e) => e.isFile && /\.(ts|wat)$/.test(e.name)).map((e) => e.name)
    .sort();
  const hashes = await Promise.all(names.map(async (n) => `${n}:${await sha256Hex(Deno.readFileSync(join(dir, n)))}`));
  fingerprint = (await sha256Hex(hashes.join(","))).slice(0, 16);
  return fingerprint;
}

/** Everything that determines what `fit` will do to `model`, as a JSON-able object. */
export async function fitKey(
  model: tf.LayersModel,
  x: TensorArg,
  y: TensorArg,
  args: tf.ModelFitArgs,
  random: number,
): Promise<Record<string, unknown>> {
  const backend = backendName();
  return {
    format: CACHE_FORMAT,
    topology: topologyKey(model),
    weights: await weightsKey(model),
    optimizer: await optimizerKey(model),
    ...lossKey(model),
    x: await dataKey(x),
    y: await dataKey(y),
    fit: await fitArgsKey(args),
    callbacks: callbackList(args.callbacks).map(callbackKey).filter((k) => k !== null),
    random,
    backend,
    tfjs: tf.version.tfjs,
    kernels: backend === "wasm" ? await kernelFingerprint() : null,
  };
}

/** The cache folder of a key: `<cacheDir>/<first 16 hex digits of its SHA-256>`. */
export async function cacheFolder(key: unknown, cacheDir: string): Promise<string> {
  const hash = await sha256Hex(canonicalJson(key));
  return join(cacheDir, hash.slice(0, 16));
}

// ---------------------------------------------------------------- optimizer state

/** A named tensor, as an optimizer's `getWeights` lists its state. */
type NamedTensor = { name: string; tensor: tf.Tensor };

interface OptimizerState {
  meta: OptimizerStateMeta;
  bytes: Uint8Array;
}

/**
 * The optimizer's state as bytes: its weights (iterations, moments) and, for
 * Adam, the running powers β₁ᵗ and β₂ᵗ, which `setWeights` would recompute
 * with `pow` and so round differently from the product training accumulates.
 * Null for an optimizer that cannot save its state.
 */
async function optimizerState(optimizer: tf.Optimizer): Promise<OptimizerState | null> {
  let weights: NamedTensor[];
  try {
    weights = await optimizer.getWeights();
  } catch {
    return null;
  }
  const arrays = await Promise.all(weights.map((w) => w.tensor.data()));
  const size = arrays.reduce((n, a) => n + a.byteLength, 0);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const a of arrays) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset += a.byteLength;
  }
  const extra: Record<string, number> = {};
  for (const name of ["accBeta1", "accBeta2"]) {
    const v = (optimizer as unknown as Record<string, tf.Variable | undefined>)[name];
    if (v instanceof tf.Variable) extra[name] = (await v.data())[0];
  }
  return {
    meta: { weights: weights.map((w) => ({ name: w.name, shape: w.tensor.shape, dtype: w.tensor.dtype })), extra },
    bytes,
  };
}

async function restoreOptimizerState(optimizer: tf.Optimizer, meta: OptimizerState["meta"], bytes: Uint8Array) {
  let offset = 0;
  const named: NamedTensor[] = meta.weights.map((w) => {
    const count = w.shape.reduce((a, b) => a * b, 1);
    const buffer = bytes.slice(offset, offset + count * 4).buffer;
    offset += count * 4;
    const values = w.dtype === "int32" ? new Int32Array(buffer) : new Float32Array(buffer);
    return { name: w.name, tensor: tf.tensor(values, w.shape, w.dtype as tf.DataType) };
  });
  if (offset !== bytes.length) throw new Error(`optimizer state: ${bytes.length} bytes, expected ${offset}`);
  const old = await optimizer.getWeights().catch(() => [] as NamedTensor[]);
  await optimizer.setWeights(named);
  // setWeights made variables of its own; the old ones (but the fresh iterations scalar) are no longer used
  tf.dispose(old.slice(1).map((w) => w.tensor));
  tf.dispose(named.map((w) => w.tensor));
  for (const [name, value] of Object.entries(meta.extra)) {
    const v = (optimizer as unknown as Record<string, tf.Variable | undefined>)[name];
    if (v instanceof tf.Variable) tf.tidy(() => v.assign(tf.scalar(value)));
  }
}

// ---------------------------------------------------------------- fit

/** Rows with Keras's names from TF.js's epoch logs. */
function epochRow(epoch: number, logs: Record<string, number>, seconds: number): EpochRow {
  const row: EpochRow = { epoch } as EpochRow;
  for (const [k, v] of Object.entries(logs)) row[kerasName(k)] = v;
  row.seconds = Math.round(seconds * 100) / 100;
  return row;
}

/** Sends `fit`'s progress to a display and records the epoch rows. */
class DisplayCallback extends tf.Callback implements CacheAwareCallback {
  rows: EpochRow[] = [];
  /** TF.js's epoch logs, with its own names. */
  logs: Record<string, number>[] = [];
  private started = 0;
  constructor(private readonly display: TrainingDisplay) {
    super();
  }
  cacheKey(): null {
    return null;
  }
  override onEpochBegin(epoch: number): Promise<void> {
    this.started = performance.now();
    this.display.epochStart(epoch + 1);
    return Promise.resolve();
  }
  override onBatchEnd(batch: number): Promise<void> {
    this.display.batchEnd(batch);
    return Promise.resolve();
  }
  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    const values: Record<string, number> = {};
    // TF.js hands epoch averages over as scalar tensors despite the `Logs` type
    for (const [k, v] of Object.entries((logs ?? {}) as Record<string, number | tf.Scalar>)) {
      values[k] = typeof v === "number" ? v : (await v.data())[0];
    }
    const row = epochRow(epoch + 1, values, (performance.now() - this.started) / 1000);
    this.rows.push(row);
    this.logs.push(values);
    await this.display.epochEnd(row, row.seconds);
  }
}

/** Runs one fit at a time in this process: concurrent runs would draw from the one seeded generator in turn. */
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => {});
  return run;
}

function relativeToRepo(path: string): string {
  const root = repoRoot() + "/";
  return path.startsWith(root) ? path.slice(root.length) : path;
}

function samplesOf(value: TensorArg): number {
  const first = value instanceof tf.Tensor ? value : Array.isArray(value) ? value[0] : Object.values(value)[0];
  return first.shape[0] ?? 0;
}

/**
 * `model.fit` that restores a run done before instead of training it again
 * (see the module comment for what the key covers).
 *
 * @example
 * const history = await withModelCache(model).fit(xTrain, yTrain, { epochs: 5, validationSplit: 0.1 });
 * history.fromCache; // true on the second run of the notebook
 */
export function withModelCache(model: tf.LayersModel, options: ModelCacheOptions = {}): ModelCache {
  return {
    fit: (x, y, args = {}) => oneAtATime(() => cachedFit(model, x, y, args, options)),
    isCached: async (x, y, args = {}, random = randomState()) => {
      if (random === null) return false;
      const cacheDir = options.cacheDir ?? cacheDirFromEnv() ?? defaultCacheDir();
      const dir = await cacheFolder(await fitKey(model, x, y, args, random), cacheDir);
      return await exists(join(dir, "meta.json"));
    },
  };
}

/** What {@link withModelCache} gives: `fit`, and a way to ask whether a `fit` would be restored. */
export interface ModelCache {
  /** `model.fit(x, y, args)`, restored from the cache when this exact run was done before. */
  fit(x: TensorArg, y: TensorArg, args?: tf.ModelFitArgs): Promise<CachedHistory>;
  /**
   * True when `fit(x, y, args)` would restore a cached run now (nothing is
   * trained or changed), or, given `random`, with the seeded generator in that state.
   */
  isCached(x: TensorArg, y: TensorArg, args?: tf.ModelFitArgs, random?: number | null): Promise<boolean>;
}

async function cachedFit(
  model: tf.LayersModel,
  x: TensorArg,
  y: TensorArg,
  args: tf.ModelFitArgs,
  options: ModelCacheOptions,
): Promise<CachedHistory> {
  const display = options.display ??
    (args.verbose === 0 ? silentTrainingDisplay : defaultTrainingDisplay(options.title));
  const cacheDir = options.cacheDir ?? cacheDirFromEnv() ?? defaultCacheDir();
  const retrain = options.retrain ?? retrainFromEnv();
  const epochs = args.epochs ?? 1;
  const samples = samplesOf(x);
  const split = args.validationData ? 0 : args.validationSplit ?? 0;
  const trainSamples = split > 0 ? Math.floor(samples * (1 - split)) : samples;
  const batches = Math.ceil(trainSamples / (args.batchSize ?? 32));
  const callbacks = callbackList(args.callbacks);
  const shape = { epochs, batches, trainSamples, samples };

  const random = randomState();
  if (random === null) {
    display.note(tr({
      en: "Math.random is not seeded (call setSeed first): this run is not reproducible and is not cached.",
      ko:
        "Math.random에 시드가 없습니다 (먼저 setSeed를 부르세요): 이 학습은 재현되지 않으며 캐시에 저장되지 않습니다.",
    }));
    return await trainNow(model, x, y, args, callbacks, display, null, shape);
  }
  const key = await fitKey(model, x, y, args, random);
  const dir = await cacheFolder(key, cacheDir);
  if (!retrain) {
    let entry: CacheEntry | null = null;
    try {
      entry = await readCacheEntry(dir);
    } catch (error) {
      const why = error instanceof ModelIntegrityError ? `${error.file}: ${error.problem}` : (error as Error).message;
      display.note(tr({
        en: `model cache: ${why}; retraining the run in ${relativeToRepo(dir)}`,
        ko: `모델 캐시: ${why}; ${relativeToRepo(dir)}의 학습을 다시 합니다 (retraining)`,
      }));
    }
    if (entry) {
      const restored = await restore(model, entry, callbacks);
      await display.restored(entry.meta.rows, epochs, entry.meta.batches, {
        path: relativeToRepo(dir),
        savedAt: entry.meta.savedAt,
        seconds: entry.meta.seconds,
      });
      noteCallbacks(callbacks, display);
      await display.finish();
      return Object.assign(restored, {
        fromCache: true,
        path: dir,
        seconds: entry.meta.seconds,
        rows: entry.meta.rows,
      });
    }
  }
  const snapshotEpochs = options.snapshotEpochs ?? [];
  return await trainNow(model, x, y, args, callbacks, display, { key, dir, cacheDir, snapshotEpochs }, shape);
}

async function trainNow(
  model: tf.LayersModel,
  x: TensorArg,
  y: TensorArg,
  args: tf.ModelFitArgs,
  callbacks: tf.Callback[],
  display: TrainingDisplay,
  cache: { key: Record<string, unknown>; dir: string; cacheDir: string; snapshotEpochs: number[] } | null,
  shape: { epochs: number; batches: number; trainSamples: number; samples: number },
): Promise<CachedHistory> {
  const watcher = new DisplayCallback(display);
  const initialEpoch = args.initialEpoch ?? 0;
  display.start({
    epochs: shape.epochs,
    initialEpoch,
    batches: shape.batches,
    trainSamples: shape.trainSamples,
    validationSamples: args.validationData
      ? samplesOf(args.validationData[0] as TensorArg)
      : shape.samples - shape.trainSamples,
  });
  const started = performance.now();
  // Snapshots: the state after epoch k of this fit is exactly what fit(epochs: k) from the same start gives
  // (same shuffles, same updates), so it is cached under that run's key. Not with callbacks that change training.
  const snapshots = cache && callbacks.every((c) => callbackKey(c) === null)
    ? cache.snapshotEpochs.filter((k) => k > initialEpoch && k < shape.epochs)
    : [];
  const snapshotter = new tf.CustomCallback({
    onEpochEnd: async (epoch) => {
      if (!cache || !snapshots.includes(epoch + 1)) return;
      const key = { ...cache.key, fit: { ...(cache.key.fit as Record<string, unknown>), epochs: epoch + 1 } };
      const dir = await cacheFolder(key, cache.cacheDir);
      const seconds = (performance.now() - started) / 1000;
      await saveRun(dir, model, key, watcher, [], seconds, shape.batches);
    },
  });
  const history = await model.fit(x, y, { ...args, callbacks: [watcher, snapshotter, ...callbacks] });
  const seconds = (performance.now() - started) / 1000;
  noteCallbacks(callbacks, display);
  if (cache) await saveRun(cache.dir, model, cache.key, watcher, callbacks, seconds, shape.batches);
  await display.finish();
  return Object.assign(history, {
    fromCache: false,
    path: cache?.dir ?? "",
    seconds,
    rows: watcher.rows.slice(),
  }) as CachedHistory;
}

/** Caches the model's state now as the result of the run `key`, with the epochs `watcher` recorded so far. */
async function saveRun(
  dir: string,
  model: tf.LayersModel,
  key: Record<string, unknown>,
  watcher: DisplayCallback,
  callbacks: tf.Callback[],
  seconds: number,
  batches: number,
): Promise<void> {
  const state = model.optimizer ? await optimizerState(model.optimizer) : null;
  const history: Record<string, number[]> = {};
  for (const logs of watcher.logs) {
    for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v);
  }
  const meta: EntryMeta = {
    format: CACHE_FORMAT,
    key,
    rows: watcher.rows.slice(),
    history: { epoch: watcher.rows.map((r) => r.epoch - 1), history, params: {} },
    seconds: Math.round(seconds * 100) / 100,
    savedAt: new Date().toISOString(),
    randomAfter: randomState() ?? 0,
    optimizer: state?.meta ?? null,
    callbackStates: callbacks.map((c) => (c as Partial<CacheAwareCallback>).cacheState?.() ?? null),
    batches,
  };
  await saveCacheEntry(dir, model, meta, state?.bytes ?? null);
}

/** Adds what callbacks have to say after training (e.g. where early stopping stopped) to the log. */
function noteCallbacks(callbacks: tf.Callback[], display: TrainingDisplay): void {
  for (const callback of callbacks) {
    const line = (callback as { summary?: () => string | null }).summary?.();
    if (line) display.note(line);
  }
}

/** Puts a cached run into `model`: weights, optimizer state, the generator's state and the callbacks' state. */
async function restore(
  model: tf.LayersModel,
  entry: CacheEntry,
  callbacks: tf.Callback[],
): Promise<tf.History> {
  try {
    model.setWeights(entry.weights);
  } finally {
    tf.dispose(entry.weights);
  }
  if (entry.meta.optimizer && entry.optimizer && model.optimizer) {
    await restoreOptimizerState(model.optimizer, entry.meta.optimizer, entry.optimizer);
  }
  setRandomState(entry.meta.randomAfter);
  callbacks.forEach((c, i) => (c as Partial<CacheAwareCallback>).restoreCacheState?.(entry.meta.callbackStates[i]));
  const history = new tf.History();
  history.epoch = entry.meta.history.epoch;
  history.history = entry.meta.history.history;
  history.params = entry.meta.history.params as tf.History["params"];
  return history;
}

// ---------------------------------------------------------------- early stopping

/** Options of {@link earlyStopping}, as Keras's `EarlyStopping`. */
export interface EarlyStoppingArgs {
  /** What to watch (default `val_loss`). */
  monitor?: string;
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Put back the weights of the best epoch when training stops (Keras's `restore_best_weights`). */
  restoreBestWeights?: boolean;
}

/**
 * Keras's `EarlyStopping` with `restore_best_weights`, which TF.js's
 * `tf.callbacks.earlyStopping` lacks: stops when `monitor` has not improved
 * (lower for a loss, higher for an accuracy) for `patience` epochs, and with
 * `restoreBestWeights` puts the best epoch's weights back, the checkpoint of
 * source 004. After `fit`, `bestEpoch` and `stoppedEpoch` say what happened
 * (also when the run was restored from the cache).
 */
export class EarlyStopping extends tf.Callback implements CacheAwareCallback {
  readonly monitor: string;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  /** The epoch (1-based) with the best value of `monitor`. */
  bestEpoch = 0;
  /** The epoch after which training stopped, or 0 when it ran all epochs. */
  stoppedEpoch = 0;
  best = NaN;
  private bestWeights: tf.Tensor[] = [];

  constructor(args: EarlyStoppingArgs) {
    super();
    if (!Number.isInteger(args.patience) || args.patience < 1) {
      throw new RangeError(`patience must be a positive integer, got ${args.patience}`);
    }
    this.monitor = args.monitor ?? "val_loss";
    this.patience = args.patience;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
  }
  cacheKey(): unknown {
    return { earlyStopping: { monitor: this.monitor, patience: this.patience, restore: this.restoreBestWeights } };
  }
  cacheState(): unknown {
    return { bestEpoch: this.bestEpoch, stoppedEpoch: this.stoppedEpoch, best: this.best };
  }
  restoreCacheState(state: unknown): void {
    const s = state as { bestEpoch: number; stoppedEpoch: number; best: number };
    Object.assign(this, { bestEpoch: s.bestEpoch, stoppedEpoch: s.stoppedEpoch, best: s.best });
  }
  override onTrainBegin(): Promise<void> {
    this.bestEpoch = 0;
    this.stoppedEpoch = 0;
    this.best = NaN;
    return Promise.resolve();
  }
  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    const raw = (logs as Record<string, number | tf.Scalar> | undefined)?.[this.monitor] ??
      (logs as Record<string, number | tf.Scalar> | undefined)?.[this.monitor.replace(/accuracy$/, "acc")];
    if (raw === undefined) {
      throw new Error(
        `early stopping watches ${this.monitor}, which this fit does not report: give it validation data`,
      );
    }
    const value = typeof raw === "number" ? raw : (await raw.data())[0];
    const higherIsBetter = this.monitor.includes("acc");
    if (Number.isNaN(this.best) || (higherIsBetter ? value > this.best : value < this.best)) {
      this.best = value;
      this.bestEpoch = epoch + 1;
      if (this.restoreBestWeights) {
        tf.dispose(this.bestWeights);
        this.bestWeights = this.model.getWeights().map((w) => w.clone());
      }
    } else if (epoch + 1 - this.bestEpoch >= this.patience) {
      this.stoppedEpoch = epoch + 1;
      this.model.stopTraining = true;
    }
  }
  override onTrainEnd(): Promise<void> {
    if (this.restoreBestWeights && this.bestWeights.length > 0) this.model.setWeights(this.bestWeights);
    tf.dispose(this.bestWeights);
    this.bestWeights = [];
    return Promise.resolve();
  }
  /** One line for the training log. */
  summary(): string {
    const best = this.best.toFixed(4);
    return tr({
      en: `Early stopping: best ${this.monitor} ${best} at epoch ${this.bestEpoch}, ` +
        (this.stoppedEpoch > 0 ? `stopped after epoch ${this.stoppedEpoch}` : "ran every epoch") +
        (this.restoreBestWeights ? `; the weights kept are epoch ${this.bestEpoch}'s.` : "."),
      ko: `조기 종료: 가장 좋은 ${this.monitor}는 ${this.bestEpoch} 에폭의 ${best}, ` +
        (this.stoppedEpoch > 0 ? `${this.stoppedEpoch} 에폭 뒤에 멈췄습니다` : "모든 에폭을 학습했습니다") +
        (this.restoreBestWeights ? `. 모델에 남긴 가중치는 ${this.bestEpoch} 에폭의 것입니다.` : "."),
    });
  }
}

/**
 * Keras's `EarlyStopping(monitor, patience, restore_best_weights)` for TF.js.
 *
 * @example
 * const stop = earlyStopping({ monitor: "val_loss", patience: 3, restoreBestWeights: true });
 * await withModelCache(model).fit(xTrain, yTrain, { epochs: 30, validationSplit: 0.1, callbacks: [stop] });
 * stop.bestEpoch; // the epoch whose weights the model now has
 */
export function earlyStopping(args: EarlyStoppingArgs): EarlyStopping {
  return new EarlyStopping(args);
}
