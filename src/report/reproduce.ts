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
import { join } from "node:path";
import { backendName } from "../tf.ts";
import { loadCourseMnist } from "../data/course_data.ts";
import { type RunResult, trainRun } from "../runs.ts";
import { terminalTrainingDisplay } from "../display/training.ts";
import { confusionMatrix, evaluateModel, perClassAccuracy } from "../evaluate.ts";
import { agreementFrame, comparisonMarkdown, comparisonTable } from "../tables/comparison.ts";
import { classCountsTable } from "../tables/data.ts";
import { confusionTable, historyFrame, perClassFrame } from "../tables/models.ts";
import { type CellFormat, csvText, defaultCellFormat, markdownTable } from "../tables/format.ts";
import { type Language, withLanguage } from "../i18n.ts";
import { header } from "../tables/headers.ts";
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
  disagreementsFigure,
  heldOutCurvesFigure,
  mistakesFigure,
  parameterCountFigure,
  perClassFigure,
} from "../figures/comparison.ts";
import { parameterTable } from "../tables/models.ts";
import { Pipeline } from "./pipeline.ts";
import { COURSE_FONT, courseFontHashes } from "../plots/font.ts";
import { repoRoot, writeFileAtomic, writeJsonAtomic } from "../fsutil.ts";
import { spawnChild } from "../child_processes.ts";
import { writeOutputSet } from "./output_set.ts";
import { machineInfo, versionInfo } from "./environment.ts";
import { renderReportMarkdown, type WrittenFigure } from "./markdown.ts";
import {
  comparisonMetricsOf,
  type EvaluatedRun,
  type FigureEntry,
  type OutputGroup,
  REPORT_RUNS,
  type ReportRun,
  type ReproduceResults,
  runMetrics,
  type TableEntry,
} from "./results.ts";
export type { FigureEntry, TableEntry } from "./results.ts";
import { DEFAULT_SEED } from "../random.ts";
import {
  evaluateSourceRuns,
  SOURCE_FIGURES,
  SOURCE_STEPS,
  SOURCE_TABLES,
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
  /** Languages besides English to write REPORT.<lang>.md and figures/<lang>/ in (e.g. `["ko"]`). */
  languages?: Language[];
}

