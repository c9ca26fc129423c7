/**
 * `deno task bench`: how fast this project trains and runs the report's
 * models on this machine's CPU, next to PyTorch on the same data in the same
 * run when python3 with torch is installed.
 *
 * Measures, for the MLP and the CNN: training samples/s (one epoch of
 * `model.fit`, Adam, at each batch size), inference latency for one drawn
 * digit (preprocess + forward, median and p95 over 200 runs; also the MLP and
 * the CNN side by side on one drawing, as the app's comparison view, and the
 * deeper CNN of the app's best model), tensors left
 * behind by an epoch (must be 0), and the process's peak RSS.
 *
 * usage: deno task bench [--samples 6000] [--batch 32,128] [--models mlp,cnn,mlp4] [--repeat 1]
 *                        [--torch-threads 2,1] [--json] [--no-torch]
 *
 * @module
 */
import { backendName } from "../tf.ts";
import { defaultMnistDir, loadMnist, PIXELS_PER_IMAGE } from "../data/mnist.ts";
import { loadAverage, type MachineInfo, machineInfo, peakRssMiB } from "./bench/machine.ts";
import { BENCH_MODELS, type BenchModel, benchTraining, type TrainingResult } from "./bench/training.ts";
import { benchInference, type InferenceResult } from "./bench/inference.ts";
import { runTorchReference, type TorchResult, torchUnavailable, unfairBlas } from "./bench/torch.ts";

/** Command-line options. */
export interface BenchOptions {
  samples: number;
  batches: number[];
  json: boolean;
  torch: boolean;
  models: BenchModel[];
  /** Runs of each measurement; the best (fastest) is reported, to filter out other processes' interference. */
  repeat: number;
  /**
   * Thread counts PyTorch runs with; each row is compared with the fastest.
   * Default: all cores (the reference script's default) and 1, because two
   * OpenMP threads lose badly whenever another process holds a core.
   */
  torchThreads: number[];
  /**
   * Batches TensorFlow.js trains before each timed epoch (default 1, as the
   * PyTorch reference warms up). V8 keeps optimising TensorFlow.js's JavaScript
   * for about a thousand steps, so a larger warm-up measures the steady state
   * of a long training run; PyTorch has no such warm-up to do.
   */
  warmup: number;
}

const USAGE =
  "usage: deno task bench [--samples N] [--batch 32,128] [--models mlp,cnn,mlp4] [--repeat N] [--warmup N] " +
  "[--torch-threads 2,1] [--json] [--no-torch]";

/** Parses the command line (throws with the usage line on a bad one). */
export function parseBenchArgs(args: string[]): BenchOptions {
  const options: BenchOptions = {
    samples: 6000,
    batches: [32, 128],
    json: false,
    torch: true,
    models: ["mlp", "cnn"],
    repeat: 1,
    warmup: 1,
    torchThreads: navigator.hardwareConcurrency > 1 ? [navigator.hardwareConcurrency, 1] : [1],
  };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v == null) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case "--samples": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 60000) throw new Error(`--samples must be 1..60000\n${USAGE}`);
        options.samples = n;
        break;
      }
      case "--batch": {
        const list = value().split(",").map(Number);
        if (list.some((b) => !Number.isInteger(b) || b < 1)) {
          throw new Error(`--batch takes sizes like 32,128\n${USAGE}`);
        }
        options.batches = list;
        break;
      }
      case "--models": {
        const list = value().split(",");
        if (list.some((m) => !(BENCH_MODELS as readonly string[]).includes(m))) {
          throw new Error(`--models takes ${BENCH_MODELS.join(",")}\n${USAGE}`);
        }
        options.models = list as BenchModel[];
        break;
      }
      case "--repeat": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 20) throw new Error(`--repeat must be 1..20\n${USAGE}`);
        options.repeat = n;
        break;
      }
      case "--warmup": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 20000) throw new Error(`--warmup must be 1..20000 batches\n${USAGE}`);
        options.warmup = n;
        break;
      }
      case "--torch-threads": {
        const list = value().split(",").map(Number);
        if (list.some((t) => !Number.isInteger(t) || t < 1)) {
          throw new Error(`--torch-threads takes thread counts like 2,1\n${USAGE}`);
        }
        options.torchThreads = list;
        break;
      }
      case "--json":
        options.json = true;
        break;
      case "--no-torch":
        options.torch = false;
        break;
      case "--help":
      case "-h":
        console.log(USAGE);
        Deno.exit(0);
        break;
      default:
        throw new Error(`unknown option ${args[i]}\n${USAGE}`);
    }
  }
  return options;
}

