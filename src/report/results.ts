/**
 * What one `reproduce` run computed, which the figures, tables and REPORT.md
 * are made from: the report's four runs with their evaluations.
 *
 * @module
 */
import type { CourseMnist } from "../data/course_data.ts";
import type { RunResult } from "../runs.ts";
import type { Evaluation } from "../evaluate.ts";
import { type ComparisonMetrics } from "../figures/comparison.ts";
import { metricsOf, type ModelMetrics } from "../tables/comparison.ts";
import type pl from "nodejs-polars";
import type { Displayable } from "../plots/figure.ts";
import type { CellFormat } from "../tables/format.ts";
import type { Bilingual } from "../i18n.ts";
import type { SourceResults } from "./sources.ts";

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

/** A figure `reproduce` writes: file name stem, caption (both languages), and how it is built from the results. */
export interface FigureEntry {
  name: string;
  title: Bilingual;
  build: (r: ReproduceResults) => Displayable;
  /** The report's own (default) or the sources' group. */
  group?: OutputGroup;
}

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
