import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { join } from "node:path";
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { type MnistSplit, PIXELS_PER_IMAGE } from "../src/data/mnist.ts";
import { Figure, hconcat, JUPYTER_DISPLAY, PNG_SIGNATURE, PngImage } from "../src/plots/figure.ts";
import {
  classCountChart,
  compareCurves,
  confusionMatrixChart,
  greyLevelCounts,
  groupedBars,
  learningCurves,
  pixelHistogram,
} from "../src/plots/charts.ts";
import {
  comparisonGrid,
  digitGrid,
  featureMapGrid,
  filterGrid,
  imageGrid,
  meanImagesByClass,
  pixelValueHeatmap,
  predictionGrid,
} from "../src/plots/digits.ts";

/** How many times `needle` occurs in `text`. */
function count(text: string, needle: string | RegExp): number {
  return (text.match(needle instanceof RegExp ? new RegExp(needle, "g") : new RegExp(escape(needle), "g")) ?? [])
    .length;
}
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
function isPng(bytes: Uint8Array): boolean {
  return PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** A tiny split: `count` images whose pixels all equal `fill(i)`, with labels `label(i)`. */
function syntheticSplit(n: number, fill: (i: number) => number, label: (i: number) => number): MnistSplit {
  const images = new Uint8Array(n * PIXELS_PER_IMAGE);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    images.fill(fill(i), i * PIXELS_PER_IMAGE, (i + 1) * PIXELS_PER_IMAGE);
    labels[i] = label(i);
  }
  return { images, labels, count: n };
}

const history = pl.DataFrame({
  epoch: [1, 2, 3],
  loss: [0.4, 0.2, 0.1],
  accuracy: [0.9, 0.95, 0.97],
  val_loss: [0.3, 0.25, 0.2],
  val_accuracy: [0.92, 0.94, 0.95],
});

Deno.test("learningCurves: two panels of SVG with a train and a held-out line each", async () => {
  const figure = learningCurves(history, { title: "curves", heldOutLabel: "test" });
  assert(figure.svg.startsWith("<svg"), "starts with <svg");
  assert(figure.svg.includes('xmlns="http://www.w3.org/2000/svg"'), "has the SVG namespace");
  assertEquals(count(figure.svg, 'aria-label="line"'), 2); // one line mark per panel
  const lines = figure.svg.match(/<g[^>]*aria-label="line"[^>]*>([\s\S]*?)<\/g>/g) ?? [];
  assertEquals(lines.reduce((n, g) => n + count(g, "<path"), 0), 4); // 2 series × 2 panels
  assert(figure.svg.includes(">train<") && figure.svg.includes(">test<"), "direct labels name the series");
  assert(figure.svg.includes(">curves<"), "title");
  assertEquals((await figure[JUPYTER_DISPLAY]())["image/svg+xml"], figure.svg);
});

Deno.test("a chart shows in Jupyter as SVG, a same-size PNG for untrusted notebooks, and a line of text", async () => {
  const figure = learningCurves(history, { title: "MLP learning curves" });
  const bundle = await figure[JUPYTER_DISPLAY]();
  assertEquals(Object.keys(bundle).sort(), ["image/png", "image/svg+xml", "text/plain"]);
  assertEquals(bundle["image/svg+xml"], figure.svg);
  const png = new Uint8Array(Buffer.from(bundle["image/png"], "base64"));
  assert(isPng(png), "image/png is base64 PNG");
  // the PNG is drawn at one PNG pixel per CSS pixel, so it takes the SVG's room where it replaces it
  const image = await loadImage(png);
  assertEquals([image.width, image.height], [figure.width, figure.height]);
  const canvas = createCanvas(image.width, image.height);
  canvas.getContext("2d").drawImage(image, 0, 0);
  const pixels = canvas.getContext("2d").getImageData(0, 0, image.width, image.height).data;
  const dark = pixels.filter((value, i) => i % 4 === 0 && value < 100).length;
  assert(dark > 500, `the PNG has the chart drawn on it (${dark} dark pixels)`);
  assertEquals(bundle["text/plain"], `[figure: MLP learning curves, ${figure.width}×${figure.height} px]`);
});

Deno.test("learningCurves rejects an empty history", () => {
  assertThrows(() => learningCurves(pl.DataFrame({ epoch: [] as number[] })), Error, "at least one epoch");
});

Deno.test("groupedBars: one bar per row, a legend entry per series, values as labels", () => {
  const figure = groupedBars(
    [
      { group: "train", series: "MLP", value: 0.9891 },
      { group: "train", series: "CNN", value: 0.997 },
      { group: "test", series: "MLP", value: 0.977 },
      { group: "test", series: "CNN", value: 0.9861 },
    ],
    { title: "accuracy", percent: true },
  );
  // bars are the rects filled with a model colour (the legend's squares list x first)
  assertEquals(count(figure.svg, /<rect fill="#(4e79a7|f28e2b)"/), 4);
  for (const label of ["98.91", "99.70", "97.70", "98.61", ">MLP<", ">CNN<"]) {
    assert(figure.svg.includes(label), `contains ${label}`);
  }
});

