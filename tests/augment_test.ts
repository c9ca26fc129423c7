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
  IDENTITY,
  randomTransform,
  SOURCE_001_AUGMENTATION,
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
});
