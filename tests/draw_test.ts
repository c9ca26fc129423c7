import { createCanvas } from "@napi-rs/canvas";
import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import {
  boundingBox,
  BOX_FILTER,
  centreOfMass,
  fitInBox,
  type GreyImage,
  MNIST_DIGIT_BOX,
  MODEL_IMAGE_SIZE,
  padToSquare,
  preprocess,
  PREPROCESS_MODES,
  resample,
  toGrey,
} from "../src/draw/preprocess.ts";
import { decodePng, encodePng, ImageInputError, MAX_PNG_BYTES } from "../src/draw/png.ts";
import { CANVAS_SIZE, drawingSpecs, renderDrawing } from "../src/draw/drawing_set.ts";
import { loadMnist } from "../src/data/mnist.ts";

/** A white `width`×`height` canvas (grey, dark ink on light paper) with black rectangles. */
function paper(width: number, height: number, rects: [number, number, number, number][] = []): GreyImage {
  const data = new Uint8ClampedArray(width * height).fill(255);
  for (const [left, top, w, h] of rects) {
    for (let y = top; y < top + h; y++) for (let x = left; x < left + w; x++) data[y * width + x] = 0;
  }
  return { width, height, data };
}

function sum(image: GreyImage): number {
  return image.data.reduce((a, b) => a + b, 0);
}

Deno.test("bounding box: the smallest box around the ink, null without ink", () => {
  const inverted: GreyImage = { width: 10, height: 8, data: new Uint8ClampedArray(80) };
  inverted.data[2 * 10 + 3] = 1;
  inverted.data[6 * 10 + 7] = 200;
  assertEquals(boundingBox(inverted), { top: 2, left: 3, bottom: 6, right: 7 });
  assertEquals(boundingBox({ width: 4, height: 4, data: new Uint8ClampedArray(16) }), null);
  const result = preprocess(paper(280, 280, [[40, 100, 30, 120]]), "v2");
  assertEquals(result.box, { top: 100, left: 40, bottom: 219, right: 69 });
});

Deno.test("v2 padding: side max(h, w), int(side * 0.2) on each side, crop centred", () => {
  const crop: GreyImage = { width: 30, height: 120, data: new Uint8ClampedArray(30 * 120).fill(255) };
  const padded = padToSquare(crop);
  assertEquals([padded.width, padded.height], [120 + 2 * 24, 120 + 2 * 24]);
  assertEquals(boundingBox(padded), { top: 24, left: 69, bottom: 143, right: 98 }); // (168 - 30) // 2 = 69
  const odd = padToSquare({ width: 7, height: 7, data: new Uint8ClampedArray(49).fill(9) });
  assertEquals(odd.width, 7 + 2 * 1); // int(7 * 0.2) = 1
  const result = preprocess(paper(280, 280, [[40, 100, 30, 120]]), "v2");
  assertEquals(result.steps.framed.width, 168);
  // the 30x120 bar keeps its proportions: 28 * 120/168 = 20 rows tall, centred
  const finalBox = boundingBox(result.steps.final, 127)!;
  assertEquals(finalBox.bottom - finalBox.top + 1, 20);
  assertAlmostEquals((finalBox.top + finalBox.bottom) / 2, 13.5, 0.5);
  assertAlmostEquals((finalBox.left + finalBox.right) / 2, 13.5, 0.5);
});

Deno.test("v3: fitted into 20x20 keeping the aspect ratio, centre of mass at the centre", () => {
  assertEquals(fitInBox(30, 120), { width: 5, height: 20 });
  assertEquals(fitInBox(200, 50), { width: 20, height: 5 });
  // an L shape: its centre of mass is off its box centre, so v3 shifts it
  const drawing = paper(280, 280, [[20, 20, 20, 150], [20, 150, 100, 20]]);
  const result = preprocess(drawing, "v3");
  assertEquals(Math.max(result.steps.framed.width, result.steps.framed.height), MNIST_DIGIT_BOX);
  const com = centreOfMass(result.steps.final)!;
  assertAlmostEquals(com.x, MODEL_IMAGE_SIZE / 2, 0.5);
  assertAlmostEquals(com.y, MODEL_IMAGE_SIZE / 2, 0.5);
  // v2 centres the box instead, so its centre of mass is off-centre
  const v2 = centreOfMass(preprocess(drawing, "v2").steps.final)!;
  assert(Math.abs(v2.x - 14) > 1.5, `v2's centre of mass x ${v2.x} should be left of the centre`);
});

