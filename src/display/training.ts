/**
 * What a training run shows while it runs: Keras's epoch lines, a progress bar
 * with an estimate of the time left, and (in a notebook) the learning curves
 * redrawn after every epoch.
 *
 * In Jupyter the log is one plain-text output and the chart one image output,
 * each updated in place: plain text and PNG show in every front end, trusted
 * or not (the chart also carries its SVG for front ends that prefer it).
 * Outside Jupyter the lines go to standard error.
 *
 * @module
 */
import pl from "nodejs-polars";
import { inJupyter, type JupyterApi, jupyterApi, LiveDisplay } from "./jupyter.ts";
import { learningCurves } from "../plots/charts.ts";
import { tr } from "../i18n.ts";

/** One epoch of a training history, with Keras's metric names (`accuracy`, `val_loss`, ...). */
export type EpochRow = { epoch: number } & Record<string, number>;

/** What a display learns when `fit` starts. */
export interface FitStart {
  /** Epochs of the whole run, counted as Keras does (a continued run counts from its first). */
  epochs: number;
  /** Epochs done before this call (`initialEpoch`). */
  initialEpoch: number;
  /** Batches per epoch. */
  batches: number;
  /** Training and held-out samples. */
  trainSamples: number;
  validationSamples: number;
}

/** Where a training run reports to. */
export interface TrainingDisplay {
  /** `fit` starts (not called when the run is restored from the cache). */
  start(info: FitStart): void;
  /** An epoch starts (1-based, Keras numbering). */
  epochStart(epoch: number): void;
  /** Batch `batch` (0-based) of the current epoch is done. */
  batchEnd(batch: number): void;
  /** An epoch is done: its metrics (Keras names) and how long it took. */
  epochEnd(row: EpochRow, seconds: number): Promise<void>;
  /** The run was restored from the model cache: what it recorded when it ran, and where it came from. */
  restored(rows: EpochRow[], epochs: number, batches: number, from: RestoredFrom): Promise<void>;
  /** A line to add below the epoch lines (e.g. where early stopping kept the weights). */
  note(line: string): void;
  /** Resolves when everything shown has reached the front end. */
  finish(): Promise<void>;
}

/** Where a restored run came from. */
export interface RestoredFrom {
  /** Its cache folder, relative to the repository when inside it. */
  path: string;
  /** When it was trained (ISO date). */
  savedAt: string;
  /** How long it trained, in seconds. */
  seconds: number;
}

/** The line that says a run was restored instead of trained. */
export function restoredLine(from: RestoredFrom): string {
  const date = from.savedAt.slice(0, 10), seconds = from.seconds.toFixed(1);
  return tr({
    en:
      `Restored from the model cache (${from.path}): trained ${date} in ${seconds} s. MNIST_RETRAIN=1 trains it again.`,
    ko: `모델 캐시에서 복원했습니다 (${from.path}): ${date}에 ${seconds}초 동안 학습한 결과입니다. ` +
      `다시 학습하려면 MNIST_RETRAIN=1.`,
  });
}

/** Metric columns in the order Keras prints them. */
const METRIC_ORDER = ["accuracy", "loss", "val_accuracy", "val_loss"];

/** Keras's names for TF.js's history keys (`acc` → `accuracy`). */
export function kerasName(key: string): string {
  return key.replace(/(^|_)acc$/, "$1accuracy");
}

/** An epoch's metrics, formatted as Keras prints them (4 decimals). */
export function formatMetrics(row: Record<string, number>): string {
  const keys = Object.keys(row).filter((k) => k !== "epoch" && k !== "seconds");
  keys.sort((a, b) => (METRIC_ORDER.indexOf(a) + 100) % 100 - (METRIC_ORDER.indexOf(b) + 100) % 100);
  return keys.map((k) => ` - ${k}: ${row[k].toFixed(4)}`).join("");
}

/** The two lines Keras prints for a finished epoch. */
export function epochLines(row: EpochRow, epochs: number, batches: number, seconds?: number): string[] {
  const time = seconds === undefined
    ? ""
    : ` - ${Math.round(seconds)}s ${Math.round((seconds * 1000) / Math.max(1, batches))}ms/step`;
  return [`Epoch ${row.epoch}/${epochs}`, `${batches}/${batches}${time}${formatMetrics(row)}`];
}

