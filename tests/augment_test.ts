/**
 * Data augmentation (src/data/augment.ts) on real MNIST digits: the identity
 * changes nothing, whole-pixel shifts move the digit, rotations and zooms keep
 * the ink near where it was, seeds give the same copy, and bad ranges fail
 * with a message.
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { imageAt, loadMnist, PIXELS_PER_IMAGE } from "../src/data/mnist.ts";
import { sliceSplit } from "../src/data/splits.ts";
import {
  augmentSplit,
  DRAWING_AUGMENTATION,
  IDENTITY,
  PEN_SUPERSAMPLING,
  randomTransform,
  SOURCE_001_AUGMENTATION,
  type Transform,
  transformImage,
} from "../src/data/augment.ts";
import { createRng } from "../src/random.ts";

const mnist = await loadMnist();
const digit = imageAt(mnist.train, 0); // a 5

/** Centre of mass of the ink (column, row). */
function centre(image: ArrayLike<number>): [number, number] {
  let sum = 0, cx = 0, cy = 0;
  for (let i = 0; i < PIXELS_PER_IMAGE; i++) {
    sum += image[i];
    cx += image[i] * (i % 28);
    cy += image[i] * Math.floor(i / 28);
  }
  return [cx / sum, cy / sum];
}

Deno.test("augment: the identity transform returns the image unchanged", () => {
  const out = new Uint8Array(PIXELS_PER_IMAGE);
  transformImage(digit, out, IDENTITY);
  assertEquals(Array.from(out), Array.from(digit));
});

Deno.test("augment: a shift of 2 pixels moves every pixel by 2 (the digit moves against the shift)", () => {
  const out = new Uint8Array(PIXELS_PER_IMAGE);
  transformImage(digit, out, { ...IDENTITY, shiftX: 2, shiftY: -1 });
  for (let row = 0; row < 28; row++) {
    for (let col = 0; col < 28; col++) {
      const srcRow = Math.min(27, Math.max(0, row - 1)), srcCol = Math.min(27, col + 2);
      assertEquals(out[row * 28 + col], digit[srcRow * 28 + srcCol], `pixel (${row}, ${col})`);
    }
  }
});

Deno.test("augment: a 90° rotation turns the digit about the centre", () => {
  const out = new Uint8Array(PIXELS_PER_IMAGE);
  transformImage(digit, out, { ...IDENTITY, angle: 90 });
  // output (row, col) reads input (row', col') = (col, 27 − row) for a quarter turn about 13.5
  for (let row = 0; row < 28; row++) {
    for (let col = 0; col < 28; col++) assertEquals(out[row * 28 + col], digit[col * 28 + (27 - row)]);
  }
});

Deno.test("augment: source 001's ranges keep the ink near where it was and its total about the same", () => {
  const rng = createRng(1);
  const [cx, cy] = centre(digit);
  const ink = digit.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(PIXELS_PER_IMAGE);
  for (let i = 0; i < 50; i++) {
    const t = randomTransform(rng, SOURCE_001_AUGMENTATION);
    assert(Math.abs(t.angle) <= 5 && Math.abs(t.zoomX - 1) <= 0.05 && Math.abs(t.shiftX) <= 1.4, JSON.stringify(t));
    transformImage(digit, out, t);
    const [x, y] = centre(out);
    assert(Math.hypot(x - cx, y - cy) < 3, `centre moved from (${cx}, ${cy}) to (${x}, ${y})`);
    const total = out.reduce((a, b) => a + b, 0);
    assert(Math.abs(total / ink - 1) < 0.15, `ink ${total} against ${ink}`);
  }
});

Deno.test("augment: the same seed gives the same copy, another seed another; labels are kept", () => {
  const split = sliceSplit(mnist.train, 0, 200);
  const a = augmentSplit(split, createRng(7), SOURCE_001_AUGMENTATION);
  const b = augmentSplit(split, createRng(7), SOURCE_001_AUGMENTATION);
  const c = augmentSplit(split, createRng(8), SOURCE_001_AUGMENTATION);
  assertEquals(a.count, 200);
  assertEquals(Array.from(a.labels), Array.from(split.labels));
  assertEquals(a.images, b.images);
  assert(a.images.some((v, i) => v !== c.images[i]), "another seed, another copy");
  assert(a.images.some((v, i) => v !== split.images[i]), "the copy differs from the original");
  assert(split.images.every((v, i) => v === mnist.train.images[i]), "the original is untouched");
});