/** One row of the comparison. */
export interface BenchRow extends TrainingResult {
  /** samples/s of every run (the reported figure is the best). */
  runs: number[];
  /** PyTorch's best samples/s over all runs and thread counts. */
  torchSamplesPerSecond: number | null;
  /** The thread count of that best PyTorch run. */
  torchThreads: number | null;
  /** Every PyTorch run. */
  torchRuns: { threads: number; samplesPerSecond: number }[];
  /** tfjs samples/s ÷ torch samples/s; null without PyTorch or when its BLAS made it unfair ({@link unfairBlas}). */
  ratio: number | null;
}

/** Everything a bench run measured. */
export interface BenchReport {
  machine: MachineInfo;
  command: string;
  samples: number;
  repeat: number;
  /** Warm-up batches before each timed epoch (see {@link BenchOptions.warmup}). */
  warmup: number;
  training: BenchRow[];
  torch: {
    ran: boolean;
    note: string | null;
    results: TorchResult[];
    /** The BLAS library (or libraries) PyTorch's products went through, as torch_reference.py named them. */
    blas: string | null;
    /** Why no ratio is given although PyTorch ran (its BLAS), or null. */
    unfair: string | null;
  };
  inference: InferenceResult[];
  peakRssMiB: number;
  /** 1-minute load average at the start and the end: above ~1 other processes competed for the cores. */
  loadAverage: { start: number | null; end: number | null };
}

function log(json: boolean, line: string) {
  if (!json) console.log(line);
  else console.error(line);
}

