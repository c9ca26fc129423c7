/**
 * Which logged predictions answered the same drawing: the predictions of
 * several models for one drawing, so that the log report can say how often
 * the models agreed and which was right when they did not.
 *
 * Two predictions are of one drawing when
 * - both carry the same `drawing` id (a view that asks several models at once
 *   writes one), in the same preprocessing mode; or, for predictions without one,
 * - their 28×28 inputs are identical, in the same mode, and they were made
 *   within {@link SAME_DRAWING_WINDOW_MS} of each other (a user who presses
 *   Predict with the MLP, switches to the CNN and presses it again on the same
 *   canvas). Two different drawings practically never give the same 784 grey
 *   levels; the time window keeps a digit drawn again days later apart all the same.
 *
 * A label is what the user meant by the drawing, so a label given to one
 * model's answer holds for the other models' answers to the same drawing:
 * {@link groupDrawings} carries it to the latest answer of each model that
 * has none (not to a model's repeated answers, which would count one drawing
 * twice).
 *
 * @module
 */
import type { LoggedPrediction } from "./log.ts";

/** Predictions with identical inputs this close in time are one drawing (10 minutes). */
export const SAME_DRAWING_WINDOW_MS = 10 * 60 * 1000;

/** One drawing and every prediction made of it. */
export interface DrawingGroup {
  /** The predictions of this drawing, in log order. */
  predictions: LoggedPrediction[];
  /** The latest prediction of each model (a model asked twice answers the same), by model name. */
  byModel: Map<string, LoggedPrediction>;
  /** What the user meant, when any of its predictions is labelled (the last labelled one in log order). */
  label: number | null;
}

/** The log's predictions gathered by drawing, with labels carried over. */
export interface Drawings {
  /** Every prediction, in log order, labelled where its drawing is (copies: the log's contents are not changed). */
  predictions: LoggedPrediction[];
  /** Every drawing, in the order of its first prediction. */
  groups: DrawingGroup[];
  /** How many predictions got their label from another model's answer to the same drawing. */
  labelsCarried: number;
}

/** FNV-1a over the grey levels: a quick key under which identical inputs meet (equality is still checked). */
function inputHash(input: number[]): number {
  let hash = 0x811c9dc5;
  for (const value of input) {
    hash ^= value;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function sameInput(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Gathers predictions by drawing (see the module comment) and carries each
 * drawing's label to the latest answer of each model with no labelled answer
 * to it. A prediction that was labelled itself keeps its own label.
 */
export function groupDrawings(logged: LoggedPrediction[]): Drawings {
  const groups: (DrawingGroup & { lastTime: number })[] = [];
  const byDrawingId = new Map<string, DrawingGroup & { lastTime: number }>();
  const byInput = new Map<string, (DrawingGroup & { lastTime: number })[]>();
  for (const prediction of logged) {
    const time = Date.parse(prediction.time);
    let group: (DrawingGroup & { lastTime: number }) | undefined;
    if (prediction.drawing !== undefined) {
      const key = `${prediction.drawing}|${prediction.mode}`;
      group = byDrawingId.get(key);
      if (!group) {
        group = { predictions: [], byModel: new Map(), label: null, lastTime: time };
        byDrawingId.set(key, group);
        groups.push(group);
      }
    } else {
      const key = `${inputHash(prediction.input)}|${prediction.mode}`;
      const candidates = byInput.get(key) ?? [];
      // the latest drawing with this input, when it is recent enough
      group = candidates.findLast((g) =>
        Math.abs(time - g.lastTime) <= SAME_DRAWING_WINDOW_MS && sameInput(g.predictions[0].input, prediction.input)
      );
      if (!group) {
        group = { predictions: [], byModel: new Map(), label: null, lastTime: time };
        candidates.push(group);
        byInput.set(key, candidates);
        groups.push(group);
      }
    }
    group.predictions.push(prediction);
    group.lastTime = Math.max(group.lastTime, time);
    if (prediction.label !== null) group.label = prediction.label;
  }

  const predictions: LoggedPrediction[] = [];
  const carried = new Map<LoggedPrediction, LoggedPrediction>();
  let labelsCarried = 0;
  for (const group of groups) {
    if (group.label === null) continue;
    const latest = new Map<string, LoggedPrediction>();
    for (const p of group.predictions) latest.set(p.model, p);
    for (const [model, p] of latest) {
      // a model's own label stands; a model asked twice (the same answer) is not counted twice
      if (group.predictions.some((q) => q.model === model && q.label !== null)) continue;
      carried.set(p, { ...p, label: group.label });
      labelsCarried++;
    }
  }
  const copy = (p: LoggedPrediction) => carried.get(p) ?? p;
  for (const p of logged) predictions.push(copy(p));
  const result: DrawingGroup[] = groups.map((g) => {
    const members = g.predictions.map(copy);
    const byModel = new Map<string, LoggedPrediction>();
    for (const p of members) byModel.set(p.model, p);
    return { predictions: members, byModel, label: g.label };
  });
  return { predictions, groups: result, labelsCarried };
}
