/**
 * Charts of functions and of paths, drawn with Observable Plot through
 * {@link renderPlot} (the course's font, background and sizes): curves in one
 * chart or as small multiples, dots of data on a curve, and a contour map of a
 * function of two variables with paths across it (where gradient descent went).
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { renderPlot } from "./charts.ts";
import { type Figure, gridOf, type LegendEntry } from "./figure.ts";
import { FIGURE_HEIGHT, FIGURE_WIDTH, SERIES_COLORS, TEXT_COLOR } from "./theme.ts";
import { tr } from "../i18n.ts";

/** One curve: the points (x[i], y[i]) joined by a line. */
export interface Curve {
  /** What the curve is (a direct label at its end, or a legend entry). */
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Default: the next colour of {@link SERIES_COLORS}. */
  color?: string;
  dashed?: boolean;
}

/** A point of a scatter drawn over curves, coloured by its group. */
export interface GroupPoint {
  x: number;
  y: number;
  group: string;
}

/** A panel of {@link curvePanels}: a title and the curves drawn in it. */
export interface CurvePanel {
  title: string;
  curves: Curve[];
}

/** A path across a contour map: the points visited, in order. */
export interface Path {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
}

/** A function of two variables over a rectangle, drawn as filled contours. */
export interface Surface {
  value: (x: number, y: number) => number;
  xDomain: [number, number];
  yDomain: [number, number];
  /** The contour levels (default: 12 levels spaced evenly on a log scale between the smallest and largest value). */
  levels?: number[];
}

/** The rows Plot draws: one object per point, with its curve's index. */
function curveRows(curves: Curve[]): { x: number; y: number; curve: number }[] {
  return curves.flatMap((c, curve) => {
    if (c.x.length !== c.y.length) {
      throw new RangeError(`curve ${c.label}: ${c.x.length} x values but ${c.y.length} y values`);
    }
    return Array.from(c.x, (x, i) => ({ x, y: c.y[i], curve }));
  });
}

const colorOf = (c: { color?: string }, i: number) => c.color ?? SERIES_COLORS[i % SERIES_COLORS.length];

/** Line marks for curves: one line each, in its colour, dashed where asked. */
function curveMarks(curves: Curve[]): Plot.Markish[] {
  const rows = curveRows(curves);
  return curves.map((c, i) =>
    Plot.line(rows.filter((r) => r.curve === i), {
      x: "x",
      y: "y",
      stroke: colorOf(c, i),
      strokeWidth: 2,
      strokeDasharray: c.dashed ? "5,3" : undefined,
      clip: true,
    })
  );
}

/**
 * Curves in one chart, each labelled at its last point; optionally a log y
 * axis (losses that fall by orders of magnitude), dots of data coloured by
 * group, and dashed vertical rules (a threshold).
 */