Deno.test("confusionMatrixChart: a cell per entry and the non-zero counts as text", () => {
  const figure = confusionMatrixChart([[5, 1, 0], [0, 7, 2], [0, 0, 9]]);
  const cells = figure.svg.match(/<g[^>]*aria-label="cell"[^>]*>([\s\S]*?)<\/g>/)?.[1] ?? "";
  assertEquals(count(cells, "<rect"), 9);
  const texts = figure.svg.match(/<g[^>]*aria-label="text"[^>]*>([\s\S]*?)<\/g>/)?.[1] ?? "";
  assertEquals(count(texts, "<text"), 5); // zeros are left blank
});

Deno.test("pixelHistogram and greyLevelCounts count every grey level", () => {
  const pixels = new Uint8Array([0, 0, 0, 255, 128, 7]);
  const counts = greyLevelCounts(pixels);
  assertEquals(counts.length, 256);
  assertEquals([counts[0], counts[7], counts[128], counts[255]], [3, 1, 1, 1]);
  const figure = pixelHistogram(pixels, { binWidth: 8 });
  const rects = figure.svg.match(/<g[^>]*aria-label="rect"[^>]*>([\s\S]*?)<\/g>/)?.[1] ?? "";
  assertEquals(count(rects, "<rect"), 3); // bins 0-7, 128-135, 248-255
});

Deno.test("classCountChart and compareCurves render", () => {
  const counts = [5, 6, 5, 6, 5, 6, 5, 6, 5, 6];
  const figure = classCountChart(counts, counts);
  assert(figure.width > 700, "two panels side by side");
  const curves = compareCurves([{ model: "MLP", history }, { model: "CNN", history }], "val_accuracy");
  assert(curves.svg.includes(">MLP<") && curves.svg.includes(">CNN<"));
});

Deno.test("Figure: hconcat adds widths; save writes SVG and a PNG", async () => {
  const a = new Figure('<svg width="100" height="50"></svg>');
  const b = new Figure('<svg width="60" height="80"></svg>');
  const both = hconcat([a, b], 10);
  assertEquals([both.width, both.height], [170, 80]);
  const dir = await Deno.makeTempDir();
  try {
    const paths = await learningCurves(history).save(join(dir, "curves"));
    assertEquals(paths, [join(dir, "curves.svg"), join(dir, "curves.png")]);
    assert((await Deno.readTextFile(paths[0])).startsWith("<svg"));
    assert(isPng(await Deno.readFile(paths[1])), "PNG signature");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assertThrows(() => new Figure("<div></div>"), Error, "SVG");
});

Deno.test("digit images are PNGs of the expected size, displayable as base64", () => {
  const split = syntheticSplit(12, (i) => i * 20, (i) => i % 10);
  const grid = digitGrid(split, [0, 1, 2, 3, 4, 5, 6, 7, 8], { columns: 3 });
  assert(isPng(grid.bytes), "PNG signature");
  assert(grid.width > 3 * 28 * 3 && grid.height > 3 * 28 * 3, "three rows and columns of 3x-scaled digits");
  const shown = grid[JUPYTER_DISPLAY]();
  assert(isPng(new Uint8Array(Buffer.from(shown["image/png"], "base64"))), "display is base64 PNG");
  assertEquals(shown["text/plain"], `[image, ${grid.width}×${grid.height} px]`);
  assert(isPng(pixelValueHeatmap(split.images.subarray(0, PIXELS_PER_IMAGE)).bytes));
  const probabilities = new Float32Array(12 * 10).fill(0.1);
  const source = { predictions: split.labels, probabilities };
  assert(isPng(predictionGrid(split, [0, 1], source).bytes));
  assert(isPng(comparisonGrid(split, [0, 1], { MLP: source, CNN: source }).bytes));
  assertThrows(() => imageGrid([]), Error, "at least one tile");
  assertThrows(() => new PngImage(new Uint8Array([1, 2, 3]), 1, 1), Error, "PNG");
});

Deno.test("meanImagesByClass averages each digit's images pixel by pixel", () => {
  // digit 0: images filled with 10 and 30 → mean 20; digit 1: one image of 200
  const split = syntheticSplit(3, (i) => [10, 30, 200][i], (i) => [0, 0, 1][i]);
  const means = meanImagesByClass(split);
  assertEquals(means.length, 10);
  assertEquals([means[0][0], means[0][783], means[1][400], means[2][0]], [20, 20, 200, 0]);
});

Deno.test("filterGrid and featureMapGrid draw one tile per filter", () => {
  const kernel = Float32Array.from({ length: 3 * 3 * 1 * 4 }, (_, i) => Math.sin(i));
  const filters = filterGrid(kernel, [3, 3, 1, 4], { columns: 4 });
  assert(isPng(filters.bytes));
  assertThrows(() => filterGrid(kernel, [3, 3, 2, 2]), Error, "one input channel");
  const maps = featureMapGrid(new Float32Array(26 * 26 * 4).fill(1), [26, 26, 4], { columns: 2 });
  assert(isPng(maps.bytes));
  assert(maps.height > maps.width / 2, "two rows of two");
});
