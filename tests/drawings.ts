/**
 * Drawings as the app's page sends them (PNG, black strokes on white), for the app's tests.
 *
 * @module
 */
import { createCanvas } from "@napi-rs/canvas";

/** A polyline in canvas pixels (on the 280×280 page canvas). */
export type Stroke = [number, number][];

/** A 7: a top bar and a diagonal. */
export const SEVEN: Stroke[] = [[[70, 60], [210, 60], [150, 230]]];
/** A 1: one vertical bar. */
export const ONE: Stroke[] = [[[140, 40], [140, 240]]];

/**
 * A `size`×`size` canvas drawing as PNG: black strokes on white. Strokes are
 * given for a 280-pixel canvas and scaled to `size`.
 */
export function drawingPng(
  strokes: Stroke[],
  size = 280,
  lineWidth = 18,
  background = "white",
): Uint8Array<ArrayBuffer> {
  const canvas = createCanvas(size, size);
  const context = canvas.getContext("2d");
  context.fillStyle = background;
  context.fillRect(0, 0, size, size);
  context.strokeStyle = "black";
  context.lineWidth = lineWidth;
  context.lineCap = "round";
  context.lineJoin = "round";
  const scale = size / 280;
  for (const stroke of strokes) {
    context.beginPath();
    context.moveTo(stroke[0][0] * scale, stroke[0][1] * scale);
    for (const [x, y] of stroke.slice(1)) context.lineTo(x * scale, y * scale);
    context.stroke();
  }
  return new Uint8Array(canvas.toBuffer("image/png"));
}
