/**
 * The course's one look: figure sizes, fonts and colours shared by every
 * chart (Observable Plot) and every digit image (canvas), so all figures of
 * all notebooks and of `reports/` match.
 *
 * @module
 */

/** Width of a standard chart, in CSS pixels. */
export const FIGURE_WIDTH = 640;
/** Height of a standard chart, in CSS pixels. */
export const FIGURE_HEIGHT = 320;
/** Width of a chart drawn as one panel of a pair (e.g. accuracy beside loss). */
export const PANEL_WIDTH = 400;
/** Height of a square chart (confusion matrix). */
export const SQUARE_SIZE = 420;
/**
 * Font of every chart and caption: the committed Pretendard first (the only
 * one the PNGs use, `src/plots/font.ts`), then the browser's, for SVGs shown
 * on a page.
 */
export const FONT_FAMILY = "Pretendard, system-ui, sans-serif";
/** Font size of tick labels and captions, in pixels. */
export const FONT_SIZE = 12;
/** Scale factor from CSS pixels to PNG pixels when a chart is rasterised. */
export const PNG_SCALE = 2;

/**
 * The two models of the course always wear the same colours: the MLP blue and
 * the CNN orange (Tableau 10), so a reader never needs to check the legend twice.
 */
export const MODEL_COLORS = { MLP: "#4e79a7", CNN: "#f28e2b" } as const;

/** Training data versus held-out data (validation or test), in every chart. */
export const SPLIT_COLORS = { train: "#4e79a7", validation: "#e15759", test: "#e15759" } as const;

/**
 * The same two splits in a lighter shade, for a second way of cutting the same
 * data beside the first (the stratified 8:2 split beside the official one).
 */
export const SPLIT_LIGHT_COLORS = { train: "#a0cbe8", test: "#ff9d9a" } as const;

/**
 * Colours of charts with several series that are neither the two models nor
 * the two splits (learning rates, optimizers, activation functions), in this
 * order: Tableau 10, the palette the model and split colours come from.
 */
export const SERIES_COLORS = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
] as const;

/** A single neutral colour for one-series charts (histograms, class counts). */
export const NEUTRAL_COLOR = "#59a14f";

/** Sequential colour scheme of heatmaps (confusion matrix). */
export const HEATMAP_SCHEME = "blues";

/** Colour of mistakes in digit captions. */
export const ERROR_COLOR = "#d62728";
/** Colour of correct answers in digit captions. */
export const OK_COLOR = "#2ca02c";
/** Caption text colour. */
export const TEXT_COLOR = "#222222";

/** Each MNIST pixel becomes a square of this many PNG pixels in digit images. */
export const DIGIT_SCALE = 4;
