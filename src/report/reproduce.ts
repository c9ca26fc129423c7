/**
 * The `reproduce` pipeline: train or restore the report's runs (through the
 * same cached `fit` as the notebooks, `src/runs.ts`), evaluate them, and write
 * the figures and tables listed below, REPORT.md and manifest.json. The
 * command-line wrapper is `src/cli/reproduce.ts`.
 *
 * What is written is two lists, {@link REPORT_FIGURES} and
 * {@link REPORT_TABLES}: each entry names a builder from `src/figures/` or
 * `src/tables/`, the same builder the notebooks display.
 *
 * @module
 */
import type pl from "nodejs-polars";
import { join } from "node:path";
import { backendName } from "../tf.ts";
import type { CourseMnist } from "../data/course_data.ts";
import { loadCourseMnist } from "../data/course_data.ts";
import { type RunResult, trainRun } from "../runs.ts";
import { terminalTrainingDisplay } from "../display/training.ts";
import { confusionMatrix, evaluateModel, type Evaluation, perClassAccuracy } from "../evaluate.ts";
import {
  agreementFrame,
  comparisonMarkdown,
  comparisonTable,
  metricsOf,
  type ModelMetrics,
} from "../tables/comparison.ts";
import { classCountsTable } from "../tables/data.ts";
import { confusionTable, historyFrame, perClassFrame } from "../tables/models.ts";
import { type CellFormat, defaultCellFormat, saveTable } from "../tables/format.ts";
import {
  classCountsFigure,
  firstImagePixelsFigure,
  meanDigitsFigure,
  pixelHistogramFigure,
  sampleDigitsFigure,
} from "../figures/data.ts";
import {
  cnnFeatureMapsFigure,
  cnnFiltersFigure,
  confusionFigure,
  learningCurvesFigure,
  probabilitiesFigure,
  testPredictionsFigure,
} from "../figures/models.ts";
import {
  comparisonAccuracyFigure,
  comparisonErrorFigure,
  comparisonGapFigure,
  comparisonLossFigure,
  type ComparisonMetrics,
  disagreementsFigure,
  heldOutCurvesFigure,
  mistakesFigure,
  parameterCountFigure,
  perClassFigure,
} from "../figures/comparison.ts";
import type { Displayable } from "../plots/figure.ts";
import { parameterTable } from "../tables/models.ts";
import { Pipeline } from "./pipeline.ts";
import { repoRoot, writeFileAtomic, writeJsonAtomic } from "../fsutil.ts";
import { machineInfo, versionInfo } from "./environment.ts";
import { renderReportMarkdown, type WrittenFigure } from "./markdown.ts";
import { DEFAULT_SEED } from "../random.ts";
import {
  evaluateSourceRuns,
  SOURCE_FIGURES,
  SOURCE_STEPS,
  SOURCE_TABLES,
  type SourceResults,
  type SourceRun,
  sourceRunsManifest,
  trainSourceStep,
} from "./sources.ts";

/** Options of one `reproduce` run. */
export interface ReproduceOptions {
  /** Quick mode: the first 2,000 training and 500 test images (a dry run). */
  quick: boolean;
  outDir: string;
  cacheDir?: string;
  /** Retrain the report's runs even when they are cached. */
  force?: boolean;
  /** Execute and export the notebooks when Jupyter is installed. */
  notebooks?: boolean;
  /** Also train (or restore) the sources' runs and write their group of outputs (default true). */
  sources?: boolean;
  /** Where progress lines go (standard error by default). */
  log?: (line: string) => void;
}

/** The report's four runs, trained in this order (the 10-epoch runs cache their 5-epoch state on the way). */
export const REPORT_RUNS = ["mlp-10", "mlp-5", "cnn-10", "cnn-5"] as const;
/** One of {@link REPORT_RUNS}. */
export type ReportRun = typeof REPORT_RUNS[number];

/** A trained run with its evaluations on the training and test images. */
export interface EvaluatedRun {
  run: RunResult;
  train: Evaluation;
  test: Evaluation;
}

