/**
 * From a drawing to the 28×28 image a model reads: the report's two recipes
 * and MNIST's own.
 *
 * A canvas gives dark strokes on a light background, in colour, at any size.
 * MNIST digits are white (255) on black (0), 28×28, and were made by NIST and
 * LeCun with a fixed recipe. How closely a drawing is brought to that recipe
 * decides whether a model trained on MNIST can read it. Three modes:
 *
 * - **v1**, the report's first app (section 3.1): grey → invert → resize the
 *   whole canvas to 28×28. The digit keeps wherever and however small it was drawn.
 * - **v2**, the report's improved app (section 3.2): grey → invert → bounding
 *   box of the pixels above 0 → crop → a square of side `max(h, w)` plus
 *   `int(side × 0.2)` padding on each side, the crop centred in it → 28×28.
 * - **v3**, MNIST's recipe (LeCun et al.): the bounding box scaled, keeping
 *   its aspect ratio, to fit a 20×20 box, then placed in the 28×28 field so
 *   that its centre of mass is at the field's centre.
 *
 * Every mode ends with grey levels divided by 255, as the models were trained.
 *
 * **Resampling.** Pillow's `Image.resize`, which the report calls without a
 * filter, uses bicubic interpolation for greyscale images, and it widens the
 * filter by the scale factor when it shrinks, so a 280-pixel canvas becomes
 * 28 pixels by a weighted average over each 10×10 patch, not by sampling one
 * pixel in ten (which would drop thin strokes). {@link resample} implements
 * that same separable scheme (bicubic, a = −0.5, support scaled when
 * shrinking) in plain TypeScript, so results are close to Pillow's but not
 * bit-identical (Pillow rounds its weights to fixed point). A box (area
 * average) and a bilinear filter are there too, for the exercises. We do it
 * ourselves rather than with the canvas's `drawImage` because Skia's
 * smoothing quality levels are not documented as a particular filter and the
 * notebook wants to say exactly what happens to the pixels.
 *
 * Everything here is pure computation on arrays: no TensorFlow.js, no canvas.
 * PNG decoding lives in `png.ts`.
 *
 * @module
 */
import { tr } from "../i18n.ts";

/** Side of the image the models read. */
export const MODEL_IMAGE_SIZE = 28;
/** Pixels of the model's input (28×28). */
export const MODEL_PIXELS = MODEL_IMAGE_SIZE * MODEL_IMAGE_SIZE;
/** The report's padding: 20% of the square's side on each side (section 3.2). */
export const REPORT_PADDING_FRACTION = 0.2;
/** MNIST's recipe fits each digit into a box of this side before centring it in 28×28. */
export const MNIST_DIGIT_BOX = 20;
/** A pixel counts as ink when its inverted grey level is above this (the report's `> 0`). */
export const INK_THRESHOLD = 0;

/** The preprocessing recipes, in the order the course introduces them. */
export const PREPROCESS_MODES = ["v1", "v2", "v3"] as const;
/** One of {@link PREPROCESS_MODES}. */
export type PreprocessMode = typeof PREPROCESS_MODES[number];

/** What each mode does, in one line (for the app and the notebooks). */
export const MODE_DESCRIPTIONS: Readonly<Record<PreprocessMode, string>> = {
  v1: "the report's v1: grey, invert, resize the whole canvas to 28x28",
  v2: "the report's v2: crop to the bounding box, pad 20% into a square, centre, resize to 28x28",
  v3: "MNIST's recipe: fit the digit into 20x20 keeping its aspect ratio, centre of mass at the centre of 28x28",
};

/** The same recipes in the report's Korean terms. */
export const MODE_DESCRIPTIONS_KO: Readonly<Record<PreprocessMode, string>> = {
  v1: "보고서의 v1: 흑백 변환, 색 반전, 캔버스 전체를 28x28로 리사이즈",
  v2: "보고서의 v2: 바운딩 박스에 맞춰 자르기, 20% 패딩으로 정사각형 만들기, 중앙 정렬, 28x28로 리사이즈",
  v3: "MNIST의 방식: 가로세로 비율을 지켜 20x20 안에 맞추고, 무게중심을 28x28의 가운데에 두기",
};

/** A recipe's description in the language in force. */
export function modeDescription(mode: PreprocessMode): string {
  return tr({ en: MODE_DESCRIPTIONS[mode], ko: MODE_DESCRIPTIONS_KO[mode] });
}

/** A greyscale image, one byte (0–255) per pixel, row after row. */
export interface GreyImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** An RGBA image as a canvas's `getImageData` gives it: four bytes per pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

