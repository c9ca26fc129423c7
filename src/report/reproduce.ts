/**
 * The `reproduce` pipeline: train or load, evaluate, write tables, figures,
 * REPORT.md and manifest.json. The command-line wrapper is `src/cli/reproduce.ts`.
 *
 * @module
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { backendName } from "../tf.ts";
import { loadMnist, type MnistData, type MnistSplit, NUM_CLASSES } from "../data/mnist.ts";
import { sliceSplit } from "../data/splits.ts";
import { type ExperimentPlan } from "../experiments.ts";
import { type TrainConfig, trainPreset, type TrainResult } from "../train.ts";
import { terminalProgress } from "../progress.ts";
import {
  agreementFrame,
  confusionMatrix,
  evaluateModel,
  type Evaluation,
  perClassAccuracy,
  perClassFrame,
} from "../evaluate.ts";
import { comparisonMarkdown, comparisonTable, metricsOf, type ModelMetrics } from "./comparison.ts";
import { type CellFormat, defaultCellFormat, saveTable } from "./tables.ts";
import { Pipeline } from "./pipeline.ts";
import { repoRoot, writeFileAtomic, writeJsonAtomic } from "../fsutil.ts";
import { spawnChild } from "../child_processes.ts";
import { writeOutputSet } from "./output_set.ts";
import { machineInfo, versionInfo } from "./environment.ts";
import { writeReportFigures } from "./figures.ts";
import { renderReportMarkdown } from "./markdown.ts";

/** Options of one `reproduce` run. */
export interface ReproduceOptions {
  plan: ExperimentPlan;
  outDir: string;
  cacheDir?: string;
  force?: boolean;
  /** Execute and export the notebooks when Jupyter is installed. */
  notebooks?: boolean;
  /** Where progress lines go (standard error by default). */
  log?: (line: string) => void;
}

/** A trained model with its evaluations on the training and test images. */
export interface EvaluatedRun {
  config: TrainConfig;
  result: TrainResult;
  train: Evaluation;
  test: Evaluation;
}

/** Everything the tables, figures and REPORT.md are made from. */
export interface ReproduceResults {
  plan: ExperimentPlan;
  data: MnistData;
  trainSplit: MnistSplit;
  testSplit: MnistSplit;
  mlpEarly: EvaluatedRun;
  mlpLate: EvaluatedRun;
  cnnEarly: EvaluatedRun;
  cnnLate: EvaluatedRun;
}

/** ModelMetrics of an evaluated run. */
export function runMetrics(run: EvaluatedRun): ModelMetrics {
  return metricsOf(run.train, run.test);
}

const MANIFEST = "manifest.json";
/** The manifest's last "step": the whole run's duration. */
const TOTAL_STEP = "total";

async function previousDurations(outDir: string): Promise<Record<string, number>> {
  try {
    const manifest = JSON.parse(await Deno.readTextFile(join(outDir, MANIFEST)));
    const steps = (manifest.steps ?? []) as { name: string; seconds: number }[];
    return Object.fromEntries(steps.filter((s) => s.name !== TOTAL_STEP).map((s) => [s.name, s.seconds]));
  } catch {
    return {};
  }
}

/** The top-level entries of `reproduce`'s output set (anything else in its folder is left alone). */
export const REPORT_SET_ENTRIES = ["tables", "figures", "notebooks", "REPORT.md", MANIFEST] as const;

/**
 * Runs the whole pipeline; returns the path of REPORT.md. Everything is
 * written into a staging folder that replaces the previous set only when the
 * run is complete (`output_set.ts`), so `outDir` always holds one whole run.
 */
export async function runReproduce(options: ReproduceOptions): Promise<string> {
  const previous = await previousDurations(options.outDir);
  await writeOutputSet(options.outDir, REPORT_SET_ENTRIES, (staged) => runPipeline(options, staged, previous));
  const reportPath = join(options.outDir, "REPORT.md");
  (options.log ?? ((line: string) => console.error(line)))(`reproduce: see ${reportPath}`);
  return reportPath;
}