/** Everything the tables, figures and REPORT.md are made from. */
export interface ReproduceResults {
  quick: boolean;
  data: CourseMnist;
  runs: Record<ReportRun, EvaluatedRun>;
  /** The sources' runs (absent with `--no-sources`). */
  sources?: SourceResults;
}

/** Which group an output belongs to: the report's own, or the sources' runs (written only when they ran). */
export type OutputGroup = "report" | "sources";

/** ModelMetrics of an evaluated run. */
export function runMetrics(run: EvaluatedRun): ModelMetrics {
  return metricsOf(run.train, run.test);
}

/** The metrics of the four runs, for the comparison figures. */
export function comparisonMetricsOf(r: ReproduceResults): ComparisonMetrics {
  const m = (name: ReportRun) => runMetrics(r.runs[name]);
  return {
    early: { epochs: 5, mlp: m("mlp-5"), cnn: m("cnn-5") },
    late: { epochs: 10, mlp: m("mlp-10"), cnn: m("cnn-10") },
  };
}

/** A figure `reproduce` writes: file name stem, caption, and how it is built from the results. */
export interface FigureEntry {
  name: string;
  title: string;
  build: (r: ReproduceResults) => Displayable;
  /** The report's own (default) or the sources' group. */
  group?: OutputGroup;
}

/** Every figure of `reports/figures/`, in report order: the report's, then the sources' group. */
export const REPORT_FIGURES: FigureEntry[] = [
  { name: "sample-digits", title: "The first nine training digits", build: (r) => sampleDigitsFigure(r.data.train) },
  {
    name: "first-image-pixels",
    title: "Grey levels of the first training image",
    build: (r) => firstImagePixelsFigure(r.data.train),
  },
  { name: "class-counts", title: "Images per digit", build: (r) => classCountsFigure(r.data.train, r.data.test) },
  { name: "mean-digits", title: "Mean training image of each digit", build: (r) => meanDigitsFigure(r.data.train) },
  {
    name: "pixel-histogram",
    title: "Grey levels of all training pixels",
    build: (r) => pixelHistogramFigure(r.data.train),
  },
  {
    name: "mlp-learning-curves",
    title: "MLP learning curves (10 epochs)",
    build: (r) => learningCurvesFigure("MLP", r.runs["mlp-10"].run.rows),
  },
  {
    name: "mlp-test-predictions",
    title: "MLP predictions after 5 epochs",
    build: (r) => testPredictionsFigure("MLP", r.data.test, r.runs["mlp-5"].test),
  },
  {
    name: "mlp-probabilities",
    title: "MLP probabilities for the first test image",
    build: (r) => probabilitiesFigure("MLP", r.runs["mlp-5"].test, 0),
  },
  {
    name: "cnn-learning-curves",
    title: "CNN learning curves (10 epochs)",
    build: (r) => learningCurvesFigure("CNN", r.runs["cnn-10"].run.rows),
  },
  {
    name: "cnn-test-predictions",
    title: "CNN predictions after 5 epochs",
    build: (r) => testPredictionsFigure("CNN", r.data.test, r.runs["cnn-5"].test),
  },
  {
    name: "cnn-filters",
    title: "The CNN's 32 learned filters after 5 epochs",
    build: (r) => cnnFiltersFigure(r.runs["cnn-5"].run.model),
  },
  {
    name: "cnn-feature-maps",
    title: "Feature maps of the first test digit",
    build: (r) => cnnFeatureMapsFigure(r.runs["cnn-5"].run.model, r.data.test),
  },
  {
    name: "cnn-confusion-matrix",
    title: "CNN confusion matrix after 5 epochs",
    build: (r) => confusionFigure("CNN", r.data.test, r.runs["cnn-5"].test),
  },
  {
    name: "mlp-confusion-matrix",
    title: "MLP confusion matrix after 5 epochs",
    build: (r) => confusionFigure("MLP", r.data.test, r.runs["mlp-5"].test),
  },
  {
    name: "comparison-accuracy",
    title: "Accuracy of both models",
    build: (r) => comparisonAccuracyFigure(comparisonMetricsOf(r)),
  },
  {
    name: "comparison-error",
    title: "Error rate of both models",
    build: (r) => comparisonErrorFigure(comparisonMetricsOf(r)),
  },
  { name: "comparison-loss", title: "Loss of both models", build: (r) => comparisonLossFigure(comparisonMetricsOf(r)) },
  {
    name: "comparison-gap",
    title: "Overfitting gap of both models",
    build: (r) => comparisonGapFigure(comparisonMetricsOf(r)),
  },
  {
    name: "held-out-curves",
    title: "Held-out accuracy per epoch",
    build: (r) => heldOutCurvesFigure(r.runs["mlp-10"].run.rows, r.runs["cnn-10"].run.rows),
  },
  {
    name: "parameter-counts",
    title: "Parameter counts",
    build: (r) => parameterCountFigure(r.runs["mlp-10"].run.model, r.runs["cnn-10"].run.model),
  },
  {
    name: "per-class-error",
    title: "Test error rate per digit after 5 epochs",
    build: (r) => perClassFigure(r.data.test, r.runs["mlp-5"].test, r.runs["cnn-5"].test, 5),
  },
  {
    name: "mlp-mistakes",
    title: "Test digits the MLP gets wrong",
    build: (r) => mistakesFigure("MLP", r.data.test, r.runs["mlp-5"].test),
  },
  {
    name: "cnn-mistakes",
    title: "Test digits the CNN gets wrong",
    build: (r) => mistakesFigure("CNN", r.data.test, r.runs["cnn-5"].test),
  },
  {
    name: "disagreements",
    title: "Test digits on which the two models disagree",
    build: (r) => disagreementsFigure(r.data.test, r.runs["mlp-5"].test, r.runs["cnn-5"].test),
  },
  ...SOURCE_FIGURES,
];