/** Runs the benchmark. Progress goes to stdout (stderr with --json). */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const machine = machineInfo();
  const loadStart = loadAverage();
  log(options.json, `${machine.backend}; ${machine.cores} cores, ${machine.cpu}`);
  const data = await loadMnist();
  const n = options.samples;
  const split = {
    images: data.train.images.subarray(0, n * PIXELS_PER_IMAGE),
    labels: data.train.labels.subarray(0, n),
    count: n,
  };
  const torchNote = options.torch ? await torchUnavailable() : "torch comparison skipped: --no-torch";
  if (torchNote) log(options.json, torchNote);
  const torchResults: TorchResult[] = [];
  const rows: BenchRow[] = [];
  for (const batch of options.batches) {
    const batchRows: BenchRow[] = [];
    for (let run = 0; run < options.repeat; run++) {
      const suffix = options.repeat > 1 ? ` (run ${run + 1}/${options.repeat})` : "";
      for (const model of options.models) {
        log(options.json, `training ${model}, batch ${batch}, ${n} samples${suffix} ...`);
        const result = await benchTraining(split, model, batch, options.warmup);
        let row = batchRows.find((r) => r.model === model);
        if (row == null) {
          row = { ...result, runs: [], torchSamplesPerSecond: null, torchThreads: null, torchRuns: [], ratio: null };
          batchRows.push(row);
        } else {
          const growth = Math.max(row.tensorGrowth, result.tensorGrowth); // any run that leaks shows
          if (result.samplesPerSecond > row.samplesPerSecond) Object.assign(row, result);
          row.tensorGrowth = growth;
        }
        row.runs.push(result.samplesPerSecond);
      }
      if (torchNote == null) {
        for (const threads of options.torchThreads) {
          log(options.json, `torch reference, batch ${batch}, ${threads} thread(s)${suffix} ...`);
          const results = await runTorchReference(defaultMnistDir(), n, batch, threads);
          torchResults.push(...results);
          for (const r of results) {
            const row = batchRows.find((row) => row.model === r.model);
            if (row == null) continue;
            row.torchRuns.push({ threads: r.threads, samplesPerSecond: r.samples_per_s });
            if (r.samples_per_s > (row.torchSamplesPerSecond ?? 0)) {
              row.torchSamplesPerSecond = r.samples_per_s;
              row.torchThreads = r.threads;
            }
          }
        }
      }
    }
    rows.push(...batchRows);
  }
  const unfair = torchResults.length > 0 ? unfairBlas(torchResults) : null;
  for (const row of rows) {
    if (row.torchSamplesPerSecond != null && unfair == null) {
      row.ratio = row.samplesPerSecond / row.torchSamplesPerSecond;
    }
  }
  if (unfair != null) log(options.json, unfair);
  const inference: InferenceResult[] = [];
  // the app's views: each model alone, the MLP and the CNN side by side, and the best model's network
  const timed: string[] = options.models.filter((model) => model !== "mlp4"); // mlp4: a diagnostic for training only
  if (options.models.includes("mlp") && options.models.includes("cnn")) timed.push("mlp+cnn");
  if (options.models.includes("cnn")) timed.push("deep-cnn");
  for (const model of timed) {
    log(options.json, `inference latency, ${model} ...`);
    inference.push(benchInference(model));
  }
  return {
    machine,
    command: `deno task bench ${Deno.args.join(" ")}`.trim(),
    samples: n,
    repeat: options.repeat,
    warmup: options.warmup,
    training: rows,
    torch: {
      ran: torchNote == null,
      note: torchNote,
      results: torchResults,
      blas: torchResults.length > 0 ? [...new Set(torchResults.map((r) => r.blas ?? "unknown"))].join(", ") : null,
      unfair,
    },
    inference,
    peakRssMiB: peakRssMiB(),
    loadAverage: { start: loadStart, end: loadAverage() },
  };
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** The report as readable tables. */
export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `Machine: ${m.cores} cores, ${m.cpu}; ${m.os}; Deno ${m.deno}`,
    `Engine:  ${m.backend}`,
    `PyTorch: ${
      report.torch.results.length > 0
        ? `${report.torch.results[0].framework}, BLAS: ${report.torch.blas}`
        : report.torch.note ?? "not run"
    }`,
    `Training: ${report.samples} MNIST images, 1 epoch of model.fit, Adam, after a warm-up of ${report.warmup} ` +
    `batch${report.warmup === 1 ? "" : "es"} (PyTorch: one batch)` +
    (report.repeat > 1 ? `; best of ${report.repeat} runs (all runs in --json)` : ""),
    "",
    [
      pad("model", 6),
      pad("batch", 6, true),
      pad("tfjs samples/s", 15, true),
      pad("torch samples/s", 22, true),
      pad("ratio", 6, true),
      pad("train acc", 10, true),
      pad("tensors +/epoch", 16, true),
      pad("peak RSS MiB", 13, true),
    ].join("  "),
  ];
  for (const r of report.training) {
    lines.push([
      pad(r.model, 6),
      pad(String(r.batch), 6, true),
      pad(r.samplesPerSecond.toFixed(0), 15, true),
      pad(
        r.torchSamplesPerSecond == null ? "-" : `${r.torchSamplesPerSecond.toFixed(0)} (${r.torchThreads} thr)`,
        22,
        true,
      ),
      pad(r.ratio == null ? "-" : `${r.ratio.toFixed(2)}x`, 6, true),
      pad(r.accuracy.toFixed(3), 10, true),
      pad(String(r.tensorGrowth), 16, true),
      pad(r.peakRssMiB.toFixed(0), 13, true),
    ].join("  "));
  }
  if (report.torch.ran && report.torch.results.length > 0) {
    const t = report.torch.results[0];
    const threads = [...new Set(report.torch.results.map((r) => r.threads))].join(" and ");
    lines.push(
      `(torch: ${t.framework}, BLAS ${report.torch.blas}, with ${threads} thread(s), same images and batch sizes, ` +
        "run by this bench; the faster setting is shown" +
        (report.torch.unfair == null ? " and the ratio is against it)" : ")"),
    );
    if (report.torch.unfair != null) lines.push(`(${report.torch.unfair})`);
  } else if (report.torch.note) {
    lines.push(`(${report.torch.note})`);
  }
  lines.push("", "Inference, one drawn digit (280×280 RGBA → 28×28 → forward → probabilities):");
  lines.push([pad("model", 8), pad("median ms", 10, true), pad("p95 ms", 8, true), "  preprocess"].join("  "));
  for (const r of report.inference) {
    lines.push(
      [pad(r.model, 8), pad(r.medianMs.toFixed(3), 10, true), pad(r.p95Ms.toFixed(3), 8, true), `  ${r.preprocess}`]
        .join("  "),
    );
  }
  if (report.inference.some((r) => r.model.includes("+"))) {
    lines.push("(mlp+cnn: one drawing preprocessed once and read by both models, as the app's side-by-side view)");
  }
  lines.push("", `Peak RSS of the whole run: ${report.peakRssMiB.toFixed(0)} MiB`);
  const { start, end } = report.loadAverage;
  if (start != null && end != null) {
    const busy = Math.max(start, end) > 1.5;
    lines.push(
      `Load average (1 min) at start/end: ${start.toFixed(2)} / ${end.toFixed(2)}` +
        (busy ? " — other processes competed for the cores: figures are low and noisy" : ""),
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(Deno.args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  if (backendName() !== "wasm") console.error(`note: running on the ${backendName()} backend, not wasm`);
  const report = await runBench(options);
  if (options.json) console.log(JSON.stringify(report, null, 2));
  else console.log("\n" + formatReport(report));
}
