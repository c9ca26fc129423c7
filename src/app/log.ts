/**
 * The prediction log: every prediction the app makes, one JSON object per
 * line in `data/logs/predictions.jsonl`, and the labels users confirm or
 * correct afterwards.
 *
 * Two kinds of line:
 * ```
 * {"type":"prediction","id":"…","time":"2026-…Z","model":"cnn","mode":"v3","digit":7,
 *  "confidence":0.98,"probabilities":[…10 numbers…],"input":[…784 grey levels 0–255…]}
 * {"type":"label","id":"…","time":"…","label":7}
 * ```
 * A label line refers to a prediction by its `id`; the latest label wins.
 * A prediction may carry `"drawing":"…"`, the same for every model that
 * answered one drawing (a view that asks several models at once).
 * The file is only ever appended to, so a label never rewrites history.
 *
 * Privacy: the file is created readable by its owner only (mode 0600), and an
 * existing log is made so when opened. It is bounded: an append that would
 * take it past {@link MAX_LOG_BYTES} first moves it to `predictions.1.jsonl`
 * (replacing the one there), so the two files together hold at most twice
 * that; reading the log reads both.
 *
 * Safety: appends go through one queue per log object and each line is
 * written with `append: true`, so concurrent requests never interleave lines.
 * Before every append the file's last byte is checked, and a missing final
 * newline (a crash or a full disk in the middle of a write, a hand edit) is
 * restored first, so a torn line never swallows the next entry; the torn line
 * itself is skipped with a warning when the log is read. The ids of the
 * logged predictions are read once, when the log is opened, and kept in
 * memory: a label is checked against them without reading the file again.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { repoRoot } from "../fsutil.ts";
import { NUM_CLASSES } from "../data/mnist.ts";
import { MODEL_PIXELS, PREPROCESS_MODES, type PreprocessMode } from "../draw/preprocess.ts";

/** The size past which the log moves to its rotated file (16 MiB: 5,000 to 8,000 predictions of 2.1 to 3.5 KB). */
export const MAX_LOG_BYTES = 16 * 1024 * 1024;
/** Owner read and write only: the log holds what people drew. */
export const LOG_FILE_MODE = 0o600;
/** A model name as the app writes it; anything else in a log line is a hand edit. */
const MODEL_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
/** A drawing id as a view that asks several models writes it; anything else is a hand edit. */
const DRAWING_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Bytes read at a time when the ids are collected. */
const READ_CHUNK_BYTES = 64 * 1024;

/** Where the app logs unless told otherwise. */
export function defaultLogPath(): string {
  return join(repoRoot(), "data", "logs", "predictions.jsonl");
}

/** One prediction as logged. */
export interface PredictionRecord {
  type: "prediction";
  id: string;
  /** ISO 8601, UTC. */
  time: string;
  model: string;
  mode: PreprocessMode;
  digit: number;
  confidence: number;
  probabilities: number[];
  /** The 28×28 input the model saw, row by row, grey levels 0–255. */
  input: number[];
  /**
   * The drawing this prediction answered, shared by the predictions of every
   * model asked about the same drawing at once (absent when one model was asked).
   */
  drawing?: string;
}

/** A label a user confirmed (same digit) or corrected (another digit) for a prediction. */
export interface LabelRecord {
  type: "label";
  id: string;
  time: string;
  label: number;
}

/** A logged prediction with the user's label merged in (`null` when none was given). */
export interface LoggedPrediction extends PredictionRecord {
  label: number | null;
}

/** What {@link parseLog} and {@link PredictionLog.read} give back. */
export interface LogContents {
  predictions: LoggedPrediction[];
  /** One message per skipped line, naming the line number and what was wrong. */
  warnings: string[];
}

const isDigit = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < NUM_CLASSES;

/** Why `value` is not a valid record, or `null` when it is one. */
function problemWith(value: unknown): string | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return "not a JSON object";
  const r = value as Record<string, unknown>;
  if (typeof r.id !== "string" || r.id === "") return "no id";
  if (typeof r.time !== "string" || Number.isNaN(Date.parse(r.time))) return "no valid time";
  if (r.type === "label") return isDigit(r.label) ? null : "label is not a digit 0-9";
  if (r.type !== "prediction") return `unknown type ${JSON.stringify(r.type)}`;
  if (typeof r.model !== "string" || !MODEL_NAME.test(r.model)) return "no model name (lower-case letters and digits)";
  if (!(PREPROCESS_MODES as readonly string[]).includes(r.mode as string)) return "unknown mode";
  if (!isDigit(r.digit)) return "digit is not 0-9";
  if (typeof r.confidence !== "number") return "no confidence";
  if (r.drawing !== undefined && (typeof r.drawing !== "string" || !DRAWING_ID.test(r.drawing))) {
    return "drawing is not an id (letters, digits, - and _)";
  }
  if (
    !Array.isArray(r.probabilities) || r.probabilities.length !== NUM_CLASSES ||
    !r.probabilities.every((p) => typeof p === "number")
  ) return `probabilities are not ${NUM_CLASSES} numbers`;
  if (
    !Array.isArray(r.input) || r.input.length !== MODEL_PIXELS ||
    !r.input.every((p) => Number.isInteger(p) && p >= 0 && p <= 255)
  ) return `input is not ${MODEL_PIXELS} grey levels`;
  return null;
}

