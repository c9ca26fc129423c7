/**
 * Digit images drawn with `@napi-rs/canvas` into PNG: grids of MNIST digits
 * with captions, the raw pixel values as an annotated heatmap, the mean image
 * of each digit, a CNN's learned filters and its feature maps. Each function
 * returns a {@link PngImage} that a notebook displays and `reproduce` saves.
 *
 * @module
 */
import { createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import { IMAGE_SIZE, imageAt, type MnistSplit, NUM_CLASSES, PIXELS_PER_IMAGE } from "../data/mnist.ts";
import { PngImage } from "./figure.ts";
import { DIGIT_SCALE, ERROR_COLOR, FONT_FAMILY, FONT_SIZE, OK_COLOR, TEXT_COLOR } from "./theme.ts";
import { registerCourseFont, textWidth } from "./font.ts";
import { tr } from "../i18n.ts";

/** How the numbers of a tile become colours. */
export type ColorMap =
  /** Dark ink on white paper (0 = white, max = black), as the report's `cmap='Greys'`. */
  | "ink"
  /** Light on dark (0 = black, max = white), as the report's `cmap='gray'`. */
  | "grey"
  /** Blue for negative, white for zero, red for positive (filter weights). */
  | "diverging";

/** One caption line under a tile, optionally coloured (e.g. red for a mistake). */
export interface CaptionLine {
  text: string;
  color?: string;
}

/** One small image of a grid. */
export interface Tile {
  /** Row-major values, `width × height`. */
  values: ArrayLike<number>;
  width: number;
  height: number;
  /** Caption lines under the tile. */
  caption?: (string | CaptionLine)[];
}

/** Options of {@link imageGrid}. */
export interface GridOptions {
  /** Tiles per row (default: all in one row, at most 10). */
  columns?: number;
  /** PNG pixels per value (default {@link DIGIT_SCALE}). */
  scale?: number;
  colorMap?: ColorMap;
  /** Value range mapped to the colour ramp; default [0, 255] for ink/grey, ±max|value| for diverging. */
  range?: [number, number];
  /** Space between tiles, in PNG pixels. */
  gap?: number;
  /** A bold title line above the grid. */
  title?: string;
}

const CAPTION_LINE_HEIGHT = FONT_SIZE + 4;
const TITLE_HEIGHT = FONT_SIZE + 14;

/** The RGB colour of `t` in [0, 1] under a colour map. */
function colorOf(t: number, colorMap: ColorMap): [number, number, number] {
  const clamped = Math.min(1, Math.max(0, t));
  if (colorMap === "ink") {
    const level = Math.round(255 * (1 - clamped));
    return [level, level, level];
  }
  if (colorMap === "grey") {
    const level = Math.round(255 * clamped);
    return [level, level, level];
  }
  // diverging: t = 0.5 is white; below goes to blue (#2166ac), above to red (#b2182b)
  const [low, high] = [[33, 102, 172], [178, 24, 43]];
  const toward = clamped < 0.5 ? low : high;
  const amount = Math.abs(clamped - 0.5) * 2;
  return toward.map((c) => Math.round(255 + (c - 255) * amount)) as [number, number, number];
}

/** Paints one tile's values as `scale`-sized squares with the top-left corner at (x, y). */
function paintTile(
  context: SKRSContext2D,
  tile: Tile,
  x: number,
  y: number,
  scale: number,
  colorMap: ColorMap,
  range: [number, number],
): void {
  const image = context.createImageData(tile.width * scale, tile.height * scale);
  const span = range[1] - range[0] || 1;
  for (let row = 0; row < tile.height; row++) {
    for (let col = 0; col < tile.width; col++) {
      const [r, g, b] = colorOf((tile.values[row * tile.width + col] - range[0]) / span, colorMap);
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const offset = ((row * scale + dy) * tile.width * scale + col * scale + dx) * 4;
          image.data[offset] = r;
          image.data[offset + 1] = g;
          image.data[offset + 2] = b;
          image.data[offset + 3] = 255;
        }
      }
    }
  }
  context.putImageData(image, x, y);
  context.strokeStyle = "#bbbbbb";
  context.lineWidth = 1;
  context.strokeRect(x - 0.5, y - 0.5, tile.width * scale + 1, tile.height * scale + 1);
}

