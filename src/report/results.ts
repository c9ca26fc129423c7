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