/** Every figure of `reports/figures/`, in report order: the report's, then the sources' group. */
export const REPORT_FIGURES: FigureEntry[] = [
  {
    name: "sample-digits",
    title: { en: "The first nine training digits", ko: "첫 아홉 개의 학습 이미지" },
    build: (r) => sampleDigitsFigure(r.data.train),
  },
  {
    name: "first-image-pixels",
    title: { en: "Grey levels of the first training image", ko: "첫 번째 학습 이미지의 밝기 값" },
    build: (r) => firstImagePixelsFigure(r.data.train),
  },
  {
    name: "class-counts",
    title: { en: "Images per digit", ko: "숫자별 이미지 수" },
    build: (r) => classCountsFigure(r.data.train, r.data.test),
  },
  {
    name: "mean-digits",
    title: { en: "Mean training image of each digit", ko: "숫자별 평균 학습 이미지" },
    build: (r) => meanDigitsFigure(r.data.train),
  },
  {
    name: "pixel-histogram",
    title: { en: "Grey levels of all training pixels", ko: "모든 학습 픽셀의 밝기 값 분포" },
    build: (r) => pixelHistogramFigure(r.data.train),
  },
  {
    name: "mlp-learning-curves",
    title: { en: "MLP learning curves (10 epochs)", ko: "MLP 학습 곡선 (10 에폭)" },
    build: (r) => learningCurvesFigure("MLP", r.runs["mlp-10"].run.rows),
  },
  {
    name: "mlp-test-predictions",
    title: { en: "MLP predictions after 5 epochs", ko: "5 에폭 뒤 MLP의 예측" },
    build: (r) => testPredictionsFigure("MLP", r.data.test, r.runs["mlp-5"].test),
  },
  {
    name: "mlp-probabilities",
    title: { en: "MLP probabilities for the first test image", ko: "첫 번째 테스트 이미지에 대한 MLP의 예측 확률" },
    build: (r) => probabilitiesFigure("MLP", r.runs["mlp-5"].test, 0),
  },
  {
    name: "cnn-learning-curves",
    title: { en: "CNN learning curves (10 epochs)", ko: "CNN 학습 곡선 (10 에폭)" },
    build: (r) => learningCurvesFigure("CNN", r.runs["cnn-10"].run.rows),
  },
  {
    name: "cnn-test-predictions",
    title: { en: "CNN predictions after 5 epochs", ko: "5 에폭 뒤 CNN의 예측" },
    build: (r) => testPredictionsFigure("CNN", r.data.test, r.runs["cnn-5"].test),
  },
  {
    name: "cnn-filters",
    title: { en: "The CNN's 32 learned filters after 5 epochs", ko: "5 에폭 뒤 CNN이 학습한 필터 32개" },
    build: (r) => cnnFiltersFigure(r.runs["cnn-5"].run.model),
  },
  {
    name: "cnn-feature-maps",
    title: { en: "Feature maps of the first test digit", ko: "첫 번째 테스트 숫자의 특징 맵" },
    build: (r) => cnnFeatureMapsFigure(r.runs["cnn-5"].run.model, r.data.test),
  },
  {
    name: "cnn-confusion-matrix",
    title: { en: "CNN confusion matrix after 5 epochs", ko: "5 에폭 뒤 CNN의 혼동 행렬" },
    build: (r) => confusionFigure("CNN", r.data.test, r.runs["cnn-5"].test),
  },
  {
    name: "mlp-confusion-matrix",
    title: { en: "MLP confusion matrix after 5 epochs", ko: "5 에폭 뒤 MLP의 혼동 행렬" },
    build: (r) => confusionFigure("MLP", r.data.test, r.runs["mlp-5"].test),
  },
  {
    name: "comparison-accuracy",
    title: { en: "Accuracy of both models", ko: "두 모델의 정확도" },
    build: (r) => comparisonAccuracyFigure(comparisonMetricsOf(r)),
  },
  {
    name: "comparison-error",
    title: { en: "Error rate of both models", ko: "두 모델의 오류율" },
    build: (r) => comparisonErrorFigure(comparisonMetricsOf(r)),
  },
  {
    name: "comparison-loss",
    title: { en: "Loss of both models", ko: "두 모델의 손실" },
    build: (r) => comparisonLossFigure(comparisonMetricsOf(r)),
  },
  {
    name: "comparison-gap",
    title: { en: "Overfitting gap of both models", ko: "두 모델의 과적합 정도" },
    build: (r) => comparisonGapFigure(comparisonMetricsOf(r)),
  },
  {
    name: "held-out-curves",
    title: { en: "Held-out accuracy per epoch", ko: "에폭별 검증 정확도" },
    build: (r) => heldOutCurvesFigure(r.runs["mlp-10"].run.rows, r.runs["cnn-10"].run.rows),
  },
  {
    name: "parameter-counts",
    title: { en: "Parameter counts", ko: "파라미터 수" },
    build: (r) => parameterCountFigure(r.runs["mlp-10"].run.model, r.runs["cnn-10"].run.model),
  },
  {
    name: "per-class-error",
    title: { en: "Test error rate per digit after 5 epochs", ko: "5 에폭 뒤 숫자별 테스트 오류율" },
    build: (r) => perClassFigure(r.data.test, r.runs["mlp-5"].test, r.runs["cnn-5"].test, 5),
  },
  {
    name: "mlp-mistakes",
    title: { en: "Test digits the MLP gets wrong", ko: "MLP가 틀린 테스트 숫자" },
    build: (r) => mistakesFigure("MLP", r.data.test, r.runs["mlp-5"].test),
  },
  {
    name: "cnn-mistakes",
    title: { en: "Test digits the CNN gets wrong", ko: "CNN이 틀린 테스트 숫자" },
    build: (r) => mistakesFigure("CNN", r.data.test, r.runs["cnn-5"].test),
  },
  {
    name: "disagreements",
    title: { en: "Test digits on which the two models disagree", ko: "두 모델의 예측이 엇갈린 테스트 숫자" },
    build: (r) => disagreementsFigure(r.data.test, r.runs["mlp-5"].test, r.runs["cnn-5"].test),
  },
  ...SOURCE_FIGURES,
];

const percentCells: CellFormat = (value, column) =>
  column === header("digit") || typeof value !== "number"
    ? defaultCellFormat(value, column)
    : `${(value * 100).toFixed(2)}%`;

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
    // the CSV file keeps the key `digit`; the Markdown names it in the language in force
    markdown: (frame) => markdownTable(frame.rename({ digit: header("digit") }), percentCells),
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

