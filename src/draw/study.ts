/**
 * The preprocessing study of notebook 06: does the report's preprocessing
 * make drawings readable? Each drawing of the drawing set goes through v1, v2
 * and v3, each result through the MLP and the CNN, and we count how often the
 * digit comes out right.
 *
 * @module
 */
import pl from "nodejs-polars";
import { tf } from "../tf.ts";
import { inputShapeOf } from "../models/presets.ts";
import { IMAGE_SIZE, imageAt, type MnistSplit, NUM_CLASSES, PIXELS_PER_IMAGE } from "../data/mnist.ts";
import { type DrawingSpec, renderDrawing } from "./drawing_set.ts";
import {
  type GreyImage,
  modeDescription,
  MODEL_PIXELS,
  preprocess,
  PREPROCESS_MODES,
  type PreprocessMode,
} from "./preprocess.ts";
import { BOX_FILTER, resample } from "./preprocess.ts";
import type { Tile } from "../plots/digits.ts";
import { ERROR_COLOR, OK_COLOR } from "../plots/theme.ts";
import { tr } from "../i18n.ts";

/** Images per forward pass. */
const PREDICT_BATCH = 256;
/** Side of the drawing thumbnails in the disagreement gallery. */
const THUMBNAIL_SIZE = 56;

/** The 28×28 inputs of every drawing under every mode. */
export interface PreparedDrawings {
  specs: DrawingSpec[];
  labels: Uint8Array;
  /** `inputs[mode]`: `count × 784` floats in [0, 1]. */
  inputs: Record<PreprocessMode, Float32Array>;
  /** Milliseconds spent rendering and preprocessing. */
  milliseconds: number;
}

/**
 * Renders every drawing and preprocesses it in all three modes (the
 * drawings themselves are not kept: 78 KB each).
 */
export function prepareDrawings(split: MnistSplit, specs: DrawingSpec[]): PreparedDrawings {
  const started = performance.now();
  const inputs = Object.fromEntries(
    PREPROCESS_MODES.map((mode) => [mode, new Float32Array(specs.length * MODEL_PIXELS)]),
  ) as Record<PreprocessMode, Float32Array>;
  specs.forEach((spec, i) => {
    const drawing = renderDrawing(split, spec);
    for (const mode of PREPROCESS_MODES) inputs[mode].set(preprocess(drawing, mode).input, i * MODEL_PIXELS);
  });
  return {
    specs,
    labels: Uint8Array.from(specs, (s) => s.label),
    inputs,
    milliseconds: performance.now() - started,
  };
}

/** The predicted digit and its probability for each of `count` inputs. */
export function predictMany(
  model: tf.LayersModel,
  inputs: Float32Array,
): { digits: Uint8Array; confidences: Float32Array } {
  const count = inputs.length / MODEL_PIXELS;
  const digits = new Uint8Array(count);
  const confidences = new Float32Array(count);
  for (let start = 0; start < count; start += PREDICT_BATCH) {
    const n = Math.min(PREDICT_BATCH, count - start);
    const probabilities = tf.tidy(() => {
      const x = tf.tensor(inputs.subarray(start * MODEL_PIXELS, (start + n) * MODEL_PIXELS), [
        n,
        ...inputShapeOf(model),
      ]);
      return (model.predict(x) as tf.Tensor).dataSync();
    });
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let d = 1; d < NUM_CLASSES; d++) {
        if (probabilities[i * NUM_CLASSES + d] > probabilities[i * NUM_CLASSES + best]) best = d;
      }
      digits[start + i] = best;
      confidences[start + i] = probabilities[i * NUM_CLASSES + best];
    }
  }
  return { digits, confidences };
}

/** The study's results. */
export interface StudyResult {
  prepared: PreparedDrawings;
  /** `predictions[model][mode]`: the digit predicted for each drawing. */
  predictions: Record<string, Record<PreprocessMode, Uint8Array>>;
  /** Accuracy of each model on the original 28×28 MNIST images of the same digits (the ceiling). */
  mnistAccuracy: Record<string, number>;
  /** One row per model and mode: model, mode, correct, drawings, accuracy. */
  table: pl.DataFrame;
}