export function lineChart(
  curves: Curve[],
  options: {
    title?: string;
    xLabel?: string;
    yLabel?: string;
    yType?: "linear" | "log";
    xDomain?: [number, number];
    yDomain?: [number, number];
    width?: number;
    height?: number;
    /** Dots drawn over the curves, one colour per group (given in `groupColors`). */
    points?: GroupPoint[];
    groupColors?: Record<string, string>;
    xRules?: number[];
    /** Label each curve at its end (default true); false puts the labels in a legend above. */
    endLabels?: boolean;
  } = {},
): Figure {
  if (curves.length === 0 && !options.points?.length) throw new Error("lineChart needs a curve or points");
  const endLabels = options.endLabels ?? true;
  // a label stays inside the chart when its curve leaves it (a diverging loss)
  const clampY = (y: number) => options.yDomain ? Math.min(options.yDomain[1], Math.max(options.yDomain[0], y)) : y;
  const lasts = curves.map((c, i) => ({
    x: c.x[c.x.length - 1],
    y: clampY(c.y[c.y.length - 1]),
    label: c.label,
    color: colorOf(c, i),
  }));
  const points = options.points ?? [];
  const groupColors = options.groupColors ?? {};
  // groups in the order their colours are given, then any others in order of appearance
  const present = new Set(points.map((p) => p.group));
  const groups = [...new Set([...Object.keys(groupColors).filter((g) => present.has(g)), ...present])];
  const figure = renderPlot({
    width: options.width ?? FIGURE_WIDTH,
    height: options.height ?? FIGURE_HEIGHT,
    marginRight: endLabels && curves.length > 0 ? 16 + Math.max(...curves.map((c) => c.label.length)) * 7.5 : 20,
    marginLeft: 50,
    x: { label: options.xLabel ?? null, domain: options.xDomain },
    y: {
      label: options.yLabel ?? null,
      grid: true,
      type: options.yType ?? "linear",
      domain: options.yDomain,
      // a log axis labels its powers of ten in plain numbers (Plot's default writes 0.1 as "100m")
      ...(options.yType === "log" ? { tickFormat: (d: number) => (Math.log10(d) % 1 === 0 ? String(d) : "") } : {}),
    },
    marks: [
      ...(options.xRules ?? []).map((x) => Plot.ruleX([x], { stroke: TEXT_COLOR, strokeDasharray: "4,3" })),
      ...curveMarks(curves),
      ...groups.map((group, i) =>
        Plot.dot(points.filter((p) => p.group === group), {
          x: "x",
          y: "y",
          r: 2.5,
          fill: groupColors[group] ?? SERIES_COLORS[i % SERIES_COLORS.length],
          fillOpacity: 0.4,
        })
      ),
      ...(endLabels
        ? lasts.map((l) =>
          Plot.text([l], {
            x: "x",
            y: "y",
            text: "label",
            fill: l.color,
            textAnchor: "start",
            dx: 6,
            fontWeight: "bold",
          })
        )
        : []),
    ],
  });
  const legend: LegendEntry[] = [
    ...(endLabels ? [] : lasts.map((l) => ({ label: l.label, color: l.color }))),
    ...groups.map((g, i) => ({ label: g, color: groupColors[g] ?? SERIES_COLORS[i % SERIES_COLORS.length] })),
  ];
  return figure.withHeader({ title: options.title, legend: legend.length > 0 ? legend : undefined });
}

/**
 * Small multiples: one small chart per panel (its title above it), in a grid
 * of `columns`, every panel on the same x range; the curves' labels go into
 * one legend above the grid (they should be the same in every panel, e.g.
 * "f(x)" and "f′(x)").
 */
export function curvePanels(
  panels: CurvePanel[],
  options: {
    title?: string;
    columns?: number;
    panelWidth?: number;
    panelHeight?: number;
    xLabel?: string;
    yLabel?: string;
  } = {},
): Figure {
  if (panels.length === 0) throw new Error("curvePanels needs at least one panel");
  const columns = options.columns ?? Math.min(3, panels.length);
  const all = panels.flatMap((p) => p.curves.flatMap((c) => Array.from(c.x)));
  const xDomain: [number, number] = [Math.min(...all), Math.max(...all)];
  const charts = panels.map((panel) =>
    renderPlot({
      width: options.panelWidth ?? 220,
      height: options.panelHeight ?? 190,
      marginLeft: 40,
      marginRight: 12,
      // d3 picks about width/80 ticks: too few on a small panel (one tick, 0, on [-4, 4])
      x: { label: options.xLabel ?? null, domain: xDomain, ticks: 5 },
      y: { label: options.yLabel ?? null, grid: true, nice: true },
      marks: [
        Plot.ruleY([0], { stroke: "#999999" }),
        Plot.ruleX([0], { stroke: "#999999" }),
        ...curveMarks(panel.curves),
      ],
    }).withTitle(panel.title)
  );
  const first = panels[0].curves;
  return gridOf(charts, columns).withHeader({
    title: options.title,
    legend: first.map((c, i) => ({
      label: c.label + (c.dashed ? tr({ en: " (dashed)", ko: " (점선)" }) : ""),
      color: colorOf(c, i),
    })),
  });
}