/** A rectangle of pixels, inclusive on all four sides. */
export interface Box {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** The images between the drawing and the model's input, for showing the steps. */
export interface PreprocessSteps {
  /** The drawing in grey levels (dark ink on light paper). */
  grey: GreyImage;
  /** Inverted: light ink on black, as in MNIST. */
  inverted: GreyImage;
  /**
   * What the final resize starts from: v1 the whole inverted canvas; v2 the
   * crop centred in its padded square; v3 the crop scaled into the 20×20 box.
   */
  framed: GreyImage;
  /** The 28×28 image the model reads (grey levels 0–255). */
  final: GreyImage;
}

/** The result of {@link preprocess}. */
export interface PreprocessResult {
  mode: PreprocessMode;
  /** True when nothing was drawn: the caller should ask for a digit, not predict. */
  empty: boolean;
  /** The model's input, 784 floats in [0, 1] (row-major 28×28); all zeros when empty. */
  input: Float32Array;
  /** The bounding box of the ink in the drawing, or `null` when empty. */
  box: Box | null;
  steps: PreprocessSteps;
}

/** A blank (black) grey image. */
export function blankImage(width: number, height: number): GreyImage {
  checkSize(width, height);
  return { width, height, data: new Uint8ClampedArray(width * height) };
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`an image needs a positive integer width and height, got ${width}x${height}`);
  }
}

/** Fails unless `image` is a well-formed RGBA image. */
function checkRgba(image: RgbaImage): void {
  checkSize(image.width, image.height);
  if (image.data.length !== image.width * image.height * 4) {
    throw new RangeError(
      `an RGBA image of ${image.width}x${image.height} needs ${
        image.width * image.height * 4
      } bytes, got ${image.data.length}`,
    );
  }
}

/**
 * RGBA to grey with Pillow's `convert("L")` weights (ITU-R 601-2 luma:
 * 0.299 R + 0.587 G + 0.114 B). Unlike Pillow, transparent pixels are first
 * laid over white paper: an untouched HTML canvas is transparent black, and
 * treating it as black ink would make an empty canvas look fully drawn.
 */
export function toGrey(image: RgbaImage): GreyImage {
  checkRgba(image);
  const n = image.width * image.height;
  const out = new Uint8ClampedArray(n);
  const src = image.data;
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const luma = (src[j] * 299 + src[j + 1] * 587 + src[j + 2] * 114) / 1000;
    const alpha = src[j + 3] / 255;
    out[i] = Math.round(luma * alpha + 255 * (1 - alpha));
  }
  return { width: image.width, height: image.height, data: out };
}

/** 255 − v for every pixel (Pillow's `ImageOps.invert`). */
export function invert(image: GreyImage): GreyImage {
  const out = new Uint8ClampedArray(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 255 - image.data[i];
  return { width: image.width, height: image.height, data: out };
}

/**
 * The smallest box holding every pixel above `threshold` (the report's
 * `np.argwhere(arr > 0)` with min and max), or `null` when there is none.
 */
export function boundingBox(image: GreyImage, threshold = INK_THRESHOLD): Box | null {
  const { width, height, data } = image;
  let top = height, left = width, bottom = -1, right = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (data[row + x] > threshold) {
        if (y < top) top = y;
        if (y > bottom) bottom = y;
        if (x < left) left = x;
        if (x > right) right = x;
      }
    }
  }
  return bottom < 0 ? null : { top, left, bottom, right };
}

/** The pixels inside `box` (inclusive) as a new image. */
export function crop(image: GreyImage, box: Box): GreyImage {
  const width = box.right - box.left + 1;
  const height = box.bottom - box.top + 1;
  checkSize(width, height);
  if (box.left < 0 || box.top < 0 || box.right >= image.width || box.bottom >= image.height) {
    throw new RangeError(`box ${JSON.stringify(box)} is outside the ${image.width}x${image.height} image`);
  }
  const out = new Uint8ClampedArray(width * height);
  for (let y = 0; y < height; y++) {
    const start = (box.top + y) * image.width + box.left;
    out.set(image.data.subarray(start, start + width), y * width);
  }
  return { width, height, data: out };
}

/** Copies `src` into `dst` with its top-left corner at (`left`, `top`); parts outside `dst` are dropped. */
export function paste(dst: GreyImage, src: GreyImage, left: number, top: number): void {
  for (let y = 0; y < src.height; y++) {
    const ty = top + y;
    if (ty < 0 || ty >= dst.height) continue;
    for (let x = 0; x < src.width; x++) {
      const tx = left + x;
      if (tx < 0 || tx >= dst.width) continue;
      dst.data[ty * dst.width + tx] = src.data[y * src.width + x];
    }
  }
}

/**
 * The report's v2 framing: a black square of side `max(h, w) + 2 × int(max(h, w) × 0.2)`
 * with `image` centred in it (offsets rounded down, as the report's `//`).
 */
