/**
 * Charts of confidence against correctness, drawn with Observable Plot like
 * every chart of the course (`charts.ts`'s `renderPlot`): a reliability
 * diagram (accuracy per confidence bin beside the diagonal of a model exactly
 * as sure as it is right) and a histogram of confidence stacked by outcome.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { renderPlot } from "./charts.ts";
import { type Figure, hconcat } from "./figure.ts";
import { ERROR_COLOR, FIGURE_HEIGHT, NEUTRAL_COLOR, PANEL_WIDTH, TEXT_COLOR } from "./theme.ts";
import { tr } from "../i18n.ts";

/** The x axis of both charts: how sure each answer was. */
const confidenceAxis = () => tr({ en: "confidence of the answer (%) →", ko: "답의 확신도 (%) →" });

/** One confidence bin of a reliability diagram (confidences and accuracy in [0, 1]). */
export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

/** One panel of a reliability diagram: its bins, a title above it, and the name and colour of its bars. */
export interface ReliabilityPanel {
  title: string;
  /** What the bars are of, in the legend (e.g. a model's name). */
  name: string;
  bins: ReliabilityBin[];
  color?: string;
}

/** Width of the line at a bin's mean confidence, in pixels. */
const CONFIDENCE_STROKE = 3;
/** Height of a reliability panel: square-ish, so the diagonal is at 45°. */
const RELIABILITY_HEIGHT = PANEL_WIDTH;

function reliabilityPanel(panel: ReliabilityPanel): Figure {
  const rows = panel.bins.map((b) => ({
    x1: b.from * 100,
    x2: b.to * 100,
    mid: ((b.from + b.to) / 2) * 100,
    accuracy: b.accuracy * 100,
    confidence: b.meanConfidence * 100,
    count: b.count,
  }));
  return renderPlot({
    width: PANEL_WIDTH,
    height: RELIABILITY_HEIGHT,
    marginTop: 30,
    x: { label: confidenceAxis(), domain: [0, 100] },
    y: { label: tr({ en: "↑ accuracy in the bin (%)", ko: "↑ 구간의 정확도 (%)" }), domain: [0, 100], grid: true },
    marks: [
      Plot.rectY(rows, { x1: "x1", x2: "x2", y: "accuracy", fill: panel.color ?? NEUTRAL_COLOR, inset: 1 }),
      Plot.line([[0, 0], [100, 100]], { stroke: TEXT_COLOR, strokeDasharray: "4,3" }),
      Plot.ruleY(rows, { y: "confidence", x1: "x1", x2: "x2", stroke: ERROR_COLOR, strokeWidth: CONFIDENCE_STROKE }),
      Plot.text(rows, {
        x: "mid",
        y: (d: { accuracy: number; confidence: number }) => Math.max(d.accuracy, d.confidence),
        text: (d: { count: number }) => `n=${d.count}`,
        dy: -7,
        fontSize: 10,
      }),
      Plot.ruleY([0]),
    ],
  }, panel.title);
}

/**
 * A reliability diagram: for each confidence bin, the accuracy of the answers
 * in it (bars, labelled with how many answers the bin holds), the bin's mean
 * confidence (a red line: above the bar an overconfident model, inside it an
 * underconfident one), and the diagonal where confidence equals accuracy
 * (dashed). Several panels (one per model) sit side by side.
 */
export function reliabilityDiagram(panels: ReliabilityPanel[], options: { title?: string } = {}): Figure {
  if (panels.length === 0) throw new Error("reliabilityDiagram needs at least one panel");
  const figure = hconcat(panels.map(reliabilityPanel));
  return figure.withHeader({
    title: options.title,
    legend: [
      ...panels.map((p) => ({
        label: tr({ en: `accuracy in the bin (${p.name})`, ko: `구간의 정확도 (${p.name})` }),
        color: p.color ?? NEUTRAL_COLOR,
      })),
      { label: tr({ en: "mean confidence in the bin", ko: "구간의 평균 확신도" }), color: ERROR_COLOR },
    ],
  });
}

/** One stacked piece of a confidence histogram: a bin and an outcome (right, wrong, ...). */
export interface ConfidenceCount {
  from: number;
  to: number;
  outcome: string;
  count: number;
}

/**
 * How many answers fell in each confidence bin, stacked by outcome in the
 * given colours (in the order given).
 */
export function confidenceHistogram(
  rows: ConfidenceCount[],
  outcomes: { label: string; color: string }[],
  options: { title?: string } = {},
): Figure {
  const data = rows.map((r) => ({ ...r, x1: r.from * 100, x2: r.to * 100 }));
  const figure = renderPlot({
    height: FIGURE_HEIGHT,
    marginTop: 24,
    x: { label: confidenceAxis(), domain: [0, 100] },
    y: { label: tr({ en: "↑ predictions", ko: "↑ 예측 수" }), grid: true },
    color: { domain: outcomes.map((o) => o.label), range: outcomes.map((o) => o.color) },
    marks: [
      Plot.rectY(data, Plot.stackY({ x1: "x1", x2: "x2", y: "count", fill: "outcome", inset: 1 })),
      Plot.ruleY([0]),
    ],
  });
  return figure.withHeader({ title: options.title, legend: outcomes });
}