/** Evenly spaced levels on a log scale from `low` to `high` (both > 0). */
export function logLevels(low: number, high: number, count: number): number[] {
  if (!(low > 0 && high > low) || count < 2) {
    throw new RangeError(`log levels need 0 < low < high, got ${low}, ${high}`);
  }
  const step = Math.log(high / low) / (count - 1);
  return Array.from({ length: count }, (_, i) => low * Math.exp(step * i));
}

/** The smallest and largest value of `surface` on a grid of `n`×`n` points. */
function surfaceRange(surface: Surface, n = 60): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  const [x0, x1] = surface.xDomain;
  const [y0, y1] = surface.yDomain;
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= n; j++) {
      const v = surface.value(x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * j) / n);
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
  }
  return [low, high];
}

/**
 * The points of a path up to and including the first one outside the map: a
 * path that leaves does not come back in a readable way (a diverging descent
 * would sweep lines across the whole map), so it is drawn heading out and cut.
 */
export function insideMap<T extends { x: number; y: number }>(points: T[], surface: Surface): T[] {
  const [x0, x1] = surface.xDomain;
  const [y0, y1] = surface.yDomain;
  const outside = points.findIndex((p) => !(p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1));
  return outside < 0 ? points : points.slice(0, outside + 1);
}

/**
 * A contour map of `surface` (light to dark blue as the value falls) with
 * paths drawn across it, one panel per entry of `panels` side by side. A path
 * leaving the map is cut where it leaves ({@link insideMap}); its start is an
 * open circle. `mark` puts a cross at one point of every panel (the minimum).
 */
export function contourPaths(
  surface: Surface,
  panels: { title: string; paths: Path[] }[],
  options: {
    title?: string;
    xLabel?: string;
    yLabel?: string;
    panelWidth?: number;
    panelHeight?: number;
    columns?: number;
    mark?: { x: number; y: number };
  } = {},
): Figure {
  if (panels.length === 0) throw new Error("contourPaths needs at least one panel");
  const [low, high] = surfaceRange(surface);
  const levels = surface.levels ?? logLevels(Math.max(low, high * 1e-4, Number.MIN_VALUE), high, 12);
  const charts = panels.map((panel) => {
    const pathMarks = panel.paths.flatMap((path, i) => {
      const rows = insideMap(Array.from(path.x, (x, k) => ({ x, y: path.y[k] })), surface);
      const color = colorOf(path, i);
      return [
        Plot.line(rows, { x: "x", y: "y", stroke: color, strokeWidth: 1.5, clip: true }),
        Plot.dot(rows, { x: "x", y: "y", fill: color, r: 2, clip: true }),
        Plot.dot(rows.slice(0, 1), { x: "x", y: "y", stroke: color, fill: "white", r: 4, strokeWidth: 2 }),
      ];
    });
    return renderPlot({
      width: options.panelWidth ?? 300,
      height: options.panelHeight ?? 280,
      marginLeft: 44,
      marginRight: 12,
      x: { label: options.xLabel ?? null, domain: surface.xDomain },
      y: { label: options.yLabel ?? null, domain: surface.yDomain },
      // reversed: low values (the valley) dark, high values light, so the paths stand out on the slopes
      color: { type: "log", scheme: "blues", reverse: true, domain: [levels[0], levels[levels.length - 1]] },
      marks: [
        Plot.contour({
          value: surface.value,
          x1: surface.xDomain[0],
          x2: surface.xDomain[1],
          y1: surface.yDomain[0],
          y2: surface.yDomain[1],
          thresholds: levels,
          fill: "value",
          stroke: "white",
          strokeOpacity: 0.6,
        }),
        ...(options.mark
          ? [Plot.dot([options.mark], { x: "x", y: "y", symbol: "cross", r: 6, stroke: "black", strokeWidth: 2 })]
          : []),
        ...pathMarks,
        Plot.frame({ stroke: "#bbbbbb" }),
      ],
    }).withTitle(panel.title);
  });
  return gridOf(charts, options.columns ?? panels.length).withHeader({ title: options.title });
}