const BAR_WIDTH = 30;
/** Minimum milliseconds between two redraws of the bar. */
const REDRAW_MS = 250;
/** The learning curves are redrawn at most this often (the last epoch's are always drawn, at the end). */
const CHART_REDRAW_MS = 1000;

/** A progress bar line: `812/1688 [=============>...............] - ETA: 3s`. */
export function barLine(done: number, total: number, secondsSoFar: number): string {
  const filled = total > 0 ? Math.min(BAR_WIDTH, Math.floor((done / total) * BAR_WIDTH)) : 0;
  const arrow = filled < BAR_WIDTH && done > 0 ? ">" : "";
  const bar = "=".repeat(Math.max(0, filled - (arrow ? 1 : 0))) + arrow + ".".repeat(BAR_WIDTH - filled);
  const eta = done > 0 ? Math.round((secondsSoFar / done) * (total - done)) : 0;
  const width = String(total).length;
  return `${String(done).padStart(width)}/${total} [${bar}] - ETA: ${eta}s`;
}

/** The learning curves of `rows` as a MIME bundle (PNG for every front end, SVG for those that prefer it). */
async function chartBundle(rows: EpochRow[], title: string | undefined): Promise<Record<string, string>> {
  const frame = pl.DataFrame(rows.map((r) => ({ ...r })));
  const figure = learningCurves(frame, { title });
  const png = await figure.toPng();
  return {
    "image/png": btoa(Array.from(png, (b) => String.fromCharCode(b)).join("")),
    "image/svg+xml": figure.svg,
    "text/plain": `[learning curves: ${rows.length} epoch${rows.length === 1 ? "" : "s"}]`,
  };
}

/**
 * The display of a notebook cell: one text output (epoch lines and the bar)
 * and one chart output, both updated in place.
 *
 * @param title shown above the chart (e.g. "MLP learning curves")
 */
