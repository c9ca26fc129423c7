/**
 * A drawing set: MNIST test digits made to look like what a person draws on
 * the app's canvas — black strokes on a white 280×280 canvas, anywhere on it,
 * at any size, with a thin or a thick pen.
 *
 * Nobody's real drawings come with the course, so this is how we measure
 * whether the report's preprocessing helps: the labels are MNIST's, the look
 * is a canvas's. Each drawing is described by a small {@link DrawingSpec}
 * (which test digit, where, how big, how thick), drawn from a seeded
 * generator, and rendered on demand, so a set of thousands costs no memory
 * and the same seed always gives the same set.
 *
 * How a digit becomes a drawing: its ink is cropped, enlarged with bilinear
 * interpolation (and a light blur) so that its height is the chosen size,
 * turned into a pen stroke by cutting the smooth enlarged grey levels at a
 * threshold (a high threshold keeps only the stroke's core: a thin pen) with
 * a soft edge like a canvas's antialiasing, thickened by a round dilation for
 * a pen fatter than the enlarged stroke, then painted black on white at a
 * random place. Pen width and digit size are drawn independently, as they are
 * when people draw: a small digit with a fat pen, a big one with a thin pen.
 *
 * @module
 */
import { createRng, permutation, type Rng } from "../random.ts";
import { IMAGE_SIZE, imageAt, type MnistSplit } from "../data/mnist.ts";
import { BILINEAR_FILTER, blankImage, boundingBox, crop, type GreyImage, paste, resample } from "./preprocess.ts";

/** Side of the app's canvas, as in source 001's Tkinter canvas and the page. */
export const CANVAS_SIZE = 280;
/** Seed of the course's drawing set. */
export const DRAWING_SET_SEED = 2024;
/** Drawings in the full study; quick mode uses fewer. */
export const DRAWING_SET_COUNT = 2000;
/** Range of the drawn digit's height in canvas pixels (a small scribble to nearly the whole canvas). */
export const DIGIT_HEIGHT_RANGE: [number, number] = [60, 240];
/** Range of the pen width in canvas pixels (source 001's Tkinter pen is 8; the app's default is 18). */
export const PEN_WIDTH_RANGE: [number, number] = [8, 26];
/** The pen is at most the digit's height divided by this. */
const MAX_HEIGHT_PER_PEN = 6;
/** Typical MNIST stroke width in its own pixels, measured at half height of the stroke's profile. */
const MNIST_STROKE_WIDTH = 2.6;
/** Thresholds the pen model may use: below thickens too much, above breaks strokes. */
const THRESHOLD_LIMITS: [number, number] = [0.25, 0.8];
/** Blank margin kept between the digit and the canvas edge, in pixels. */
export const CANVAS_MARGIN = 4;
/** Width of the antialiased edge, in grey-level units of the enlarged image. */
const EDGE_SOFTNESS = 0.08;

/** Everything that decides one drawing. */
export interface DrawingSpec {
  /** Index of the MNIST test image it is drawn from. */
  index: number;
  /** The digit (MNIST's label). */
  label: number;
  /** Height of the drawn digit in canvas pixels. */
  height: number;
  /** Pen width in canvas pixels. */
  pen: number;
  /** Position of the digit's top-left corner, as fractions of the free room (0 = left/top edge, 1 = right/bottom). */
  x: number;
  y: number;
}

/** Options of {@link drawingSpecs}. */
export interface DrawingSetOptions {
  /** How many drawings (default {@link DRAWING_SET_COUNT}). */
  count?: number;
  /** Seed (default {@link DRAWING_SET_SEED}). */
  seed?: number;
  /** Range of the digit's height in pixels (default {@link DIGIT_HEIGHT_RANGE}). */
  heightRange?: [number, number];
  /** Range of the pen width in pixels (default {@link PEN_WIDTH_RANGE}). */
  penRange?: [number, number];
}

function uniform(rng: Rng, [low, high]: [number, number]): number {
  return low + (high - low) * rng();
}

/**
 * The specs of a seeded drawing set: `count` MNIST test digits drawn without
 * repetition, each with a random size, pen and position.
 *
 * @example
 * const specs = drawingSpecs(mnist.test, { count: 500 });
 * const first = renderDrawing(mnist.test, specs[0]); // 280×280 grey, black on white
 */
export function drawingSpecs(split: MnistSplit, options: DrawingSetOptions = {}): DrawingSpec[] {
  const count = options.count ?? DRAWING_SET_COUNT;
  if (!Number.isInteger(count) || count < 1 || count > split.count) {
    throw new RangeError(`a drawing set needs between 1 and ${split.count} drawings, got ${count}`);
  }
  const rng = createRng(options.seed ?? DRAWING_SET_SEED);
  const order = permutation(split.count, rng);
  const specs: DrawingSpec[] = [];
  for (let i = 0; i < count; i++) {
    const index = order[i];
    const height = Math.round(uniform(rng, options.heightRange ?? DIGIT_HEIGHT_RANGE));
    // A pen wider than a sixth of the digit's height fills its loops: nobody could read that either.
    const pen = Math.min(
      Math.round(uniform(rng, options.penRange ?? PEN_WIDTH_RANGE)),
      Math.round(height / MAX_HEIGHT_PER_PEN),
    );
    specs.push({
      index,
      label: split.labels[index],
      height,
      pen,
      x: rng(),
      y: rng(),
    });
  }
  return specs;
}