/** The largest absolute value of all tiles (for a symmetric diverging range). */
function maxAbs(tiles: Tile[]): number {
  let max = 0;
  for (const tile of tiles) for (let i = 0; i < tile.values.length; i++) max = Math.max(max, Math.abs(tile.values[i]));
  return max || 1;
}

/**
 * Small images in a grid with optional caption lines under each: the general
 * function behind every digit figure of the course.
 */
export function imageGrid(tiles: Tile[], options: GridOptions = {}): PngImage {
  if (tiles.length === 0) throw new Error("imageGrid needs at least one tile");
  const scale = options.scale ?? DIGIT_SCALE;
  const colorMap = options.colorMap ?? "ink";
  const gap = options.gap ?? 10;
  const columns = Math.min(options.columns ?? Math.min(tiles.length, 10), tiles.length);
  const rows = Math.ceil(tiles.length / columns);
  const range: [number, number] = options.range ??
    (colorMap === "diverging" ? [-maxAbs(tiles), maxAbs(tiles)] : [0, 255]);
  const tileWidth = Math.max(...tiles.map((t) => t.width)) * scale;
  const tileHeight = Math.max(...tiles.map((t) => t.height)) * scale;
  const captionLines = Math.max(0, ...tiles.map((t) => t.caption?.length ?? 0));
  const captionHeight = captionLines * CAPTION_LINE_HEIGHT + (captionLines > 0 ? 4 : 0);
  const titleHeight = options.title ? TITLE_HEIGHT : 0;
  const longest = Math.max(
    0,
    ...tiles.flatMap((t) => (t.caption ?? []).map((c) => textWidth(typeof c === "string" ? c : c.text, FONT_SIZE))),
  );
  const cellWidth = Math.max(tileWidth, Math.ceil(longest));
  const titleWidth = options.title ? Math.ceil(textWidth(options.title, FONT_SIZE + 2, true)) + 2 * gap : 0;
  const width = Math.max(columns * cellWidth + (columns + 1) * gap, titleWidth);
  const height = titleHeight + rows * (tileHeight + captionHeight) + (rows + 1) * gap;

  registerCourseFont();
  const canvas = createCanvas(width, height);
  const context = canvas.getContext("2d");
  context.fillStyle = "white";
  context.fillRect(0, 0, width, height);
  context.textAlign = "center";
  context.textBaseline = "top";
  if (options.title) {
    context.fillStyle = TEXT_COLOR;
    context.font = `bold ${FONT_SIZE + 2}px ${FONT_FAMILY}`;
    context.fillText(options.title, width / 2, 8);
  }
  context.font = `${FONT_SIZE}px ${FONT_FAMILY}`;
  tiles.forEach((tile, i) => {
    const col = i % columns;
    const row = Math.floor(i / columns);
    const cellX = gap + col * (cellWidth + gap);
    const y = titleHeight + gap + row * (tileHeight + captionHeight + gap);
    const x = cellX + Math.floor((cellWidth - tile.width * scale) / 2);
    paintTile(context, tile, x, y, scale, colorMap, range);
    (tile.caption ?? []).forEach((line, j) => {
      const { text, color } = typeof line === "string" ? { text: line, color: TEXT_COLOR } : line;
      context.fillStyle = color ?? TEXT_COLOR;
      context.fillText(text, cellX + cellWidth / 2, y + tileHeight + 4 + j * CAPTION_LINE_HEIGHT);
    });
  });
  return new PngImage(new Uint8Array(canvas.toBuffer("image/png")), width, height);
}

/** An MNIST image of a split as a tile. */
export function digitTile(split: MnistSplit, index: number, caption?: (string | CaptionLine)[]): Tile {
  return { values: imageAt(split, index), width: IMAGE_SIZE, height: IMAGE_SIZE, caption };
}

/**
 * MNIST digits of a split in a grid, each captioned with its label (or with
 * the captions given), like the report's 3×3 grid of training digits.
 *
 * @example
 * digitGrid(mnist.train, [0, 1, 2, 3, 4, 5, 6, 7, 8], { columns: 3 });
 */
