/**
 * Whether a drawing can be a digit at all: a dot (a tap, a slip of the pen)
 * or a canvas covered in ink is not, yet the model would still name a digit
 * for it, often with high confidence. The app answers "draw a digit first"
 * instead of predicting.
 *
 * @module
 */
import type { Box, GreyImage } from "./preprocess.ts";

/** The drawing's longer side must be at least this fraction of the image's longer side (a dot is not a digit). */
export const MIN_DRAWING_FRACTION = 0.1;
/** More ink than this fraction of the pixels is not a dark digit on light paper (an all-black or inverted image). */
export const MAX_INK_FRACTION = 0.6;
/** An inverted grey level from which a pixel counts as ink for the coverage (half way to black). */
const COVERAGE_LEVEL = 128;

/** Why a drawing is not read as a digit. */
export interface DrawingProblem {
  code: "empty_drawing" | "too_much_ink";
  message: string;
}

/**
 * The reason the drawing cannot be a digit, or `null` when it can be.
 *
 * @param inverted the drawing inverted (ink light on black), as preprocessing makes it
 * @param box the bounding box of its ink (`null`: no ink at all)
 */
export function drawingProblem(inverted: GreyImage, box: Box | null): DrawingProblem | null {
  const side = Math.max(inverted.width, inverted.height);
  if (box === null) return { code: "empty_drawing", message: "draw a digit first: the image has no dark pixels" };
  const width = box.right - box.left + 1, height = box.bottom - box.top + 1;
  if (Math.max(width, height) < side * MIN_DRAWING_FRACTION) {
    return {
      code: "empty_drawing",
      message:
        `draw a digit first: the drawing covers only ${width}x${height} pixels of the ${inverted.width}x${inverted.height} image (a dot?); draw the digit at least ${
          Math.ceil(side * MIN_DRAWING_FRACTION)
        } pixels tall`,
    };
  }
  let ink = 0;
  for (const level of inverted.data) if (level >= COVERAGE_LEVEL) ink++;
  const fraction = ink / inverted.data.length;
  if (fraction > MAX_INK_FRACTION) {
    return {
      code: "too_much_ink",
      message:
        `draw a digit first: ${Math.round(fraction * 100)}% of the image is dark; send a dark digit on a light ` +
        `background (a light digit on black, as MNIST stores it, must be inverted first)`,
    };
  }
  return null;
}
