/**
 * Data augmentation: small random rotations, zooms and shifts of the training
 * digits, so that a model sees a slightly different copy of each image every
 * epoch. Source 001 proposes it with Keras's `ImageDataGenerator` and these
 * ranges: rotation up to 5°, zoom up to 5%, shifts up to 5% of the width and
 * height ({@link SOURCE_001_AUGMENTATION}).
 *
 * Each image gets its own transform, drawn from a seeded generator: a rotation
 * angle uniform in [−rotation, rotation] degrees, a zoom factor per axis
 * uniform in [1 − zoom, 1 + zoom] (above 1 the digit gets smaller, as in
 * Keras), and a shift per axis uniform in [−shift, shift] × 28 pixels. The new
 * image is sampled from the old one with bilinear interpolation about the
 * image centre; points outside take the nearest edge pixel (Keras's default
 * `fill_mode="nearest"`), which on MNIST's black border is black.
 *
 * A drawing differs from an MNIST digit in one more way that no rotation,
 * zoom or shift covers: the pen. A thin pen on a large digit leaves a thin,
 * gappy stroke after preprocessing, a fat one a heavy stroke. The optional
 * `stroke` setting redraws each digit with a pen of random width: the image
 * is sampled {@link PEN_SUPERSAMPLING}² times per pixel, each sample is cut at
 * a random grey level (a high cut keeps only the stroke's core: a thin pen,
 * where the writer pressed lightly even a gap; a low cut takes in the fuzzy
 * edge: a fat pen) with a soft edge, and the samples are averaged back into
 * the pixel, the way a canvas antialiases a stroke.
 *
 * @module
 */
import { createRng, type Rng } from "../random.ts";
import { IMAGE_SIZE, type MnistSplit, NUM_CLASSES, PIXELS_PER_IMAGE } from "./mnist.ts";
import type { tf } from "../tf.ts";
import { imageTensor } from "./tensors.ts";

/** The ranges of the random transforms, and which digits get them. */
export interface AugmentOptions {
  /** Largest rotation, in degrees, either way. */
  rotation: number;
  /** Largest zoom, as a fraction (0.05: factors 0.95–1.05 per axis). */
  zoom: number;
  /** Largest shift, as a fraction of the side (0.05: up to 1.4 pixels), per axis. */
  shift: number;
  /**
   * Pen width: the stroke is cut at a grey level drawn uniform in [0.5 − stroke, 0.5 + stroke]
   * (0.45: from 0.05, a fat pen, to 0.95, a thin one); absent or 0: the stroke is kept as it is.
   */
  stroke?: number;
  /**
   * Transform only the images of these digits and keep the others as they are
   * (source 001's "0, 6 and 9 only"); every image when absent.
   */
  digits?: readonly number[];
}

/** The digits source 001 gives a "strengthened" augmentation of their own (it does not say why these three). */
export const SOURCE_001_AUGMENTED_DIGITS: readonly number[] = [0, 6, 9];

/** Source 001's settings: `rotation_range=5, zoom_range=0.05, width_shift_range=0.05, height_shift_range=0.05`. */
export const SOURCE_001_AUGMENTATION: Readonly<AugmentOptions> = { rotation: 5, zoom: 0.05, shift: 0.05 };

/**
 * The course's best model's augmentation (notebook 06): source 001's ranges and
 * a pen of random width, from a fat one (stroke cut at 0.05) to a thin one (0.95),
 * as people draw with on a canvas.
 */
export const DRAWING_AUGMENTATION: Readonly<AugmentOptions> = { ...SOURCE_001_AUGMENTATION, stroke: 0.45 };

/** Samples per pixel along each axis when a stroke is redrawn (4: 16 samples per pixel). */
export const PEN_SUPERSAMPLING = 4;
/** Width of the redrawn stroke's soft edge, in grey levels from 0 to 1 (as a canvas's antialiasing). */
const PEN_EDGE_SOFTNESS = 0.1;
/** The cut that keeps a stroke about as wide as it was: half way up its grey levels. */
const PEN_NEUTRAL_CUT = 0.5;