/** The pipeline, writing into `outDir` (the staging folder); `options.outDir` is where the set will be. */
async function runPipeline(
  options: ReproduceOptions,
  outDir: string,
  previous: Record<string, number>,
): Promise<void> {
  const { plan } = options;
  const log = options.log ?? ((line: string) => console.error(line));
  const tablesDir = join(outDir, "tables");
  const figuresDir = join(outDir, "figures");
  const totalSteps = 9;
  const pipeline = new Pipeline(totalSteps, previous, log);
  log(
    `reproduce: ${plan.quick ? "QUICK MODE (small slices, few epochs: numbers are not the report's)" : "full run"}; ` +
      `seed ${plan.mlpLate.seed}; backend ${backendName()}; writing to ${options.outDir}`,
  );

  const data = await pipeline.step("load MNIST", () => loadMnist());
  const trainSplit = plan.trainCount == null ? data.train : sliceSplit(data.train, 0, plan.trainCount);
  const testSplit = plan.testCount == null ? data.test : sliceSplit(data.test, 0, plan.testCount);

  const trainOptions = {
    cacheDir: options.cacheDir,
    progress: terminalProgress(),
    snapshotEpochs: [plan.earlyEpochs],
    log: (line: string) => log(`  ${line}`),
  };
  const train = async (late: TrainConfig, early: TrainConfig) => {
    const lateResult = await trainPreset(late, data, { ...trainOptions, force: options.force });
    if (lateResult.fromCache) log(`  loaded from the model cache: ${lateResult.path}`);
    // the early model is the snapshot the late run saved (or a cached run of its own)
    const earlyResult = await trainPreset(early, data, { ...trainOptions, force: false });
    return { lateResult, earlyResult };
  };
  const mlp = await pipeline.step(
    `train MLP (${plan.lateEpochs} epochs, snapshot after ${plan.earlyEpochs})`,
    () => train(plan.mlpLate, plan.mlpEarly),
  );
  const cnn = await pipeline.step(
    `train CNN (${plan.lateEpochs} epochs, snapshot after ${plan.earlyEpochs})`,
    () => train(plan.cnnLate, plan.cnnEarly),
  );

  const results = await pipeline.step("evaluate the four models on the training and test images", () => {
    const evaluate = (config: TrainConfig, result: TrainResult): EvaluatedRun => ({
      config,
      result,
      train: evaluateModel(result.model, trainSplit),
      test: evaluateModel(result.model, testSplit),
    });
    const r: ReproduceResults = {
      plan,
      data,
      trainSplit,
      testSplit,
      mlpEarly: evaluate(plan.mlpEarly, mlp.earlyResult),
      mlpLate: evaluate(plan.mlpLate, mlp.lateResult),
      cnnEarly: evaluate(plan.cnnEarly, cnn.earlyResult),
      cnnLate: evaluate(plan.cnnLate, cnn.lateResult),
    };
    for (
      const [name, run] of Object.entries({
        mlpEarly: r.mlpEarly,
        mlpLate: r.mlpLate,
        cnnEarly: r.cnnEarly,
        cnnLate: r.cnnLate,
      })
    ) {
      log(
        `  ${name}: train accuracy ${(run.train.accuracy * 100).toFixed(2)}%, test accuracy ${
          (run.test.accuracy * 100).toFixed(2)
        }%`,
      );
    }
    return r;
  });

  const tables = await pipeline.step("write tables", () => writeTables(results, tablesDir));
  pipeline.record(...tables.paths);

  const figures = await pipeline.step("write figures", () => writeReportFigures(results, figuresDir));
  pipeline.record(...figures.map((f) => f.paths).flat());

  const notebookLinks: string[] = [];
  await pipeline.step("execute the notebooks", async () => {
    if (!options.notebooks) {
      log("  skipped (--no-notebooks)");
      return;
    }
    const exported = await exportNotebooks(join(outDir, "notebooks"), plan.quick, options.cacheDir, log);
    notebookLinks.push(...exported);
    pipeline.record(...exported);
  });

  const reportPath = join(outDir, "REPORT.md");
  await pipeline.step("write REPORT.md", async () => {
    const markdown = renderReportMarkdown({
      results,
      tables: tables.markdown,
      figures,
      notebooks: notebookLinks,
      outDir,
    });
    await writeFileAtomic(reportPath, markdown);
    pipeline.record(reportPath);
  });

  await pipeline.step("write manifest.json", async () => {
    const manifest = {
      generatedBy: "deno task reproduce" + (plan.quick ? " --quick" : ""),
      quick: plan.quick,
      seed: plan.mlpLate.seed,
      backend: backendName(),
      versions: versionInfo(),
      machine: machineInfo(),
      experiments: {
        mlp: { early: plan.mlpEarly, late: plan.mlpLate, cache: [mlp.earlyResult.path, mlp.lateResult.path].map(rel) },
        cnn: { early: plan.cnnEarly, late: plan.cnnLate, cache: [cnn.earlyResult.path, cnn.lateResult.path].map(rel) },
      },
      metrics: Object.fromEntries(
        (["mlpEarly", "mlpLate", "cnnEarly", "cnnLate"] as const).map((k) => [k, runMetrics(results[k])]),
      ),
      steps: [...pipeline.steps, { name: TOTAL_STEP, seconds: Math.round(pipeline.elapsed() * 10) / 10 }],
      outputs: await pipeline.hashes(outDir),
    };
    await writeJsonAtomic(join(outDir, MANIFEST), manifest);
  });
  log(`reproduce: done in ${pipeline.elapsed().toFixed(0)}s`);
}