export function padToSquare(image: GreyImage, paddingFraction = REPORT_PADDING_FRACTION): GreyImage {
  const side = Math.max(image.width, image.height);
  const padding = Math.floor(side * paddingFraction);
  const padded = blankImage(side + 2 * padding, side + 2 * padding);
  paste(padded, image, Math.floor((padded.width - image.width) / 2), Math.floor((padded.height - image.height) / 2));
  return padded;
}

/** A resampling filter: its kernel and the half-width where the kernel becomes zero. */
export interface ResampleFilter {
  name: string;
  support: number;
  kernel(x: number): number;
}

/** Area average (Pillow's BOX; OpenCV's INTER_AREA when shrinking). */
export const BOX_FILTER: ResampleFilter = {
  name: "box",
  support: 0.5,
  kernel: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0),
};

/** Linear interpolation, triangle kernel (Pillow's BILINEAR). */
export const BILINEAR_FILTER: ResampleFilter = {
  name: "bilinear",
  support: 1,
  kernel: (x) => Math.max(0, 1 - Math.abs(x)),
};

const CUBIC_A = -0.5;
/** Keys' cubic convolution with a = −0.5 (Pillow's BICUBIC, the report's default). */
export const BICUBIC_FILTER: ResampleFilter = {
  name: "bicubic",
  support: 2,
  kernel: (value) => {
    const x = Math.abs(value);
    if (x < 1) return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * CUBIC_A;
    return 0;
  },
};

/** The filter every mode uses unless told otherwise: Pillow's default for greyscale resizes. */
export const DEFAULT_FILTER = BICUBIC_FILTER;

/** Per output coordinate: the first input index and the normalised weights. */
interface AxisWeights {
  starts: Int32Array;
  counts: Int32Array;
  weights: Float64Array;
  taps: number;
}

const weightCache = new Map<string, AxisWeights>();
const WEIGHT_CACHE_LIMIT = 64;

/** Pillow's `precompute_coeffs`: the filter widened by the scale factor when shrinking. */
function axisWeights(inSize: number, outSize: number, filter: ResampleFilter): AxisWeights {
  const key = `${inSize}:${outSize}:${filter.name}`;
  const cached = weightCache.get(key);
  if (cached) return cached;
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const starts = new Int32Array(outSize);
  const counts = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const first = Math.max(Math.trunc(centre - support + 0.5), 0);
    const last = Math.min(Math.trunc(centre + support + 0.5), inSize);
    let total = 0;
    const count = last - first;
    for (let k = 0; k < count; k++) {
      const w = filter.kernel((k + first - centre + 0.5) / filterScale);
      weights[o * taps + k] = w;
      total += w;
    }
    if (total !== 0) { for (let k = 0; k < count; k++) weights[o * taps + k] /= total; }
    starts[o] = first;
    counts[o] = count;
  }
  const result = { starts, counts, weights, taps };
  if (weightCache.size >= WEIGHT_CACHE_LIMIT) weightCache.clear();
  weightCache.set(key, result);
  return result;
}

/**
 * Resizes a grey image to `width`×`height` with a separable filter, the way
 * Pillow's `Image.resize` does (see the module notes). Values are rounded and
 * clamped to 0–255.
 *
 * @example
 * const small = resample(inverted, 28, 28); // bicubic, antialiased when shrinking
 */
export function resample(
  image: GreyImage,
  width: number,
  height: number,
  filter: ResampleFilter = DEFAULT_FILTER,
): GreyImage {
  checkSize(width, height);
  const xw = axisWeights(image.width, width, filter);
  const yw = axisWeights(image.height, height, filter);
  // Horizontal pass into floats, then vertical pass, as Pillow does (it rounds in between; we do not).
  const tmp = new Float64Array(width * image.height);
  for (let y = 0; y < image.height; y++) {
    const row = y * image.width;
    for (let x = 0; x < width; x++) {
      const start = xw.starts[x];
      const base = x * xw.taps;
      let sum = 0;
      for (let k = 0; k < xw.counts[x]; k++) sum += image.data[row + start + k] * xw.weights[base + k];
      tmp[y * width + x] = sum;
    }
  }
  const out = new Uint8ClampedArray(width * height);
  for (let y = 0; y < height; y++) {
    const start = yw.starts[y];
    const base = y * yw.taps;
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < yw.counts[y]; k++) sum += tmp[(start + k) * width + x] * yw.weights[base + k];
      out[y * width + x] = Math.round(sum); // Uint8ClampedArray clamps to 0–255
    }
  }
  return { width, height, data: out };
}

/**
 * The centre of mass of the grey levels, in pixel coordinates where the
 * centre of the top-left pixel is (0.5, 0.5), or `null` for an all-black image.
 */
export function centreOfMass(image: GreyImage): { x: number; y: number } | null {
  let total = 0, sx = 0, sy = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const v = image.data[y * image.width + x];
      total += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return total === 0 ? null : { x: sx / total, y: sy / total };
}