Deno.test("augment: out-of-range settings fail with a message naming the setting", () => {
  const split = sliceSplit(mnist.train, 0, 2);
  assertThrows(() => augmentSplit(split, createRng(1), { rotation: -1, zoom: 0, shift: 0 }), RangeError, "rotation");
  assertThrows(() => augmentSplit(split, createRng(1), { rotation: 5, zoom: 2, shift: 0 }), RangeError, "zoom");
  assertThrows(() => augmentSplit(split, createRng(1), { rotation: 5, zoom: 0, shift: NaN }), RangeError, "shift");
  assertThrows(
    () => augmentSplit(split, createRng(1), { rotation: 5, zoom: 0, shift: 0, stroke: 0.6 }),
    RangeError,
    "stroke must be a number from 0 to 0.45",
  );
});

/** Ink: the sum of the grey levels. */
const inkOf = (image: ArrayLike<number>) => Array.from(image).reduce((a, b) => a + b, 0);

/** The pen transform written plainly: every pixel the mean of its 4×4 samples, each bilinear, cut, clamped. */
function penReference(src: ArrayLike<number>, t: Transform): Float32Array {
  const n = 28, c = 13.5, k = PEN_SUPERSAMPLING, rad = (t.angle * Math.PI) / 180;
  const clamp = (v: number) => Math.min(Math.max(v, 0), n - 1);
  const out = new Float32Array(n * n);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      let sum = 0;
      for (let sy = 0; sy < k; sy++) {
        for (let sx = 0; sx < k; sx++) {
          const x = (col - 0.5 + (sx + 0.5) / k - c) * t.zoomX, y = (row - 0.5 + (sy + 0.5) / k - c) * t.zoomY;
          const px = clamp(Math.cos(rad) * x - Math.sin(rad) * y + c + t.shiftX);
          const py = clamp(Math.sin(rad) * x + Math.cos(rad) * y + c + t.shiftY);
          const x0 = Math.floor(px), y0 = Math.floor(py), x1 = Math.min(x0 + 1, n - 1), y1 = Math.min(y0 + 1, n - 1);
          const fx = px - x0, fy = py - y0;
          const v = (src[y0 * n + x0] * (1 - fx) + src[y0 * n + x1] * fx) * (1 - fy) +
            (src[y1 * n + x0] * (1 - fx) + src[y1 * n + x1] * fx) * fy;
          sum += Math.min(Math.max((v - t.cut! * 255) / (0.1 * 255) + 0.5, 0), 1);
        }
      }
      out[row * n + col] = (sum / (k * k)) * 255;
    }
  }
  return out;
}

Deno.test("augment: the pen: a high cut thins the stroke, a low one thickens it, the digit stays where it was", () => {
  const thin = new Uint8Array(PIXELS_PER_IMAGE), usual = new Uint8Array(PIXELS_PER_IMAGE);
  const fat = new Uint8Array(PIXELS_PER_IMAGE);
  transformImage(digit, thin, { ...IDENTITY, cut: 0.9 });
  transformImage(digit, usual, { ...IDENTITY, cut: 0.5 });
  transformImage(digit, fat, { ...IDENTITY, cut: 0.1 });
  const original = inkOf(digit);
  assert(inkOf(thin) < 0.75 * original && inkOf(fat) > 1.25 * original, `${inkOf(thin)} ${original} ${inkOf(fat)}`);
  assert(Math.abs(inkOf(usual) / original - 1) < 0.2, `cut 0.5: ink ${inkOf(usual)} against ${original}`);
  for (const image of [thin, usual, fat]) {
    const [x, y] = centre(image), [cx, cy] = centre(digit);
    assert(Math.hypot(x - cx, y - cy) < 1, `centre (${x}, ${y}) against (${cx}, ${cy})`);
    assertEquals(Math.max(...image), 255, "the stroke's core is full ink, as a pen's");
  }
});

Deno.test("augment: the pen's shortcut over blank background gives exactly the plain 16-sample average", () => {
  const rng = createRng(3);
  for (let i = 0; i < 20; i++) {
    const image = imageAt(mnist.train, i);
    const t = randomTransform(rng, { rotation: 30, zoom: 0.3, shift: 0.1, stroke: 0.45 });
    const fast = new Float32Array(PIXELS_PER_IMAGE);
    transformImage(image, fast, t);
    const plain = penReference(image, t);
    for (let p = 0; p < PIXELS_PER_IMAGE; p++) {
      assert(Math.abs(fast[p] - plain[p]) < 1e-3, `image ${i}, pixel ${p}: ${fast[p]} against ${plain[p]}`);
    }
  }
});

Deno.test("augment: without a pen setting the draws are the five they always were (older runs keep their copies)", () => {
  const a = createRng(9), b = createRng(9);
  const plain = randomTransform(a, SOURCE_001_AUGMENTATION);
  assertEquals("cut" in plain, false);
  for (let i = 0; i < 5; i++) b();
  assertEquals(a(), b());
  const pen = randomTransform(createRng(9), DRAWING_AUGMENTATION);
  assertEquals({ ...pen, cut: undefined }, { ...plain, cut: undefined });
  assert(pen.cut! >= 0.05 && pen.cut! <= 0.95, String(pen.cut));
});