Deno.test("empty canvas: 'draw a digit first', no input", () => {
  for (const mode of PREPROCESS_MODES) {
    const result = preprocess(paper(280, 280), mode);
    assertEquals(result.empty, true);
    assertEquals(result.box, null);
    assertEquals(result.input.length, 784);
    assert(result.input.every((v) => v === 0));
  }
  // an untouched HTML canvas is transparent black: that is empty paper, not ink
  const transparent = { width: 280, height: 280, data: new Uint8ClampedArray(280 * 280 * 4) };
  assertEquals(preprocess(transparent, "v3").empty, true);
});

Deno.test("one pixel: v1 keeps a faint dot, v2 and v3 blow it up", () => {
  const dot = paper(280, 280, [[140, 140, 1, 1]]);
  const v1 = preprocess(dot, "v1");
  assertEquals(v1.empty, false);
  assert(sum(v1.steps.final) > 0 && Math.max(...v1.steps.final.data) < 10, "v1 shrinks a dot to almost nothing");
  const v2 = preprocess(dot, "v2");
  assertEquals([v2.steps.framed.width, v2.steps.framed.height], [1, 1]); // int(1 * 0.2) = 0 padding
  assert(v2.steps.final.data.every((v) => v === 255), "the report's v2 fills the whole 28x28 with one dot");
  const v3 = preprocess(dot, "v3");
  assertEquals(boundingBox(v3.steps.final), { top: 4, left: 4, bottom: 23, right: 23 });
});

Deno.test("full canvas: all ink stays inside the frame", () => {
  const full = paper(280, 280, [[0, 0, 280, 280]]);
  const v1 = preprocess(full, "v1");
  assert(v1.steps.final.data.every((v) => v === 255));
  const v2 = preprocess(full, "v2");
  assertEquals(v2.steps.framed.width, 280 + 2 * 56);
  const box2 = boundingBox(v2.steps.final, 127)!;
  assertEquals([box2.top, box2.left, box2.bottom, box2.right], [4, 4, 23, 23]);
  const v3 = preprocess(full, "v3");
  assertEquals(boundingBox(v3.steps.final), { top: 4, left: 4, bottom: 23, right: 23 });
});

Deno.test("non-square and tiny drawings", () => {
  const wide = paper(400, 100, [[10, 40, 380, 12]]);
  const v3 = preprocess(wide, "v3");
  assertEquals([v3.steps.framed.width, v3.steps.framed.height], [20, 1]);
  const v2 = preprocess(wide, "v2");
  assertEquals(v2.steps.framed.width, v2.steps.framed.height);
  const v1 = preprocess(wide, "v1"); // squashed: 400x100 becomes 28x28
  assertEquals([v1.steps.final.width, v1.steps.final.height], [28, 28]);
  const tiny = paper(280, 280, [[200, 30, 3, 5]]);
  for (const mode of PREPROCESS_MODES) {
    const result = preprocess(tiny, mode);
    assertEquals(result.empty, false);
    assert(result.input.every((v) => v >= 0 && v <= 1));
  }
  assertEquals(preprocess(tiny, "v3").steps.framed.height, 20);
  const small = preprocess(paper(3, 3, [[1, 1, 1, 1]]), "v1");
  assertEquals(small.steps.final.width, 28);
});