/** A table `reproduce` writes: file name stem, how it is built, and how its Markdown cells are printed. */
export interface TableEntry {
  name: string;
  build: (r: ReproduceResults) => pl.DataFrame;
  /** Markdown of the table, when it is not the plain rendering of the frame. */
  markdown?: (frame: pl.DataFrame) => string;
  format?: CellFormat;
  /** The report's own (default) or the sources' group. */
  group?: OutputGroup;
}

const percentCells: CellFormat = (value, column) =>
  column === "digit" || typeof value !== "number" ? defaultCellFormat(value, column) : `${(value * 100).toFixed(2)}%`;

const comparisonEntry = (epochs: 5 | 10): TableEntry => ({
  name: `comparison-${epochs}-epochs`,
  build: (r) => {
    const [mlp, cnn] = epochs === 5 ? ["mlp-5", "cnn-5"] as const : ["mlp-10", "cnn-10"] as const;
    return comparisonTable(epochs, { mlp: runMetrics(r.runs[mlp]), cnn: runMetrics(r.runs[cnn]) });
  },
  markdown: (frame) => comparisonMarkdown(frame.drop("epochs")),
});

/** Every table of `reports/tables/`. */
export const REPORT_TABLES: TableEntry[] = [
  comparisonEntry(5),
  comparisonEntry(10),
  { name: "history-mlp", build: (r) => historyFrame(r.runs["mlp-10"].run.rows) },
  { name: "history-cnn", build: (r) => historyFrame(r.runs["cnn-10"].run.rows) },
  { name: "class-counts", build: (r) => classCountsTable(r.data) },
  {
    name: "per-class-accuracy",
    build: (r) =>
      perClassFrame(
        Object.fromEntries(
          REPORT_RUNS.map((name) => [
            name.replace("-", "_"),
            perClassAccuracy(confusionMatrix(r.data.test.labels, r.runs[name].test.predictions)),
          ]),
        ),
      ),
    format: percentCells,
  },
  {
    name: "confusion-mlp-10-epochs",
    build: (r) => confusionTable(confusionMatrix(r.data.test.labels, r.runs["mlp-10"].test.predictions)),
  },
  {
    name: "confusion-cnn-10-epochs",
    build: (r) => confusionTable(confusionMatrix(r.data.test.labels, r.runs["cnn-10"].test.predictions)),
  },
  {
    name: "agreement",
    build: (r) =>
      agreementFrame(r.data.test.labels, r.runs["mlp-10"].test.predictions, r.runs["cnn-10"].test.predictions),
  },
  {
    name: "parameters",
    build: (r) => parameterTable({ MLP: r.runs["mlp-10"].run.model, CNN: r.runs["cnn-10"].run.model }),
  },
  ...SOURCE_TABLES,
];

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