/**
 * The size MNIST's recipe gives a `width`×`height` digit: the longer side
 * becomes {@link MNIST_DIGIT_BOX}, the shorter one keeps the aspect ratio (at least 1 pixel).
 */
export function fitInBox(width: number, height: number, box = MNIST_DIGIT_BOX): { width: number; height: number } {
  const scale = box / Math.max(width, height);
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * Places `digit` in a black `size`×`size` field so that its centre of mass
 * falls on the field's centre, as MNIST's digits were placed. The shift is
 * rounded to whole pixels and limited so that no ink leaves the field.
 */
export function placeByCentreOfMass(digit: GreyImage, size = MODEL_IMAGE_SIZE): GreyImage {
  const field = blankImage(size, size);
  const com = centreOfMass(digit) ?? { x: digit.width / 2, y: digit.height / 2 };
  const clampOffset = (wanted: number, extent: number) => {
    if (extent >= size) return Math.round((size - extent) / 2);
    return Math.min(Math.max(wanted, 0), size - extent);
  };
  const left = clampOffset(Math.round(size / 2 - com.x), digit.width);
  const top = clampOffset(Math.round(size / 2 - com.y), digit.height);
  paste(field, digit, left, top);
  return field;
}

/** Grey levels 0–255 to the model's floats in [0, 1]. */
export function toModelInput(image: GreyImage): Float32Array {
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = image.data[i] / 255;
  return out;
}

/** True when `image` is RGBA (four bytes a pixel) rather than grey (one). */
function isRgba(image: RgbaImage | GreyImage): boolean {
  return image.data.length === image.width * image.height * 4;
}

/** Fails with a clear message on an unknown mode name. */
export function checkMode(mode: string): PreprocessMode {
  if (!(PREPROCESS_MODES as readonly string[]).includes(mode)) {
    throw new RangeError(`unknown preprocessing mode '${mode}'; use one of: ${PREPROCESS_MODES.join(", ")}`);
  }
  return mode as PreprocessMode;
}

/** Options of {@link preprocess}. */
export interface PreprocessOptions {
  /** Resampling filter for the resize steps (default: bicubic, as Pillow). */
  filter?: ResampleFilter;
  /** v2's padding on each side as a fraction of the square's side (default: the report's 0.2). */
  paddingFraction?: number;
}

/**
 * A drawing (RGBA from a canvas, or grey with dark ink on light paper) to the
 * model's 28×28 input, by one of the three recipes, with the images of each step.
 *
 * An empty drawing (no pixel darker than white) gives `empty: true` and an
 * all-zero input: the caller should say "draw a digit first" instead of predicting.
 *
 * @example
 * const { empty, input, steps } = preprocess(ctx.getImageData(0, 0, 280, 280), "v3");
 * if (!empty) model.predict(tf.tensor(input, [1, ...inputShapeOf(model)]));
 */
export function preprocess(
  image: RgbaImage | GreyImage,
  mode: PreprocessMode,
  options: PreprocessOptions = {},
): PreprocessResult {
  checkMode(mode);
  checkSize(image.width, image.height);
  const filter = options.filter ?? DEFAULT_FILTER;
  let grey: GreyImage;
  if (isRgba(image)) grey = toGrey(image as RgbaImage);
  else if (image.data.length === image.width * image.height) {
    grey = { width: image.width, height: image.height, data: Uint8ClampedArray.from(image.data) };
  } else {
    throw new RangeError(
      `a ${image.width}x${image.height} image needs ${image.width * image.height} (grey) or ${
        image.width * image.height * 4
      } (RGBA) bytes, got ${image.data.length}`,
    );
  }
  const inverted = invert(grey);
  const box = boundingBox(inverted);
  if (box === null) {
    const final = blankImage(MODEL_IMAGE_SIZE, MODEL_IMAGE_SIZE);
    return {
      mode,
      empty: true,
      input: new Float32Array(MODEL_PIXELS),
      box: null,
      steps: { grey, inverted, framed: inverted, final },
    };
  }
  let framed: GreyImage;
  let final: GreyImage;
  if (mode === "v1") {
    framed = inverted;
    final = resample(inverted, MODEL_IMAGE_SIZE, MODEL_IMAGE_SIZE, filter);
  } else if (mode === "v2") {
    framed = padToSquare(crop(inverted, box), options.paddingFraction ?? REPORT_PADDING_FRACTION);
    final = resample(framed, MODEL_IMAGE_SIZE, MODEL_IMAGE_SIZE, filter);
  } else {
    const cropped = crop(inverted, box);
    const size = fitInBox(cropped.width, cropped.height);
    framed = resample(cropped, size.width, size.height, filter);
    final = placeByCentreOfMass(framed);
  }
  return { mode, empty: false, input: toModelInput(final), box, steps: { grey, inverted, framed, final } };
}