/**
 * Grey-level maximum over a disc of `radius` pixels (a round pen tip, so
 * thickened strokes keep round ends instead of square corners).
 */
export function dilate(image: GreyImage, radius: number): GreyImage {
  if (radius <= 0) return image;
  const { width, height } = image;
  const offsets: number[][] = [];
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      if (dx * dx + dy * dy <= radius * radius + radius) offsets.push([dx, dy]);
    }
  }
  const out = new Uint8ClampedArray(image.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let best = 0;
      for (const [dx, dy] of offsets) {
        const xx = x + dx, yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
        const v = image.data[yy * width + xx];
        if (v > best) best = v;
      }
      out[y * width + x] = best;
    }
  }
  return { width, height, data: out };
}

/** Box blur of `radius` applied twice per axis (close to a Gaussian): smooths the enlarged digit's kinks. */
export function blur(image: GreyImage, radius: number): GreyImage {
  if (radius <= 0) return image;
  const { width, height } = image;
  let data = new Float64Array(image.data);
  const pass = (src: Float64Array, horizontal: boolean) => {
    const out = new Float64Array(src.length);
    const span = 2 * radius + 1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        for (let d = -radius; d <= radius; d++) {
          const xx = horizontal ? Math.min(Math.max(x + d, 0), width - 1) : x;
          const yy = horizontal ? y : Math.min(Math.max(y + d, 0), height - 1);
          sum += src[yy * width + xx];
        }
        out[y * width + x] = sum / span;
      }
    }
    return out;
  };
  for (let i = 0; i < 2; i++) data = pass(pass(data, true), false);
  return { width, height, data: Uint8ClampedArray.from(data, Math.round) };
}

/**
 * How to imitate a pen of `pen` pixels on a digit enlarged `scale` times: the
 * enlarged MNIST stroke is about 2.6 × scale wide at threshold 0.5, so a
 * thinner pen cuts higher (keeping the stroke's core) and a fatter pen adds a
 * round dilation.
 */
export function penModel(pen: number, scale: number): { threshold: number; dilation: number } {
  const natural = MNIST_STROKE_WIDTH * scale;
  const threshold = Math.min(Math.max(0.5 + 0.5 * (1 - pen / natural), THRESHOLD_LIMITS[0]), THRESHOLD_LIMITS[1]);
  const dilation = pen > natural ? Math.round((pen - natural) / 2) : 0;
  return { threshold, dilation };
}

/**
 * Renders one drawing: a {@link CANVAS_SIZE}² grey image with the digit in
 * black (0) strokes on white (255), as the app's canvas would give it.
 */
export function renderDrawing(split: MnistSplit, spec: DrawingSpec, canvasSize = CANVAS_SIZE): GreyImage {
  const digit: GreyImage = {
    width: IMAGE_SIZE,
    height: IMAGE_SIZE,
    data: new Uint8ClampedArray(imageAt(split, spec.index)),
  };
  const box = boundingBox(digit) ?? { top: 0, left: 0, bottom: IMAGE_SIZE - 1, right: IMAGE_SIZE - 1 };
  const ink = crop(digit, box);
  // One blank pixel around the ink, so the enlarged stroke fades out instead of being cut at the box.
  const framed = blankImage(ink.width + 2, ink.height + 2);
  paste(framed, ink, 1, 1);
  const maxDilation = Math.ceil(PEN_WIDTH_RANGE[1] / 2);
  const room = canvasSize - 2 * CANVAS_MARGIN - 2 * maxDilation;
  const scale = Math.min(spec.height / ink.height, room / framed.width, room / framed.height);
  const { threshold, dilation } = penModel(spec.pen, scale);
  const width = Math.max(1, Math.round(framed.width * scale));
  const height = Math.max(1, Math.round(framed.height * scale));
  // Bilinear enlargement leaves kinks at the old pixel grid; a blur of a third of a source pixel rounds them.
  const enlarged = blur(resample(framed, width, height, BILINEAR_FILTER), Math.max(1, Math.round(scale / 3)));
  const cut = threshold * 255;
  const soft = EDGE_SOFTNESS * 255;
  const r = dilation;
  const stroke = blankImage(width + 2 * r, height + 2 * r);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      stroke.data[(y + r) * stroke.width + x + r] = ((enlarged.data[y * width + x] - cut) / soft + 0.5) * 255;
    }
  }
  const pen = dilate(stroke, r);
  const canvas = blankImage(canvasSize, canvasSize);
  canvas.data.fill(255);
  const freeX = Math.max(0, canvasSize - 2 * CANVAS_MARGIN - pen.width);
  const freeY = Math.max(0, canvasSize - 2 * CANVAS_MARGIN - pen.height);
  const left = CANVAS_MARGIN + Math.round(freeX * spec.x);
  const top = CANVAS_MARGIN + Math.round(freeY * spec.y);
  for (let y = 0; y < pen.height && top + y < canvasSize; y++) {
    for (let x = 0; x < pen.width && left + x < canvasSize; x++) {
      canvas.data[(top + y) * canvasSize + left + x] = 255 - pen.data[y * pen.width + x];
    }
  }
  return canvas;
}

/** A drawing with its spec, ready to show or to preprocess. */
export interface Drawing {
  spec: DrawingSpec;
  image: GreyImage;
}

/** Renders the drawings of `specs` (keep `specs` short: each drawing holds 78 KB). */
export function renderDrawings(split: MnistSplit, specs: DrawingSpec[]): Drawing[] {
  return specs.map((spec) => ({ spec, image: renderDrawing(split, spec) }));
}
