/**
 * The training data of source 001's extensions and source 003's missing `/ 255`
 * on real MNIST: a seeded random share of the 8s removed (and nothing else),
 * augmentation of some digits only, and raw grey levels through the tensors
 * and the evaluation.
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { classCounts, loadMnist, PIXELS_PER_IMAGE } from "../src/data/mnist.ts";
import { sliceSplit } from "../src/data/splits.ts";
import { removeRandomShare, SOURCE_001_REDUCTION } from "../src/data/rebalance.ts";
import { augmentSplit, SOURCE_001_AUGMENTATION } from "../src/data/augment.ts";
import { imageTensor, oneHotTensor } from "../src/data/tensors.ts";
import { evaluateModel } from "../src/evaluate.ts";
import { createWideMlp } from "../src/models/presets.ts";
import { createRng } from "../src/random.ts";

const mnist = await loadMnist();

Deno.test("removeRandomShare drops a seeded 10-20% of the 8s, nothing else, and keeps the order", () => {
  const { split, fraction, removed, before, after } = removeRandomShare(mnist.train, SOURCE_001_REDUCTION, 1234);
  const counts = classCounts(mnist.train);
  assert(fraction >= 0.1 && fraction <= 0.2, `fraction ${fraction}`);
  assertEquals(before, counts[8]);
  assertEquals(removed.length, Math.floor(counts[8] * fraction));
  assertEquals(after, counts[8] - removed.length);
  assert(removed.every((i) => mnist.train.labels[i] === 8), "only 8s are removed");
  assertEquals(split.count, mnist.train.count - removed.length);
  const left = classCounts(split);
  for (let d = 0; d < 10; d++) assertEquals(left[d], d === 8 ? after : counts[d], `digit ${d}`);
  // the images that stay are the originals, in their order
  const gone = new Set(removed);
  const kept = [...Array(mnist.train.count).keys()].filter((i) => !gone.has(i));
  const bytes = (s: typeof split, i: number) => s.images.subarray(i * PIXELS_PER_IMAGE, (i + 1) * PIXELS_PER_IMAGE);
  for (let k = 0; k < split.count; k += 997) {
    assertEquals(Array.from(bytes(split, k)), Array.from(bytes(mnist.train, kept[k])), `image ${k}`);
    assertEquals(split.labels[k], mnist.train.labels[kept[k]]);
  }
  // seeded: the same seed removes the same images, another seed others
  assertEquals(removeRandomShare(mnist.train, SOURCE_001_REDUCTION, 1234).removed, removed);
  const other = removeRandomShare(mnist.train, SOURCE_001_REDUCTION, 7);
  assert(other.removed.join() !== removed.join());
});

Deno.test("removeRandomShare: a fixed share, and bad settings fail with what to do", () => {
  const part = sliceSplit(mnist.train, 0, 1000);
  const half = removeRandomShare(part, { digit: 3, minFraction: 0.5, maxFraction: 0.5 }, 1);
  assertEquals(half.removed.length, Math.floor(classCounts(part)[3] / 2));
  assertThrows(() => removeRandomShare(part, { digit: 10, minFraction: 0.1, maxFraction: 0.2 }, 1), RangeError, "0-9");
  assertThrows(
    () => removeRandomShare(part, { digit: 8, minFraction: 0.3, maxFraction: 0.2 }, 1),
    RangeError,
    "minFraction <= maxFraction",
  );
});

Deno.test("augmenting only 0, 6 and 9 changes their images and copies every other one as it was", () => {
  const part = sliceSplit(mnist.train, 0, 600);
  const copy = augmentSplit(part, createRng(5), { ...SOURCE_001_AUGMENTATION, digits: [0, 6, 9] });
  let changed = 0;
  for (let i = 0; i < part.count; i++) {
    const a = part.images.subarray(i * PIXELS_PER_IMAGE, (i + 1) * PIXELS_PER_IMAGE);
    const b = copy.images.subarray(i * PIXELS_PER_IMAGE, (i + 1) * PIXELS_PER_IMAGE);
    const same = a.every((v, p) => v === b[p]);
    if ([0, 6, 9].includes(part.labels[i])) changed += same ? 0 : 1;
    else assert(same, `image ${i} (a ${part.labels[i]}) was changed`);
  }
  const chosen = Array.from(part.labels).filter((l) => [0, 6, 9].includes(l)).length;
  assert(changed > chosen * 0.9, `${changed} of ${chosen} images of 0, 6 and 9 changed`);
  assertEquals(Array.from(copy.labels), Array.from(part.labels));
  assertThrows(
    () => augmentSplit(part, createRng(5), { ...SOURCE_001_AUGMENTATION, digits: [11] }),
    RangeError,
    "digits 0-9",
  );
});

Deno.test("raw pixels: the tensor keeps 0-255, and evaluateModel feeds a raw model raw images", () => {
  const part = sliceSplit(mnist.test, 0, 200);
  const raw = imageTensor(part, [28, 28], "raw");
  const scaled = imageTensor(part, [28, 28]);
  assertEquals(raw.max().dataSync()[0], 255);
  assertEquals(scaled.max().dataSync()[0], 1);
  const model = createWideMlp(3);
  const y = oneHotTensor(part);
  const [loss, accuracy] = (model.evaluate(raw, y) as tf.Scalar[]).map((t) => t.dataSync()[0]);
  const evaluation = evaluateModel(model, part, { pixels: "raw" });
  assertEquals([evaluation.loss, evaluation.accuracy], [loss, accuracy]);
  // the same untrained model on scaled images gives another loss: the scale reaches the model
  assert(evaluateModel(model, part).loss !== loss);
  tf.dispose([raw, scaled, y]);
  model.dispose();
});