/** The top-level entries of `reproduce`'s output set (anything else in its folder is left alone). */
export const REPORT_SET_ENTRIES = ["tables", "figures", "notebooks", "REPORT.md", "REPORT.ko.md", MANIFEST] as const;

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
async function runPipeline(options: ReproduceOptions, outDir: string, previous: Record<string, number>): Promise<void> {
  const { quick } = options;
  const log = options.log ?? ((line: string) => console.error(line));
  const tablesDir = join(outDir, "tables");
  const figuresDir = join(outDir, "figures");
  const withSources = options.sources ?? true;
  // the report's 8 steps, and with the sources one per source, their evaluation and their outputs
  const pipeline = new Pipeline(8 + (withSources ? SOURCE_STEPS.length + 2 : 0), previous, log);
  log(
    `reproduce: ${quick ? "QUICK MODE (small slices: the numbers are not the report's)" : "full run"}; ` +
      `seed ${DEFAULT_SEED}; backend ${backendName()}; writing to ${options.outDir}`,
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
  // English figures in figures/, and each other language asked for in figures/<lang>/, built in that language
  const languages: Language[] = ["en", ...(options.languages ?? []).filter((l) => l !== "en")];
  const figures: Partial<Record<Language, WrittenFigure[]>> = Object.fromEntries(languages.map((l) => [l, []]));
  const inGroup = (group: OutputGroup) => (e: { group?: OutputGroup }) => (e.group ?? "report") === group;
  const writeTables = async (group: OutputGroup) => {
    for (const entry of REPORT_TABLES.filter(inGroup(group))) {
      // the files of tables/ are English whatever MNIST_LANG says; REPORT.<lang>.md builds its own below
      const { frame, markdown } = withLanguage("en", () => {
        const frame = entry.build(results);
        return { frame, markdown: entry.markdown?.(frame) ?? markdownTable(frame, entry.format) };
      });
      const [csv, md] = [join(tablesDir, `${entry.name}.csv`), join(tablesDir, `${entry.name}.md`)];
      await writeFileAtomic(csv, csvText(frame));
      await writeFileAtomic(md, markdown);
      tables[entry.name] = markdown;
      pipeline.record(csv, md);
    }
  };
  // Plot numbers the clip paths of an SVG by how many charts the process drew before it, so the English
  // figures are all drawn first, in the same order with or without --lang: their files stay byte for byte
  // the same; the other languages' figures are drawn in the last step
  const figureGroups: OutputGroup[] = [];
  const writeFigures = async (group: OutputGroup, lang: Language = "en") => {
    if (lang === "en") figureGroups.push(group);
    const dir = lang === "en" ? figuresDir : join(figuresDir, lang);
    for (const entry of REPORT_FIGURES.filter(inGroup(group))) {
      const paths = await withLanguage(lang, () => entry.build(results).save(join(dir, entry.name)));
      figures[lang]!.push({ name: entry.name, title: entry.title[lang], paths });
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

  const others = languages.filter((l) => l !== "en");
  const reportStep = others.length === 0
    ? "write REPORT.md"
    : `write REPORT.md, and ${others.map((l) => `REPORT.${l}.md`).join(", ")} with its figures`;
  await pipeline.step(reportStep, async () => {
    for (const lang of languages) {
      if (lang !== "en") { for (const group of figureGroups) await writeFigures(group, lang); }
      const path = join(outDir, lang === "en" ? "REPORT.md" : `REPORT.${lang}.md`);
      // the tables built again in this language, for its REPORT only (the files of tables/ are English)
      const localTables = lang === "en" ? tables : Object.fromEntries(
        REPORT_TABLES.filter((entry) => entry.name in tables).map((entry) =>
          withLanguage(lang, () => {
            const frame = entry.build(results);
            return [entry.name, entry.markdown?.(frame) ?? markdownTable(frame, entry.format)];
          })
        ),
      );
      const markdown = withLanguage(
        lang,
        () =>
          renderReportMarkdown({
            results,
            tables: localTables,
            figures: figures[lang]!,
            notebooks: notebookLinks,
            outDir,
          }),
      );
      await writeFileAtomic(path, markdown);
      pipeline.record(path);
    }
  });

  const manifest = {
    generatedBy: "deno task reproduce" + (quick ? " --quick" : ""),
    quick,
    seed: DEFAULT_SEED,
    backend: backendName(),
    versions: versionInfo(),
    machine: machineInfo(),
    font: { family: COURSE_FONT, sha256: await courseFontHashes() },
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
  log(`reproduce: done in ${pipeline.elapsed().toFixed(0)}s`);
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
  // in a process group of its own, ended with everything it starts if reproduce is stopped (child_processes.ts)
  const child = spawnChild(Deno.execPath(), {
    args: ["run", "-A", script, "--out", dir],
    // notebooks 03–06 train nothing new: their fits restore the runs this pipeline just cached; notebook 07
    // trains its own runs (augmentation, early stopping, the deeper models) when the cache lacks them
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