export function digitGrid(
  split: MnistSplit,
  indices: number[],
  options: GridOptions & { captions?: (string | CaptionLine)[][] } = {},
): PngImage {
  const tiles = indices.map((index, i) =>
    digitTile(split, index, options.captions?.[i] ?? [`${tr({ en: "label", ko: "정답" })} ${split.labels[index]}`])
  );
  return imageGrid(tiles, { scale: 3, ...options });
}

/**
 * The grey levels of one image printed in their cells (an annotated heatmap),
 * the picture-and-numbers view of the report's "pixel values of the first image".
 */
export function pixelValueHeatmap(
  pixels: ArrayLike<number>,
  options: { title?: string; cell?: number } = {},
): PngImage {
  const cell = options.cell ?? 22;
  const titleHeight = options.title ? TITLE_HEIGHT : 0;
  const margin = 22;
  const size = IMAGE_SIZE * cell;
  registerCourseFont();
  const canvas = createCanvas(size + margin + 4, size + margin + titleHeight + 4);
  const context = canvas.getContext("2d");
  context.fillStyle = "white";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.textAlign = "center";
  context.textBaseline = "middle";
  if (options.title) {
    context.fillStyle = TEXT_COLOR;
    context.font = `bold ${FONT_SIZE + 2}px ${FONT_FAMILY}`;
    context.fillText(options.title, canvas.width / 2, titleHeight / 2 + 2);
  }
  const top = titleHeight + margin;
  context.font = `${FONT_SIZE - 3}px ${FONT_FAMILY}`;
  for (let i = 0; i < IMAGE_SIZE; i++) {
    context.fillStyle = "#666666";
    context.fillText(String(i), margin + i * cell + cell / 2, top - margin / 2); // column index
    context.fillText(String(i), margin / 2, top + i * cell + cell / 2); // row index
  }
  context.font = `${FONT_SIZE - 4}px ${FONT_FAMILY}`;
  for (let row = 0; row < IMAGE_SIZE; row++) {
    for (let col = 0; col < IMAGE_SIZE; col++) {
      const value = pixels[row * IMAGE_SIZE + col];
      const [r, g, b] = colorOf(value / 255, "ink");
      const x = margin + col * cell;
      const y = top + row * cell;
      context.fillStyle = `rgb(${r},${g},${b})`;
      context.fillRect(x, y, cell, cell);
      if (value > 0) {
        context.fillStyle = value > 128 ? "white" : "black";
        context.fillText(String(value), x + cell / 2, y + cell / 2);
      }
    }
  }
  context.strokeStyle = "#bbbbbb";
  context.strokeRect(margin - 0.5, top - 0.5, size + 1, size + 1);
  return new PngImage(new Uint8Array(canvas.toBuffer("image/png")), canvas.width, canvas.height);
}

/** The mean image of each digit (grey levels 0–255 averaged pixel by pixel), indexed by digit. */
export function meanImagesByClass(split: MnistSplit): Float32Array[] {
  const sums = Array.from({ length: NUM_CLASSES }, () => new Float64Array(PIXELS_PER_IMAGE));
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < split.count; i++) {
    const label = split.labels[i];
    counts[label]++;
    const sum = sums[label];
    const offset = i * PIXELS_PER_IMAGE;
    for (let p = 0; p < PIXELS_PER_IMAGE; p++) sum[p] += split.images[offset + p];
  }
  return sums.map((sum, digit) => Float32Array.from(sum, (v) => (counts[digit] ? v / counts[digit] : 0)));
}

/** The mean image of each digit 0–9 in a row, captioned with the digit and how many images it averages. */
export function meanDigitImages(split: MnistSplit, options: { title?: string } = {}): PngImage {
  const means = meanImagesByClass(split);
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (const label of split.labels) counts[label]++;
  const tiles = means.map((values, digit) => ({
    values,
    width: IMAGE_SIZE,
    height: IMAGE_SIZE,
    caption: [`${digit}`, `n=${counts[digit]}`],
  }));
  return imageGrid(tiles, { columns: NUM_CLASSES, scale: 3, title: options.title });
}

/**
 * The learned 3×3 filters of a convolution, one tile each (blue negative,
 * red positive, on one symmetric scale so filters compare).
 *
 * @param kernel the layer's kernel values in TensorFlow's `[height, width, inChannels=1, filters]` order
 */