function rel(path: string): string {
  const root = repoRoot() + "/";
  return path.startsWith(root) ? path.slice(root.length) : path;
}

/** Markdown of each table by name, and every path written. */
export interface WrittenTables {
  markdown: Record<string, string>;
  paths: string[];
}

async function writeTables(r: ReproduceResults, dir: string): Promise<WrittenTables> {
  const markdown: Record<string, string> = {};
  const paths: string[] = [];
  const add = async (name: string, frame: pl.DataFrame, md?: string, format?: CellFormat) => {
    const written = await saveTable(frame, dir, name, format);
    if (md !== undefined) await writeFileAtomic(written[1], md);
    markdown[name] = md ?? await Deno.readTextFile(written[1]);
    paths.push(...written);
  };

  for (
    const [epochs, mlp, cnn] of [[r.plan.earlyEpochs, r.mlpEarly, r.cnnEarly], [
      r.plan.lateEpochs,
      r.mlpLate,
      r.cnnLate,
    ]] as const
  ) {
    const frame = comparisonTable(r.plan.quick ? (epochs === r.plan.earlyEpochs ? 5 : 10) : epochs as 5 | 10, {
      mlp: runMetrics(mlp),
      cnn: runMetrics(cnn),
    });
    const labelled = r.plan.quick ? frame.withColumns(pl.lit(epochs).alias("epochs")) : frame;
    await add(`comparison-${epochs}-epochs`, labelled, comparisonMarkdown(labelled.drop("epochs")));
  }

  for (const [name, run] of [["mlp", r.mlpLate], ["cnn", r.cnnLate]] as const) {
    await add(`history-${name}`, run.result.history);
  }

  const counts = (split: MnistSplit) => {
    const c = new Array<number>(NUM_CLASSES).fill(0);
    for (const l of split.labels) c[l]++;
    return c;
  };
  await add(
    "class-counts",
    pl.DataFrame({
      digit: pl.Series("digit", [...Array(NUM_CLASSES).keys()], pl.Int32),
      train: pl.Series("train", counts(r.data.train), pl.Int32),
      test: pl.Series("test", counts(r.data.test), pl.Int32),
    }),
  );

  const perClass: Record<string, number[]> = {};
  for (
    const [name, run] of Object.entries({
      [`mlp_${r.plan.earlyEpochs}`]: r.mlpEarly,
      [`mlp_${r.plan.lateEpochs}`]: r.mlpLate,
      [`cnn_${r.plan.earlyEpochs}`]: r.cnnEarly,
      [`cnn_${r.plan.lateEpochs}`]: r.cnnLate,
    })
  ) {
    perClass[name] = perClassAccuracy(confusionMatrix(r.testSplit.labels, run.test.predictions));
  }
  await add(
    "per-class-accuracy",
    perClassFrame(perClass),
    undefined,
    (
      value,
      column,
    ) => (column === "digit" || typeof value !== "number"
      ? defaultCellFormat(value, column)
      : `${(value * 100).toFixed(2)}%`),
  );

  for (const [name, run] of [["mlp", r.mlpLate], ["cnn", r.cnnLate]] as const) {
    const matrix = confusionMatrix(r.testSplit.labels, run.test.predictions);
    const columns: Record<string, pl.Series> = { true: pl.Series("true", [...Array(NUM_CLASSES).keys()], pl.Int32) };
    for (let p = 0; p < NUM_CLASSES; p++) {
      columns[`pred_${p}`] = pl.Series(
        `pred_${p}`,
        matrix.map((row) => row[p]),
        pl.Int32,
      );
    }
    await add(`confusion-${name}-${r.plan.lateEpochs}-epochs`, pl.DataFrame(columns));
  }

  await add("agreement", agreementFrame(r.testSplit.labels, r.mlpLate.test.predictions, r.cnnLate.test.predictions));

  const params = (run: EvaluatedRun) => run.result.model.layers.map((l) => l.countParams());
  const layerNames = (run: EvaluatedRun) => run.result.model.layers.map((l) => `${l.name} (${l.getClassName()})`);
  const mlpLayers = layerNames(r.mlpLate);
  const cnnLayers = layerNames(r.cnnLate);
  await add(
    "parameters",
    pl.DataFrame({
      model: [...mlpLayers.map(() => "MLP"), "MLP", ...cnnLayers.map(() => "CNN"), "CNN"],
      layer: [...mlpLayers, "total", ...cnnLayers, "total"],
      parameters: pl.Series("parameters", [
        ...params(r.mlpLate),
        r.mlpLate.result.model.countParams(),
        ...params(r.cnnLate),
        r.cnnLate.result.model.countParams(),
      ], pl.Int32),
    }),
  );
  return { markdown, paths };
}