/** One image's transform. */
export interface Transform {
  /** Rotation in degrees (counter-clockwise on screen). */
  angle: number;
  /** Zoom factors along x (columns) and y (rows): input coordinate = factor × output coordinate. */
  zoomX: number;
  zoomY: number;
  /** Shift in pixels along x and y: the digit moves by −shift. */
  shiftX: number;
  shiftY: number;
  /** When present: the grey level (0–1) where the stroke is cut to redraw it with another pen. */
  cut?: number;
}

/** The transform that changes nothing. */
export const IDENTITY: Readonly<Transform> = { angle: 0, zoomX: 1, zoomY: 1, shiftX: 0, shiftY: 0 };

/** Fails with a clear message on ranges that are not finite, negative or too large to make sense. */
export function checkAugmentOptions(options: AugmentOptions): void {
  const bad = (name: string, value: number, max: number) =>
    !(Number.isFinite(value) && value >= 0 && value <= max)
      ? `${name} must be a number from 0 to ${max}, got ${value}`
      : null;
  const problem = bad("rotation", options.rotation, 180) ?? bad("zoom", options.zoom, 0.9) ??
    bad("shift", options.shift, 0.5) ?? (options.stroke === undefined ? null : bad("stroke", options.stroke, 0.45));
  if (problem) throw new RangeError(`augmentation: ${problem}`);
  const digits = options.digits;
  if (digits !== undefined) {
    const wrong = digits.find((d) => !(Number.isInteger(d) && d >= 0 && d < NUM_CLASSES));
    if (wrong !== undefined || digits.length === 0) {
      throw new RangeError(
        `augmentation: digits must be a non-empty list of digits 0-9, got [${digits.join(", ")}]; ` +
          `leave it out to transform every image`,
      );
    }
  }
}

/**
 * A random transform within `options`' ranges: five draws from `rng` in a fixed
 * order, and a sixth for the pen when `stroke` is set (so runs without it draw
 * exactly what they drew before it existed).
 */
export function randomTransform(rng: Rng, options: AugmentOptions): Transform {
  const uniform = (range: number) => (2 * rng() - 1) * range;
  const transform: Transform = {
    angle: uniform(options.rotation),
    zoomX: 1 + uniform(options.zoom),
    zoomY: 1 + uniform(options.zoom),
    shiftX: uniform(options.shift) * IMAGE_SIZE,
    shiftY: uniform(options.shift) * IMAGE_SIZE,
  };
  if (options.stroke) transform.cut = PEN_NEUTRAL_CUT + uniform(options.stroke);
  return transform;
}

/**
 * Writes the transformed 28×28 image `src` (784 grey levels) into `dst`: each
 * output pixel reads the input at `R(angle)·Z·(p − c) + c + shift`, bilinear,
 * clamped to the edge. With a `cut`, each pixel is instead the average of
 * {@link PEN_SUPERSAMPLING}² such reads spread over its area, each cut at that
 * grey level with a soft edge: the stroke redrawn with another pen.
 */