function accuracyOf(labels: Uint8Array, digits: Uint8Array): { correct: number; accuracy: number } {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === digits[i]) correct++;
  return { correct, accuracy: correct / labels.length };
}

/**
 * Runs every model on every mode's inputs and on the original MNIST images.
 *
 * @example
 * const specs = drawingSpecs(mnist.test, { count: 2000 });
 * const study = runPreprocessingStudy({ MLP: mlp, CNN: cnn }, mnist.test, prepareDrawings(mnist.test, specs));
 * study.table; // model × mode accuracy
 */
export function runPreprocessingStudy(
  models: Record<string, tf.LayersModel>,
  split: MnistSplit,
  prepared: PreparedDrawings,
): StudyResult {
  const predictions: StudyResult["predictions"] = {};
  const mnistAccuracy: Record<string, number> = {};
  const originals = new Float32Array(prepared.specs.length * PIXELS_PER_IMAGE);
  prepared.specs.forEach((spec, i) => {
    const image = imageAt(split, spec.index);
    for (let p = 0; p < PIXELS_PER_IMAGE; p++) originals[i * PIXELS_PER_IMAGE + p] = image[p] / 255;
  });
  const rows: { model: string; mode: string; correct: number; drawings: number; accuracy: number }[] = [];
  for (const [name, model] of Object.entries(models)) {
    predictions[name] = {} as Record<PreprocessMode, Uint8Array>;
    for (const mode of PREPROCESS_MODES) {
      const { digits } = predictMany(model, prepared.inputs[mode]);
      predictions[name][mode] = digits;
      const { correct, accuracy } = accuracyOf(prepared.labels, digits);
      rows.push({ model: name, mode, correct, drawings: prepared.labels.length, accuracy });
    }
    mnistAccuracy[name] = accuracyOf(prepared.labels, predictMany(model, originals).digits).accuracy;
  }
  const table = pl.DataFrame({
    model: rows.map((r) => r.model),
    mode: rows.map((r) => r.mode),
    correct: rows.map((r) => r.correct),
    drawings: rows.map((r) => r.drawings),
    accuracy: rows.map((r) => r.accuracy),
  });
  return { prepared, predictions, mnistAccuracy, table };
}

/** The accuracy table as the report would print it: one row per mode, one column per model (and MNIST's own images). */
export function accuracyTable(study: StudyResult): pl.DataFrame {
  const models = Object.keys(study.predictions);
  const columns: Record<string, (string | number)[]> = {
    [tr({ en: "preprocessing", ko: "전처리" })]: [
      ...PREPROCESS_MODES,
      tr({ en: "MNIST image itself", ko: "MNIST 이미지 그대로" }),
    ],
  };
  for (const name of models) {
    columns[name] = [
      ...PREPROCESS_MODES.map((mode) => accuracyOf(study.prepared.labels, study.predictions[name][mode]).accuracy),
      study.mnistAccuracy[name],
    ];
  }
  return pl.DataFrame(columns);
}

/** Rows for `groupedBars`: one cluster per mode, one bar per model. */
export function accuracyBars(study: StudyResult): { group: string; series: string; value: number }[] {
  return Object.keys(study.predictions).flatMap((name) =>
    PREPROCESS_MODES.map((mode) => ({
      group: mode,
      series: name,
      value: accuracyOf(study.prepared.labels, study.predictions[name][mode]).accuracy,
    }))
  );
}

/** Indices of drawings where `model` is right under some mode and wrong under another. */
export function modeDisagreements(study: StudyResult, model: string): number[] {
  const byMode = study.predictions[model];
  const out: number[] = [];
  for (let i = 0; i < study.prepared.labels.length; i++) {
    const answers = new Set(PREPROCESS_MODES.map((mode) => byMode[mode][i]));
    if (answers.size > 1) out.push(i);
  }
  return out;
}

/** A drawing made small enough to sit beside 28×28 inputs in a gallery (dark ink on white). */
function thumbnail(drawing: GreyImage): GreyImage {
  return displayTile(drawing, THUMBNAIL_SIZE);
}