Deno.test("resampling: constants stay constant, shrinking averages, RGBA equals grey", () => {
  const flat: GreyImage = { width: 97, height: 53, data: new Uint8ClampedArray(97 * 53).fill(77) };
  for (const size of [[28, 28], [200, 10], [5, 300]]) {
    assert(resample(flat, size[0], size[1]).data.every((v) => v === 77));
  }
  const blocks = paper(280, 280, [[0, 0, 140, 280]]);
  const small = resample(blocks, 28, 28, BOX_FILTER);
  assertEquals(small.data[0], 0);
  assertEquals(small.data[27], 255);
  const rgba = { width: 280, height: 280, data: new Uint8ClampedArray(280 * 280 * 4) };
  const grey = paper(280, 280, [[50, 60, 70, 80]]);
  grey.data.forEach((v, i) => {
    rgba.data.set([v, v, v, 255], 4 * i);
  });
  assertEquals(toGrey(rgba).data, grey.data);
  assertEquals(preprocess(rgba, "v2").input, preprocess(grey, "v2").input);
  assertThrows(() => preprocess(grey, "v4" as never), RangeError, "v1, v2, v3");
  assertThrows(() => preprocess({ width: 10, height: 10, data: new Uint8ClampedArray(7) }, "v1"), RangeError);
});

Deno.test("PNG: a canvas drawing decodes; bad inputs are refused with a reason", async () => {
  const canvas = createCanvas(280, 280);
  const context = canvas.getContext("2d");
  context.fillStyle = "white";
  context.fillRect(0, 0, 280, 280);
  context.strokeStyle = "black";
  context.lineWidth = 18;
  context.beginPath();
  context.moveTo(140, 40);
  context.lineTo(140, 240);
  context.stroke();
  const png = new Uint8Array(canvas.toBuffer("image/png"));
  const image = await decodePng(png);
  assertEquals([image.width, image.height, image.data.length], [280, 280, 280 * 280 * 4]);
  const result = preprocess(image, "v3");
  assertEquals(result.empty, false);
  const code = async (bytes: Uint8Array, limits = {}) =>
    ((await assertRejects(() => decodePng(bytes, limits), ImageInputError)) as ImageInputError).code;
  assertEquals(await code(new Uint8Array(0)), "empty_body");
  assertEquals(await code(new TextEncoder().encode("GIF89a...")), "not_png");
  assertEquals(await code(png.slice(0, png.length - 20)), "malformed_png");
  const damaged = png.slice();
  damaged[60] ^= 0xff;
  assertEquals(await code(damaged), "malformed_png");
  assertEquals(await code(new Uint8Array(MAX_PNG_BYTES + 1)), "too_many_bytes");
  assertEquals(await code(encodePng(paper(5000, 2))), "too_many_pixels");
  assertEquals(await code(png, { maxPixels: 1000 }), "too_many_pixels");
});

Deno.test("drawing set: seeded, canvas-like, labelled by MNIST", async () => {
  const { test } = await loadMnist();
  const a = drawingSpecs(test, { count: 50, seed: 7 });
  assertEquals(a, drawingSpecs(test, { count: 50, seed: 7 }));
  assert(JSON.stringify(a) !== JSON.stringify(drawingSpecs(test, { count: 50, seed: 8 })));
  assertEquals(new Set(a.map((s) => s.index)).size, 50);
  for (const spec of a.slice(0, 10)) {
    assertEquals(spec.label, test.labels[spec.index]);
    const drawing = renderDrawing(test, spec);
    assertEquals([drawing.width, drawing.height], [CANVAS_SIZE, CANVAS_SIZE]);
    // white paper at the corners, black ink somewhere, nothing touching the edge
    assertEquals(drawing.data[0], 255);
    assert(Math.min(...drawing.data) === 0);
    const box = boundingBox({ ...drawing, data: drawing.data.map((v) => 255 - v) })!;
    assert(box.top >= 1 && box.left >= 1 && box.bottom < CANVAS_SIZE - 1 && box.right < CANVAS_SIZE - 1);
    assertEquals(preprocess(drawing, "v3").empty, false);
  }
  assertThrows(() => drawingSpecs(test, { count: 0 }), RangeError);
});