/**
 * Reads the text of a log: predictions in order with their latest labels,
 * and a warning for every line that was skipped.
 */
export function parseLog(text: string, source = "log"): LogContents {
  return parseLogs([{ text, source }]);
}

/**
 * Reads the texts of several log files, oldest first (a rotated file, then
 * the current one), as one log: a label in a later file finds its prediction
 * in an earlier one.
 */
export function parseLogs(files: { text: string; source: string }[]): LogContents {
  const predictions: LoggedPrediction[] = [];
  const byId = new Map<string, LoggedPrediction>();
  const warnings: string[] = [];
  const pendingLabels: { label: LabelRecord; source: string }[] = [];
  for (const { text, source } of files) {
    text.split("\n").forEach((line, index) => {
      if (line.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        warnings.push(`${source}:${index + 1}: skipped a damaged line (not valid JSON): ${line.slice(0, 60)}`);
        return;
      }
      const problem = problemWith(value);
      if (problem) {
        warnings.push(`${source}:${index + 1}: skipped a line that is not a valid log entry: ${problem}`);
        return;
      }
      const record = value as PredictionRecord | LabelRecord;
      if (record.type === "label") {
        const target = byId.get(record.id);
        if (target) target.label = record.label;
        else pendingLabels.push({ label: record, source });
        return;
      }
      const entry: LoggedPrediction = { ...record, label: null };
      predictions.push(entry);
      byId.set(entry.id, entry);
    });
  }
  for (const { label, source } of pendingLabels) {
    const target = byId.get(label.id);
    if (target) target.label = label.label;
    else warnings.push(`${source}: a label for unknown prediction ${label.id} was ignored`);
  }
  return { predictions, warnings };
}

/** Grey levels 0–255 of a model input given as floats in [0, 1]. */
export function inputToGreyLevels(input: Float32Array): number[] {
  return Array.from(input, (v) => Math.round(Math.min(Math.max(v, 0), 1) * 255));
}

/** The file a log moves to when it reaches its size cap: `predictions.jsonl` → `predictions.1.jsonl`. */
export function rotatedLogPath(path: string): string {
  const name = basename(path);
  const dot = name.lastIndexOf(".");
  return join(dirname(path), dot > 0 ? `${name.slice(0, dot)}.1${name.slice(dot)}` : `${name}.1`);
}

/** Options of {@link PredictionLog}. */
export interface LogOptions {
  /** The size cap of the current file in bytes (default {@link MAX_LOG_BYTES}). */
  maxBytes?: number;
}

/** An append-only prediction log in one file (and its rotated predecessor). */
export class PredictionLog {
  /** The size cap of the current file. */
  readonly maxBytes: number;
  /** Where the log moves when it reaches the cap. */
  readonly rotatedPath: string;
  private queue: Promise<void> = Promise.resolve();
  private opened: Promise<void> | null = null;
  private currentIds = new Set<string>();
  private rotatedIds = new Set<string>();
  private readonly encoder = new TextEncoder();

  /** @param path the JSON-lines file (default `data/logs/predictions.jsonl`) */
  constructor(readonly path: string = defaultLogPath(), options: LogOptions = {}) {
    this.maxBytes = options.maxBytes ?? MAX_LOG_BYTES;
    this.rotatedPath = rotatedLogPath(path);
  }

  /**
   * Gets the log ready (once; appends do it themselves): collects the ids of
   * the predictions already logged, makes existing files readable by their
   * owner only, and moves a file already over the cap aside.
   */
  open(): Promise<void> {
    this.opened ??= this.load();
    return this.opened;
  }