/**
 * Gallery tiles for drawings where the modes disagree: per drawing the
 * drawing itself and its three 28×28 inputs (white on black, as the model
 * sees them), each captioned with the model's answer, green when right.
 */
export function disagreementTiles(
  study: StudyResult,
  split: MnistSplit,
  model: string,
  indices: number[],
): Tile[] {
  const tiles: Tile[] = [];
  for (const i of indices) {
    const spec = study.prepared.specs[i];
    const drawing = thumbnail(renderDrawing(split, spec));
    tiles.push({
      values: drawing.data,
      width: drawing.width,
      height: drawing.height,
      caption: [
        tr({ en: `drawn ${spec.label}`, ko: `그린 숫자 ${spec.label}` }),
        tr({ en: `${spec.height}px, pen ${spec.pen}`, ko: `${spec.height}px, 펜 ${spec.pen}` }),
      ],
    });
    for (const mode of PREPROCESS_MODES) {
      const digit = study.predictions[model][mode][i];
      const values = Array.from(
        study.prepared.inputs[mode].subarray(i * MODEL_PIXELS, (i + 1) * MODEL_PIXELS),
        (v) => v * 255,
      );
      tiles.push({
        values,
        width: IMAGE_SIZE,
        height: IMAGE_SIZE,
        caption: [{ text: `${mode}: ${digit}`, color: digit === spec.label ? OK_COLOR : ERROR_COLOR }],
      });
    }
  }
  return tiles;
}

/** Side of each image in the steps gallery, in gallery pixels. */
const STEP_DISPLAY_SIZE = 112;

/**
 * An image fitted into a `side`-pixel square for display: large images are
 * area-averaged down, small ones enlarged by whole pixels (hard edges, so a
 * 28×28 input shows its pixels).
 */
export function displayTile(image: GreyImage, side = STEP_DISPLAY_SIZE): GreyImage {
  const longer = Math.max(image.width, image.height);
  if (longer > side) {
    const scale = side / longer;
    return resample(
      image,
      Math.max(1, Math.round(image.width * scale)),
      Math.max(1, Math.round(image.height * scale)),
      BOX_FILTER,
    );
  }
  const factor = Math.max(1, Math.floor(side / longer));
  const out = new Uint8ClampedArray(image.width * factor * image.height * factor);
  for (let y = 0; y < image.height * factor; y++) {
    for (let x = 0; x < image.width * factor; x++) {
      out[y * image.width * factor + x] = image.data[Math.floor(y / factor) * image.width + Math.floor(x / factor)];
    }
  }
  return { width: image.width * factor, height: image.height * factor, data: out };
}

const STEP_NAMES = {
  grey: { en: "① drawn (grey)", ko: "① 흑백 변환" },
  inverted: { en: "② inverted", ko: "② 색 반전" },
  framed: { en: "③ framed", ko: "③ 자르기·패딩" },
  final: { en: "④ 28×28 input", ko: "④ 28×28 입력" },
};

/**
 * The preprocessing steps of one drawing, one row per mode (like the
 * report's "original, inverted, resized" figure), as gallery tiles.
 */
export function stepTiles(drawing: GreyImage, modes: readonly PreprocessMode[] = PREPROCESS_MODES): Tile[] {
  return modes.flatMap((mode) => {
    const { steps } = preprocess(drawing, mode);
    return (Object.keys(STEP_NAMES) as (keyof typeof STEP_NAMES)[]).map((key) => {
      const shown = displayTile(steps[key]);
      return {
        values: shown.data,
        width: shown.width,
        height: shown.height,
        caption: [`${mode} ${tr(STEP_NAMES[key])}`, `${steps[key].width}×${steps[key].height}`],
      };
    });
  });
}

/** The three recipes, one row each (for a notebook). */
export function modeTable(): pl.DataFrame {
  return pl.DataFrame({
    [tr({ en: "mode", ko: "전처리" })]: [...PREPROCESS_MODES],
    [tr({ en: "recipe", ko: "방법" })]: PREPROCESS_MODES.map((mode) => modeDescription(mode)),
  });
}
