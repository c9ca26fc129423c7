/**
 * Inference latency for one drawn digit: preprocess a 280×280 RGBA drawing to
 * the 28×28 input (the app's own preprocessing, `src/draw/preprocess.ts`),
 * then one forward pass, read back to JavaScript. Side by side (`mlp+cnn`, as
 * the app's comparison view does it): the drawing is preprocessed once and
 * read by each model in turn.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { createDeepCnn, createReportCnn, createReportMlp, inputShapeOf } from "../../models/presets.ts";
import { preprocess } from "../../draw/preprocess.ts";

/** Side of the synthetic drawing, in pixels. */
export const CANVAS_SIZE = 280;

/** The networks a latency can be measured for: the report's two and the best model's architecture. */
const NETWORKS: Record<string, (seed: number) => tf.LayersModel> = {
  mlp: createReportMlp,
  cnn: createReportCnn,
  "deep-cnn": createDeepCnn,
};
/** Joins the models that read one drawing side by side: `mlp+cnn`. */
export const SIDE_BY_SIDE_JOIN = "+";

/** One latency measurement. */
export interface InferenceResult {
  /** A network (`mlp`, `cnn`, `deep-cnn`), or several side by side (`mlp+cnn`). */
  model: string;
  preprocess: string;
  runs: number;
  medianMs: number;
  p95Ms: number;
}

/** An RGBA image as a canvas's `getImageData` gives it. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A synthetic drawing: a thick black "0" stroke on a white 280×280 canvas. */
export function syntheticDrawing(size = CANVAS_SIZE): RgbaImage {
  const data = new Uint8ClampedArray(size * size * 4).fill(255);
  const c = size / 2, rx = size * 0.22, ry = size * 0.32, thickness = size * 0.07;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r = Math.hypot((x - c) / rx, (y - c) / ry);
      if (Math.abs(r - 1) * Math.min(rx, ry) < thickness / 2) {
        const p = (y * size + x) * 4;
        data[p] = data[p + 1] = data[p + 2] = 0;
      }
    }
  }
  return { width: size, height: size, data };
}

/**
 * The simple preprocessing used when the app's own is absent: box-filter the
 * drawing down to 28×28, ink = 1 − luminance, in [0, 1].
 */
export function simpleResize(image: RgbaImage, side = 28): Float32Array {
  const out = new Float32Array(side * side);
  const fx = image.width / side, fy = image.height / side;
  for (let oy = 0; oy < side; oy++) {
    for (let ox = 0; ox < side; ox++) {
      let sum = 0, count = 0;
      for (let y = Math.floor(oy * fy); y < Math.floor((oy + 1) * fy); y++) {
        for (let x = Math.floor(ox * fx); x < Math.floor((ox + 1) * fx); x++) {
          const p = (y * image.width + x) * 4;
          sum += 0.299 * image.data[p] + 0.587 * image.data[p + 1] + 0.114 * image.data[p + 2];
          count++;
        }
      }
      out[oy * side + ox] = count === 0 ? 0 : 1 - sum / count / 255;
    }
  }
  return out;
}

/** A preprocessing step: drawing in, 784 values in [0, 1] out. */
export type Preprocess = (image: RgbaImage) => Float32Array;

/** The app's preprocessing mode the bench times (MNIST's recipe, the most work of the three). */
export const BENCH_PREPROCESS_MODE = "v3";

/** The app's preprocessing (`src/draw/preprocess.ts`, mode v3), or {@link simpleResize} if asked. */
export function loadPreprocess(simple = false): { name: string; fn: Preprocess } {
  if (simple) return { name: "simple resize (box filter)", fn: (image) => simpleResize(image) };
  return {
    name: `src/draw/preprocess.ts, mode ${BENCH_PREPROCESS_MODE}`,
    fn: (image) => preprocess(image, BENCH_PREPROCESS_MODE).input,
  };
}

function percentile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/**
 * Median and 95th percentile latency of preprocess + forward for one drawing;
 * `model` names one network or several joined by `+` (preprocessed once,
 * then each forward pass).
 */
export function benchInference(model: string, runs = 200, warmup = 20, simple = false): InferenceResult {
  const nets = model.split(SIDE_BY_SIDE_JOIN).map((name) => {
    const create = NETWORKS[name];
    if (!create) throw new RangeError(`no network '${name}' to time; known: ${Object.keys(NETWORKS).join(", ")}`);
    return create(1234);
  });
  const { name, fn } = loadPreprocess(simple);
  const drawing = syntheticDrawing();
  const once = () => {
    const input = fn(drawing);
    return nets.map((net) => {
      const probs = tf.tidy(() => net.predict(tf.tensor(input, [1, ...inputShapeOf(net)])) as tf.Tensor);
      const values = probs.dataSync();
      probs.dispose();
      return values;
    });
  };
  try {
    for (let i = 0; i < warmup; i++) once();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      once();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { model, preprocess: name, runs, medianMs: percentile(times, 0.5), p95Ms: percentile(times, 0.95) };
  } finally {
    for (const net of nets) net.dispose();
  }
}