  private async load(): Promise<void> {
    for (const [file, ids] of [[this.rotatedPath, this.rotatedIds], [this.path, this.currentIds]] as const) {
      const info = await statOrNull(file);
      if (!info?.isFile) continue; // missing, or not a file: appends say so when they fail
      if (info.mode !== null && (info.mode & 0o077) !== 0) await Deno.chmod(file, LOG_FILE_MODE).catch(() => {});
      for await (const line of fileLines(file)) {
        if (!line.includes('"prediction"')) continue;
        try {
          const value = JSON.parse(line);
          if (value?.type === "prediction" && problemWith(value) === null) ids.add(value.id);
        } catch {
          // a damaged line: read() reports it
        }
      }
    }
    const current = await statOrNull(this.path);
    if (current?.isFile && current.size > this.maxBytes) await this.rotate();
  }

  /** True when this log holds a prediction with this id (in memory; the file is not read). */
  has(id: string): boolean {
    return this.currentIds.has(id) || this.rotatedIds.has(id);
  }

  /** Appends a prediction; resolves once its line is on disk, rejects when it could not be written. */
  appendPrediction(record: Omit<PredictionRecord, "type">): Promise<void> {
    return this.appendLine({ type: "prediction", ...record });
  }

  /** Appends a user's label for the prediction `id`. */
  appendLabel(id: string, label: number, time = new Date().toISOString()): Promise<void> {
    if (!isDigit(label)) return Promise.reject(new RangeError(`a label is a digit 0-9, got ${label}`));
    return this.appendLine({ type: "label", id, time, label });
  }

  private appendLine(record: PredictionRecord | LabelRecord): Promise<void> {
    const line = JSON.stringify(record) + "\n";
    const run = this.queue.then(async () => {
      await this.write(line);
      if (record.type === "prediction") this.currentIds.add(record.id);
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private async write(line: string): Promise<void> {
    await this.open();
    await Deno.mkdir(dirname(this.path), { recursive: true });
    const bytes = this.encoder.encode(line);
    let file = await openForAppend(this.path);
    try {
      let info = await file.stat();
      if (info.isFile && info.size > 0 && info.size + bytes.length > this.maxBytes) {
        file.close();
        await this.rotate();
        file = await openForAppend(this.path);
        info = await file.stat();
      }
      // a file someone else created meanwhile (a shell's `>>`, another tool) is made private too
      if (info.isFile && info.mode !== null && (info.mode & 0o077) !== 0) await Deno.chmod(this.path, LOG_FILE_MODE);
      // a torn last line (a crash, a full disk, a hand edit since the last append) gets its newline first
      const torn = info.isFile && info.size > 0 && !(await endsWithNewline(file, info.size));
      await writeAll(file, torn ? this.encoder.encode("\n" + line) : bytes);
    } finally {
      file.close();
    }
  }

  /** Moves the current file to {@link rotatedPath} (replacing the older one there). */
  private async rotate(): Promise<void> {
    await Deno.rename(this.path, this.rotatedPath);
    this.rotatedIds = this.currentIds;
    this.currentIds = new Set();
  }

  /** Waits for the appends queued so far. */
  async flush(): Promise<void> {
    await this.queue;
  }

  /** Reads the whole log, the rotated file first (empty when there is none yet). */
  async read(): Promise<LogContents> {
    await this.flush();
    const files: { text: string; source: string }[] = [];
    for (const file of [this.rotatedPath, this.path]) {
      const info = await statOrNull(file);
      if (!info) continue;
      if (!info.isFile) throw new Error(`${file} is not a file: give the path of the prediction log (a .jsonl file)`);
      files.push({ text: await Deno.readTextFile(file), source: file });
    }
    return parseLogs(files);
  }
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

function openForAppend(path: string): Promise<Deno.FsFile> {
  // the mode applies when the file is created
  return Deno.open(path, { read: true, append: true, create: true, mode: LOG_FILE_MODE });
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}

/** True when the file's byte at `size - 1` is a newline. */
async function endsWithNewline(file: Deno.FsFile, size: number): Promise<boolean> {
  await file.seek(size - 1, Deno.SeekMode.Start);
  const last = new Uint8Array(1);
  return (await file.read(last)) === 1 && last[0] === 0x0a;
}

/** The lines of a text file, read a chunk at a time (a large log is never held whole). */
async function* fileLines(path: string): AsyncGenerator<string> {
  const file = await Deno.open(path, { read: true });
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(READ_CHUNK_BYTES);
  let pending = "";
  try {
    while (true) {
      const n = await file.read(buffer);
      if (n === null) break;
      const parts = (pending + decoder.decode(buffer.subarray(0, n), { stream: true })).split("\n");
      pending = parts.pop()!;
      yield* parts;
    }
    pending += decoder.decode();
    if (pending) yield pending;
  } finally {
    file.close();
  }
}