export function filterGrid(
  kernel: ArrayLike<number>,
  shape: [number, number, number, number],
  options: { title?: string; columns?: number } = {},
): PngImage {
  const [height, width, inChannels, filters] = shape;
  if (inChannels !== 1) throw new Error(`filterGrid draws filters over one input channel, got ${inChannels}`);
  const tiles: Tile[] = [];
  for (let f = 0; f < filters; f++) {
    const values = new Float32Array(height * width);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) values[r * width + c] = kernel[(r * width + c) * filters + f];
    }
    tiles.push({ values, width, height, caption: [`#${f}`] });
  }
  return imageGrid(tiles, { columns: options.columns ?? 8, scale: 14, colorMap: "diverging", title: options.title });
}

/**
 * Feature maps of one image after a convolution layer (ReLU outputs), one tile
 * per filter, each on its own scale from 0 to its largest value (dark = strong).
 *
 * @param maps the activations in `[height, width, filters]` order
 */
export function featureMapGrid(
  maps: ArrayLike<number>,
  shape: [number, number, number],
  options: { title?: string; columns?: number } = {},
): PngImage {
  const [height, width, filters] = shape;
  const tiles: Tile[] = [];
  for (let f = 0; f < filters; f++) {
    const values = new Float32Array(height * width);
    let max = 0;
    for (let i = 0; i < height * width; i++) {
      values[i] = maps[i * filters + f];
      max = Math.max(max, values[i]);
    }
    // each map on its own scale, so weak filters are still visible
    for (let i = 0; i < values.length; i++) values[i] = max > 0 ? (values[i] / max) * 255 : 0;
    tiles.push({ values, width, height, caption: [`#${f}`] });
  }
  return imageGrid(tiles, { columns: options.columns ?? 8, scale: 3, colorMap: "ink", title: options.title });
}

/** Predictions of a model on the images of a split, as `evaluateModel` returns them. */
export interface PredictionSource {
  /** Predicted digit of each image. */
  predictions: ArrayLike<number>;
  /** Class probabilities, 10 per image. */
  probabilities: ArrayLike<number>;
}

/**
 * Digits with their true label, the model's prediction (green when right, red
 * when wrong) and its confidence, like the report's row of test digits.
 */
export function predictionGrid(
  split: MnistSplit,
  indices: number[],
  source: PredictionSource,
  options: { columns?: number; title?: string; confidence?: boolean; showIndex?: boolean } = {},
): PngImage {
  const captions = indices.map((index) => {
    const label = split.labels[index];
    const predicted = source.predictions[index];
    const lines: (string | CaptionLine)[] = [];
    if (options.showIndex) lines.push(`#${index}`);
    lines.push(`${tr({ en: "true", ko: "정답" })} ${label}`, {
      text: `${tr({ en: "pred", ko: "예측" })} ${predicted}`,
      color: predicted === label ? OK_COLOR : ERROR_COLOR,
    });
    if (options.confidence !== false) {
      lines.push(`${(source.probabilities[index * NUM_CLASSES + predicted] * 100).toFixed(1)}%`);
    }
    return lines;
  });
  return digitGrid(split, indices, { columns: options.columns, title: options.title, captions });
}

/**
 * Digits with two models' predictions under each (e.g. where the MLP and the
 * CNN disagree): the true label, then one coloured line per model.
 */
export function comparisonGrid(
  split: MnistSplit,
  indices: number[],
  models: Record<string, PredictionSource>,
  options: { columns?: number; title?: string } = {},
): PngImage {
  const captions = indices.map((index) => {
    const label = split.labels[index];
    return [
      `${tr({ en: "true", ko: "정답" })} ${label}`,
      ...Object.entries(models).map(([name, source]) => {
        const predicted = source.predictions[index];
        const confidence = (source.probabilities[index * NUM_CLASSES + predicted] * 100).toFixed(0);
        return { text: `${name} ${predicted} (${confidence}%)`, color: predicted === label ? OK_COLOR : ERROR_COLOR };
      }),
    ];
  });
  return digitGrid(split, indices, { columns: options.columns, title: options.title, captions });
}