/** Runs the whole pipeline; returns the path of REPORT.md. */
export async function runReproduce(options: ReproduceOptions): Promise<string> {
  const { outDir, quick } = options;
  const log = options.log ?? ((line: string) => console.error(line));
  const tablesDir = join(outDir, "tables");
  const figuresDir = join(outDir, "figures");
  const withSources = options.sources ?? true;
  // the report's 8 steps, and with the sources one per source, their evaluation and their outputs
  const pipeline = new Pipeline(8 + (withSources ? SOURCE_STEPS.length + 2 : 0), await previousDurations(outDir), log);
  log(
    `reproduce: ${quick ? "QUICK MODE (small slices: the numbers are not the report's)" : "full run"}; ` +
      `seed ${DEFAULT_SEED}; backend ${backendName()}; writing to ${outDir}`,
  );

  const data = await pipeline.step("load MNIST", () => loadCourseMnist(quick));
  const trained: Partial<Record<ReportRun, RunResult>> = {};
  const train = async (name: ReportRun) => {
    // the 5-epoch runs are restored from the state their 10-epoch runs cached after epoch 5
    const force = options.force && name.endsWith("10");
    const result = await trainRun(name, data, {
      cacheDir: options.cacheDir,
      retrain: force,
      display: terminalTrainingDisplay(),
    });
    if (result.fromCache) log(`  ${name}: restored from the model cache (${result.history.path})`);
    trained[name] = result;
  };
  await pipeline.step("train the MLP (10 epochs, its state after 5 cached on the way)", async () => {
    await train("mlp-10");
    await train("mlp-5");
  });
  await pipeline.step("train the CNN (10 epochs, its state after 5 cached on the way)", async () => {
    await train("cnn-10");
    await train("cnn-5");
  });

  const results = await pipeline.step("evaluate the four models on the training and test images", () => {
    const runs = {} as Record<ReportRun, EvaluatedRun>;
    for (const name of REPORT_RUNS) {
      const run = trained[name]!;
      runs[name] = { run, train: evaluateModel(run.model, data.train), test: evaluateModel(run.model, data.test) };
      log(
        `  ${name}: train accuracy ${(runs[name].train.accuracy * 100).toFixed(2)}%, test accuracy ${
          (runs[name].test.accuracy * 100).toFixed(2)
        }%`,
      );
    }
    return { quick, data, runs } as ReproduceResults;
  });

  const tables: Record<string, string> = {};
  const figures: WrittenFigure[] = [];
  const inGroup = (group: OutputGroup) => (e: { group?: OutputGroup }) => (e.group ?? "report") === group;
  const writeTables = async (group: OutputGroup) => {
    for (const entry of REPORT_TABLES.filter(inGroup(group))) {
      const frame = entry.build(results);
      const [csv, md] = await saveTable(frame, tablesDir, entry.name, entry.format);
      if (entry.markdown) await writeFileAtomic(md, entry.markdown(frame));
      tables[entry.name] = await Deno.readTextFile(md);
      pipeline.record(csv, md);
    }
  };
  const writeFigures = async (group: OutputGroup) => {
    for (const entry of REPORT_FIGURES.filter(inGroup(group))) {
      const paths = await entry.build(results).save(join(figuresDir, entry.name));
      figures.push({ name: entry.name, title: entry.title, paths });
      pipeline.record(...paths);
    }
  };
  await pipeline.step("write tables", () => writeTables("report"));
  await pipeline.step("write figures", () => writeFigures("report"));

  // The sources' runs: their own steps, so that the manifest times them apart from the report's
  if (withSources) {
    const trainedSources: Partial<Record<SourceRun, RunResult>> = {};
    const sourceOptions = { cacheDir: options.cacheDir, display: terminalTrainingDisplay() };
    for (const step of SOURCE_STEPS) {
      Object.assign(
        trainedSources,
        await pipeline.step(step.name, () => trainSourceStep(step, data, sourceOptions, log)),
      );
    }
    results.sources = await pipeline.step(
      "evaluate the sources' runs (test set; source 001's on the drawings)",
      () => evaluateSourceRuns(trainedSources as Record<SourceRun, RunResult>, data),
    );
    await pipeline.step("write the sources' tables and figures", async () => {
      await writeTables("sources");
      await writeFigures("sources");
    });
  } else {
    log("  the sources' runs: skipped (--no-sources)");
  }

  const notebookLinks: string[] = [];
  await pipeline.step("execute the notebooks", async () => {
    if (!options.notebooks) {
      log("  skipped (--no-notebooks)");
      return;
    }
    const exported = await exportNotebooks(join(outDir, "notebooks"), quick, options.cacheDir, log);
    notebookLinks.push(...exported);
    pipeline.record(...exported);
  });

  const reportPath = join(outDir, "REPORT.md");
  await pipeline.step("write REPORT.md", async () => {
    const markdown = renderReportMarkdown({ results, tables, figures, notebooks: notebookLinks, outDir });
    await writeFileAtomic(reportPath, markdown);
    pipeline.record(reportPath);
  });

  const manifest = {
    generatedBy: "deno task reproduce" + (quick ? " --quick" : ""),
    quick,
    seed: DEFAULT_SEED,
    backend: backendName(),
    versions: versionInfo(),
    machine: machineInfo(),
    runs: Object.fromEntries(
      REPORT_RUNS.map((name) => {
        const { run } = results.runs[name];
        return [name, {
          ...run.spec,
          cache: rel(run.history.path),
          trainedSeconds: run.seconds,
          metrics: runMetrics(results.runs[name]),
        }];
      }),
    ),
    sources: results.sources ? sourceRunsManifest(results.sources, rel) : null,
    steps: [...pipeline.steps, { name: TOTAL_STEP, seconds: Math.round(pipeline.elapsed() * 10) / 10 }],
    outputs: await pipeline.hashes(outDir),
  };
  await writeJsonAtomic(join(outDir, MANIFEST), manifest);
  log(`reproduce: done in ${pipeline.elapsed().toFixed(0)}s; see ${reportPath}`);
  return reportPath;
}

function rel(path: string): string {
  const root = repoRoot() + "/";
  return path.startsWith(root) ? path.slice(root.length) : path;
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
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, "--out", dir],
    // notebooks 03–06 train nothing new: their fits restore the runs this pipeline just cached; notebook 07
    // trains its own runs (augmentation, early stopping, the deeper models) when the cache lacks them
    env: { MNIST_QUICK: quick ? "1" : "0", ...(cacheDir ? { MNIST_CACHE_DIR: cacheDir } : {}) },
    stdout: "piped",
    stderr: "inherit",
  });
  const output = await command.output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) throw new Error(`executing the notebooks failed (exit ${output.code}):\n${text}`);
  const written = text.split("\n").filter((l) => l.startsWith("wrote ")).map((l) => l.slice("wrote ".length).trim());
  if (written.length === 0) log(`  ${text.trim().split("\n").at(-1) ?? "no notebooks exported"}`);
  return written;
}
