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
 * The file is only ever appended to, so a label never rewrites history.
 *
 * Safety: appends go through one queue per log object and each line is
 * written whole by a single `write` with `append: true`, so concurrent
 * requests never interleave lines. A line that cannot be parsed (a crash in
 * the middle of a write, a hand edit) is skipped with a warning when the log
 * is read and costs no other entry; before the first append a missing final
 * newline is restored, so a torn last line cannot swallow the next entry.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { repoRoot } from "../fsutil.ts";
import { NUM_CLASSES } from "../data/mnist.ts";
import { MODEL_PIXELS, PREPROCESS_MODES, type PreprocessMode } from "../draw/preprocess.ts";

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
  if (typeof r.model !== "string") return "no model";
  if (!(PREPROCESS_MODES as readonly string[]).includes(r.mode as string)) return "unknown mode";
  if (!isDigit(r.digit)) return "digit is not 0-9";
  if (typeof r.confidence !== "number") return "no confidence";
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
  const predictions: LoggedPrediction[] = [];
  const byId = new Map<string, LoggedPrediction>();
  const warnings: string[] = [];
  const pendingLabels: LabelRecord[] = [];
  const lines = text.split("\n");
  lines.forEach((line, index) => {
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
      else pendingLabels.push(record);
      return;
    }
    const entry: LoggedPrediction = { ...record, label: null };
    predictions.push(entry);
    byId.set(entry.id, entry);
  });
  for (const label of pendingLabels) {
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

/** An append-only prediction log in one file. */
export class PredictionLog {
  private queue: Promise<void> = Promise.resolve();
  private checkedEnd = false;
  private readonly encoder = new TextEncoder();

  /** @param path the JSON-lines file (default `data/logs/predictions.jsonl`) */
  constructor(readonly path: string = defaultLogPath()) {}

  /** Appends a prediction; resolves once its line is on disk. */
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
    const run = this.queue.then(() => this.write(line));
    this.queue = run.catch(() => {});
    return run;
  }

  private async write(line: string): Promise<void> {
    let text = line;
    if (!this.checkedEnd) {
      await Deno.mkdir(dirname(this.path), { recursive: true });
      if (!(await endsWithNewline(this.path))) text = "\n" + text;
      this.checkedEnd = true;
    }
    // One write of the whole line: with O_APPEND it lands after everything else, in one piece.
    await Deno.writeFile(this.path, this.encoder.encode(text), { append: true, create: true });
  }

  /** Waits for the appends queued so far. */
  async flush(): Promise<void> {
    await this.queue;
  }

  /** Reads the whole log (empty when the file does not exist yet). */
  async read(): Promise<LogContents> {
    await this.flush();
    let text: string;
    try {
      text = await Deno.readTextFile(this.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return { predictions: [], warnings: [] };
      throw error;
    }
    return parseLog(text, this.path);
  }

  /** True when a prediction with this id was logged. */
  async has(id: string): Promise<boolean> {
    const { predictions } = await this.read();
    return predictions.some((p) => p.id === id);
  }
}

/** True when the file is missing, empty, or ends with a newline. */
async function endsWithNewline(path: string): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
  try {
    const size = (await file.stat()).size;
    if (size === 0) return true;
    await file.seek(size - 1, Deno.SeekMode.Start);
    const last = new Uint8Array(1);
    await file.read(last);
    return last[0] === 0x0a;
  } finally {
    file.close();
  }
}