async function exportNotebooks(
  dir: string,
  quick: boolean,
  cacheDir: string | undefined,
  log: (line: string) => void,
): Promise<string[]> {
  const script = join(repoRoot(), "src", "cli", "notebooks.ts");
  try {
    await Deno.stat(script);
  } catch {
    log("  notebooks: src/cli/notebooks.ts is missing; skipped");
    return [];
  }
  // in a process group of its own, ended with everything it starts if reproduce is stopped (child_processes.ts)
  const child = spawnChild(Deno.execPath(), {
    args: ["run", "-A", script, "--html", "--out", dir],
    // notebooks 02–05 train nothing new: they load the models this run just cached; notebook 06 trains its own
    // runs (augmentation, early stopping, the deeper presets) when the cache lacks them, about 5 minutes, else loads them
    env: { MNIST_QUICK: quick ? "1" : "0", ...(cacheDir ? { MNIST_CACHE_DIR: cacheDir } : {}) },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  });
  const output = await child.output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) throw new Error(`executing the notebooks failed (exit ${output.code}):\n${text}`);
  const written = text.split("\n").filter((l) => l.startsWith("wrote ")).map((l) => l.slice("wrote ".length).trim());
  if (written.length === 0) log(`  ${text.trim().split("\n").at(-1) ?? "no notebooks exported"}`);
  return written;
}