export function notebookTrainingDisplay(
  title?: string,
  options: { epochs?: number } = {},
  jupyter: JupyterApi | undefined = jupyterApi(),
): TrainingDisplay {
  if (!jupyter) return terminalTrainingDisplay();
  const log = new LiveDisplay(jupyter);
  const chart = new LiveDisplay(jupyter);
  const lines: string[] = [];
  const rows: EpochRow[] = [];
  let epochs = 0;
  let batches = 0;
  let current = 0;
  let started = 0;
  let lastDraw = 0;
  let bar = "";
  let restoredLineIndex = -1, restoredSeconds = 0;
  const draw = () =>
    log.show({ "text/plain": [...lines, ...(bar ? [`Epoch ${current}/${epochs}`, bar] : [])].join("\n") });
  let lastChart = -Infinity;
  let chartBehind = false;
  const drawChart = async () => {
    chartBehind = false;
    lastChart = performance.now();
    if (rows.length > 0) chart.show(await chartBundle(rows, title));
  };
  return {
    start(info) {
      epochs = options.epochs ?? info.epochs;
      batches = info.batches;
    },
    epochStart(epoch) {
      current = epoch;
      started = performance.now();
      lastDraw = started;
      bar = barLine(0, batches, 0);
      draw();
    },
    batchEnd(batch) {
      const now = performance.now();
      if (now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      bar = barLine(batch + 1, batches, (now - started) / 1000);
      draw();
    },
    async epochEnd(row, seconds) {
      bar = "";
      rows.push(row);
      lines.push(...epochLines(row, epochs, batches, seconds));
      draw();
      // a chart takes about 0.1 s to draw: short epochs (100 of them on a quick slice) redraw it at most once a second
      if (performance.now() - lastChart >= CHART_REDRAW_MS) await drawChart();
      else chartBehind = true;
    },
    async restored(recorded, total, batchCount, from) {
      epochs = options.epochs ?? total;
      batches = batchCount;
      rows.push(...recorded);
      // one display can show several fits (one per epoch with augmentation): say "restored" once, with the
      // training time of every fit restored so far
      restoredSeconds += from.seconds;
      const line = `${restoredLine({ ...from, seconds: restoredSeconds })} ${
        tr({ en: "Its epochs, as recorded then:", ko: "그때 기록한 에폭별 결과:" })
      }`;
      if (restoredLineIndex < 0) {
        restoredLineIndex = lines.length;
        lines.push(line);
      } else lines[restoredLineIndex] = line;
      lines.push(...recorded.flatMap((r) => epochLines(r, epochs, batchCount, r.seconds)));
      draw();
      await drawChart();
    },
    note(line) {
      lines.push(line);
      draw();
    },
    async finish() {
      bar = "";
      if (lines.length > 0) draw();
      if (chartBehind) await drawChart();
      await log.flush();
      await chart.flush();
    },
  };
}

/**
 * Lines on standard error: a bar redrawn in place on a terminal, and the two
 * Keras lines per epoch (the only output when standard error is not a terminal).
 */
export function terminalTrainingDisplay(
  write: (text: string) => void = (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
  interactive: boolean = Deno.stderr.isTerminal(),
): TrainingDisplay {
  let epochs = 0;
  let batches = 0;
  let started = 0;
  let lastDraw = 0;
  return {
    start(info) {
      epochs = info.epochs;
      batches = info.batches;
    },
    epochStart(epoch) {
      started = performance.now();
      lastDraw = 0;
      write(`Epoch ${epoch}/${epochs}\n`);
    },
    batchEnd(batch) {
      if (!interactive) return;
      const now = performance.now();
      if (now - lastDraw < 100 && batch + 1 < batches) return;
      lastDraw = now;
      write(`\r${barLine(batch + 1, batches, (now - started) / 1000)} `);
    },
    epochEnd(row, seconds) {
      write(`${interactive ? "\r\x1b[2K" : ""}${epochLines(row, epochs, batches, seconds)[1]}\n`);
      return Promise.resolve();
    },
    restored(_rows, _epochs, _batches, from) {
      write(`${restoredLine(from)}\n`);
      return Promise.resolve();
    },
    note(line) {
      write(`${line}\n`);
    },
    finish: () => Promise.resolve(),
  };
}

/** A display that shows nothing (tests, the bench). */
export const silentTrainingDisplay: TrainingDisplay = {
  start() {},
  epochStart() {},
  batchEnd() {},
  epochEnd: () => Promise.resolve(),
  restored: () => Promise.resolve(),
  note() {},
  finish: () => Promise.resolve(),
};

/**
 * One line per run, for a notebook that reuses a run another notebook taught
 * (so its training log is not printed twice): "cnn-5: restored from ..." or,
 * when it must train, a progress line that ends as "cnn-5: trained in 71.2 s".
 */
export function briefTrainingDisplay(
  name: string,
  jupyter: JupyterApi | undefined = jupyterApi(),
): TrainingDisplay {
  const write = jupyter ? undefined : (t: string) => Deno.stderr.writeSync(new TextEncoder().encode(t));
  const live = jupyter ? new LiveDisplay(jupyter) : null;
  const show = (text: string) => (live ? live.show({ "text/plain": text }) : write!(`${text}\n`));
  let epochs = 0;
  let batches = 0;
  let epoch = 0;
  let started = 0;
  let lastDraw = 0;
  let trainingStarted = 0;
  return {
    start(info) {
      epochs = info.epochs;
      batches = info.batches;
      trainingStarted = performance.now();
    },
    epochStart(e) {
      epoch = e;
      started = performance.now();
    },
    batchEnd(batch) {
      const now = performance.now();
      if (now - lastDraw < REDRAW_MS * 4) return;
      lastDraw = now;
      const bar = barLine(batch + 1, batches, (now - started) / 1000);
      show(`${name}: ${tr({ en: "training, epoch", ko: "학습 중, 에폭" })} ${epoch}/${epochs} ${bar}`);
    },
    epochEnd() {
      return Promise.resolve();
    },
    restored(_rows, _epochs, _batches, from) {
      show(`${name}: ${restoredLine(from)}`);
      return Promise.resolve();
    },
    note(line) {
      show(`${name}: ${line}`);
    },
    async finish() {
      if (trainingStarted > 0) {
        const seconds = ((performance.now() - trainingStarted) / 1000).toFixed(1);
        show(
          `${name}: ${
            tr({ en: `trained in ${seconds} s and cached.`, ko: `${seconds}초 동안 학습하고 캐시에 저장했습니다.` })
          }`,
        );
      }
      await live?.flush();
    },
  };
}

/** The default display: live in a notebook, lines on standard error elsewhere. */
export function defaultTrainingDisplay(title?: string): TrainingDisplay {
  return inJupyter() ? notebookTrainingDisplay(title) : terminalTrainingDisplay();
}
