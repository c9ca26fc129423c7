/**
 * The tables of notebook 06 that set two models side by side on the same
 * drawings: the report's table 5.2 rates the MLP's recognition of user input
 * "good" and the CNN's "excellent" without a number; these count it, recipe
 * by recipe, drawing by drawing.
 *
 * @module
 */
import pl from "nodejs-polars";
import { MNIST_DIGIT_BOX, PREPROCESS_MODES, type PreprocessMode } from "../draw/preprocess.ts";
import type { StudyResult } from "../draw/study.ts";
import { tr } from "../i18n.ts";
import { header } from "./headers.ts";

/** A fraction as a percentage with 2 decimals: 0.9595 → "95.95%". */
function percent2(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}

/** A difference of fractions in percentage points with its sign: 0.0125 → "+1.25". */
function points(value: number): string {
  const text = (value * 100).toFixed(2);
  return value > 0 ? `+${text}` : text;
}

/**
 * Two models of a study on the same drawings, one row per recipe: each one's
 * accuracy, the difference in points, and how many drawings both read right,
 * only one of them read right, or neither.
 *
 * @example
 * sideBySideTable(study, "MLP", "CNN") // v1, v2, v3: MLP, CNN, CNN − MLP, both right, only MLP, only CNN, both wrong
 */
export function sideBySideTable(study: StudyResult, first: string, second: string): pl.DataFrame {
  for (const name of [first, second]) {
    if (!study.predictions[name]) {
      throw new RangeError(`the study has no model '${name}'; it has ${Object.keys(study.predictions).join(", ")}`);
    }
  }
  const labels = study.prepared.labels;
  const rows = PREPROCESS_MODES.map((mode) => {
    const a = study.predictions[first][mode], b = study.predictions[second][mode];
    const counts = { both: 0, onlyFirst: 0, onlySecond: 0, neither: 0 };
    for (let i = 0; i < labels.length; i++) {
      const rightA = a[i] === labels[i], rightB = b[i] === labels[i];
      if (rightA && rightB) counts.both++;
      else if (rightA) counts.onlyFirst++;
      else if (rightB) counts.onlySecond++;
      else counts.neither++;
    }
    const accuracyA = (counts.both + counts.onlyFirst) / labels.length;
    const accuracyB = (counts.both + counts.onlySecond) / labels.length;
    return { mode, accuracyA, accuracyB, ...counts };
  });
  // the Korean words of table 5.1's agreement table (src/tables/comparison.ts)
  return pl.DataFrame({
    [header("preprocessing")]: rows.map((r) => r.mode),
    [first]: rows.map((r) => percent2(r.accuracyA)),
    [second]: rows.map((r) => percent2(r.accuracyB)),
    [tr({ en: `${second} − ${first} (points)`, ko: `${second} − ${first} (%p)` })]: rows.map((r) =>
      points(r.accuracyB - r.accuracyA)
    ),
    [tr({ en: "both right", ko: "둘 다 맞음" })]: rows.map((r) => r.both),
    [tr({ en: `only ${first} right`, ko: `${first}만 맞음` })]: rows.map((r) => r.onlyFirst),
    [tr({ en: `only ${second} right`, ko: `${second}만 맞음` })]: rows.map((r) => r.onlySecond),
    [tr({ en: "both wrong", ko: "둘 다 틀림" })]: rows.map((r) => r.neither),
  });
}

/**
 * Every model of a study on the drawings under each recipe and on the MNIST
 * images of the same digits, as percentages (the study's accuracy table as the
 * report prints accuracies).
 */
export function drawingAccuracyTable(study: StudyResult): pl.DataFrame {
  const labels = study.prepared.labels;
  const accuracy = (digits: Uint8Array) => digits.filter((d, i) => d === labels[i]).length / labels.length;
  const columns: Record<string, string[]> = {
    [header("preprocessing")]: [...PREPROCESS_MODES, tr({ en: "MNIST image itself", ko: "MNIST 이미지 그대로" })],
  };
  for (const [name, byMode] of Object.entries(study.predictions)) {
    columns[name] = [
      ...PREPROCESS_MODES.map((mode) => percent2(accuracy(byMode[mode]))),
      percent2(study.mnistAccuracy[name]),
    ];
  }
  return pl.DataFrame(columns);
}

/** Where the pen-width groups of {@link penWidthTable} start, in pixels of the 28×28 input (MNIST's strokes are about 2.5). */
export const PEN_WIDTH_GROUPS = [0, 1.5, 2.5] as const;

/**
 * The pen's width as it reaches the model: the drawing's pen scaled as v3
 * scales the digit's height into MNIST's 20-pixel box, in pixels of the 28×28 input.
 */
export function penInInput(spec: { pen: number; height: number }): number {
  return (spec.pen * MNIST_DIGIT_BOX) / spec.height;
}

/**
 * Each model's accuracy under one recipe, by how wide the pen was: thin pens
 * (under 1.5 pixels in the 28×28 input), pens like MNIST's, and fat ones.
 */
export function penWidthTable(study: StudyResult, mode: PreprocessMode = "v3"): pl.DataFrame {
  const { specs, labels } = study.prepared;
  const groupOf = (width: number) => PEN_WIDTH_GROUPS.findLastIndex((start) => width >= start);
  const names = PEN_WIDTH_GROUPS.map((start, g) =>
    g === 0
      ? tr({ en: `under ${PEN_WIDTH_GROUPS[1]} px`, ko: `${PEN_WIDTH_GROUPS[1]} px 미만` })
      : g === PEN_WIDTH_GROUPS.length - 1
      ? tr({ en: `${start} px and wider`, ko: `${start} px 이상` })
      : tr({ en: `${start} to ${PEN_WIDTH_GROUPS[g + 1]} px`, ko: `${start}~${PEN_WIDTH_GROUPS[g + 1]} px` })
  );
  const groups = specs.map((spec) => groupOf(penInInput(spec)));
  const columns: Record<string, (string | number)[]> = {
    [tr({ en: "pen in the 28×28 input", ko: "28×28 입력에서의 펜 굵기" })]: names,
    [header("drawings")]: names.map((_, g) => groups.filter((x) => x === g).length),
  };
  for (const [name, byMode] of Object.entries(study.predictions)) {
    columns[name] = names.map((_, g) => {
      let right = 0, total = 0;
      groups.forEach((x, i) => {
        if (x !== g) return;
        total++;
        if (byMode[mode][i] === labels[i]) right++;
      });
      return total === 0 ? "–" : percent2(right / total);
    });
  }
  return pl.DataFrame(columns);
}