export function transformImage(src: ArrayLike<number>, dst: Uint8Array | Float32Array, t: Transform): void {
  const n = IMAGE_SIZE, c = (n - 1) / 2;
  const rad = (t.angle * Math.PI) / 180, cos = Math.cos(rad), sin = Math.sin(rad);
  const clamp = (v: number) => (v < 0 ? 0 : v > n - 1 ? n - 1 : v);
  const round = dst instanceof Uint8Array;
  /** The input's grey level at output point (col, row), bilinear. */
  const read = (col: number, row: number) => {
    const x = (col - c) * t.zoomX, y = (row - c) * t.zoomY;
    const sx = clamp(cos * x - sin * y + c + t.shiftX);
    const sy = clamp(sin * x + cos * y + c + t.shiftY);
    const x0 = Math.floor(sx), y0 = Math.floor(sy);
    const x1 = Math.min(x0 + 1, n - 1), y1 = Math.min(y0 + 1, n - 1);
    const fx = sx - x0, fy = sy - y0;
    const top = src[y0 * n + x0] * (1 - fx) + src[y0 * n + x1] * fx;
    const bottom = src[y1 * n + x0] * (1 - fx) + src[y1 * n + x1] * fx;
    return top * (1 - fy) + bottom * fy;
  };
  const k = PEN_SUPERSAMPLING;
  const cut = t.cut === undefined ? null : t.cut * 255;
  const softness = PEN_EDGE_SOFTNESS * 255;
  // Most of a digit's pixels are background: when no input pixel a pixel's samples could read has ink, and a
  // blank sample cuts to 0, the pixel is 0 without its 16 reads (the same value, found faster).
  const blankCutsToZero = cut !== null && -cut / softness + 0.5 <= 0;
  const reach = Math.max(Math.abs(t.zoomX), Math.abs(t.zoomY)) * ((k - 1) / (2 * k)) * Math.SQRT2;
  const blankAround = (col: number, row: number) => {
    const x = (col - c) * t.zoomX, y = (row - c) * t.zoomY;
    const sx = cos * x - sin * y + c + t.shiftX, sy = sin * x + cos * y + c + t.shiftY;
    const left = Math.floor(clamp(sx - reach)), right = Math.min(Math.floor(clamp(sx + reach)) + 1, n - 1);
    const top = Math.floor(clamp(sy - reach)), bottom = Math.min(Math.floor(clamp(sy + reach)) + 1, n - 1);
    for (let yy = top; yy <= bottom; yy++) {
      for (let xx = left; xx <= right; xx++) if (src[yy * n + xx] !== 0) return false;
    }
    return true;
  };
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      let v: number;
      if (cut === null) v = read(col, row);
      else if (blankCutsToZero && blankAround(col, row)) v = 0;
      else {
        let sum = 0;
        for (let sy = 0; sy < k; sy++) {
          for (let sx = 0; sx < k; sx++) {
            const level = (read(col - 0.5 + (sx + 0.5) / k, row - 0.5 + (sy + 0.5) / k) - cut) / softness + 0.5;
            sum += level < 0 ? 0 : level > 1 ? 1 : level;
          }
        }
        v = (sum / (k * k)) * 255;
      }
      dst[row * n + col] = round ? Math.round(v) : v;
    }
  }
}

/**
 * A new split with every image (or, with `options.digits`, every image of
 * those digits) transformed at random; labels unchanged, the other images
 * copied as they are. The transforms depend only on `rng`'s state: the same
 * seed gives the same copy.
 */
export function augmentSplit(split: MnistSplit, rng: Rng, options: AugmentOptions): MnistSplit {
  checkAugmentOptions(options);
  const chosen = options.digits ? new Set(options.digits) : null;
  const images = new Uint8Array(split.count * PIXELS_PER_IMAGE);
  for (let i = 0; i < split.count; i++) {
    const from = i * PIXELS_PER_IMAGE;
    const original = split.images.subarray(from, from + PIXELS_PER_IMAGE);
    if (chosen && !chosen.has(split.labels[i])) {
      images.set(original, from);
      continue;
    }
    transformImage(original, images.subarray(from), randomTransform(rng, options));
  }
  return { images, labels: split.labels.slice(), count: split.count };
}

/**
 * A new randomly transformed copy of a split's images as the CNN's input
 * tensor, `[n, 28, 28, 1]` in [0, 1] (Keras's `ImageDataGenerator.flow` for one
 * epoch). The same `seed` gives the same copy.
 *
 * @example
 * const xEpoch = augmentedImages(train, SOURCE_001_AUGMENTATION, 1234 * 1000 + epoch);
 * const only069 = augmentedImages(train, { ...SOURCE_001_AUGMENTATION, digits: [0, 6, 9] }, 1234 * 1000 + epoch);
 */
export function augmentedImages(split: MnistSplit, options: AugmentOptions, seed: number): tf.Tensor {
  return imageTensor(augmentSplit(split, createRng(seed), options));
}
