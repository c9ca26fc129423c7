/**
 * Looking inside a model: a Keras-like summary table (layer, output shape,
 * parameters, totals), the output shape of every layer for one real input,
 * and the first convolution's filters and feature maps for the figures.
 *
 * @module
 */
import pl from "nodejs-polars";
import { tf } from "../tf.ts";
import { IMAGE_SIZE } from "../data/mnist.ts";
import { escapeXml, JUPYTER_DISPLAY, type MimeBundle } from "../plots/figure.ts";

/** One row of a model summary, as Keras prints it. */
export interface SummaryRow {
  /** Layer name and type, e.g. `dense (Dense)`. */
  layer: string;
  /** Output shape with the batch dimension as `None`, e.g. `(None, 128)`. */
  outputShape: string;
  /** Trainable and non-trainable parameters of the layer. */
  params: number;
}

/** Formats a shape the way Keras does: `(None, 26, 26, 32)`. */
export function formatShape(shape: (number | null)[]): string {
  return `(${shape.map((d) => (d === null ? "None" : String(d))).join(", ")})`;
}

/** A number with thousands separators, as Keras prints parameter counts (100,480). */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** A model's summary: its rows and totals, displayable as a table in a notebook. */
export class ModelSummary {
  /** Model name. */
  readonly name: string;
  readonly rows: SummaryRow[];
  /** All parameters. */
  readonly totalParams: number;
  /** Parameters that training updates. */
  readonly trainableParams: number;

  constructor(name: string, rows: SummaryRow[], trainableParams: number) {
    this.name = name;
    this.rows = rows;
    this.totalParams = rows.reduce((sum, row) => sum + row.params, 0);
    this.trainableParams = trainableParams;
  }

  /** The rows as a polars DataFrame (columns layer, output_shape, params). */
  toFrame(): pl.DataFrame {
    return pl.DataFrame({
      layer: this.rows.map((r) => r.layer),
      output_shape: this.rows.map((r) => r.outputShape),
      params: this.rows.map((r) => r.params),
    });
  }

  /** The summary as plain text, laid out like Keras's `model.summary()`. */
  toText(): string {
    const header = ["Layer (type)", "Output Shape", "Param #"];
    const body = this.rows.map((r) => [r.layer, r.outputShape, formatCount(r.params)]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)) + 2);
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("");
    const rule = (char: string) => char.repeat(widths.reduce((a, b) => a + b, 0));
    const nonTrainable = this.totalParams - this.trainableParams;
    return [
      `Model: "${this.name}"`,
      rule("_"),
      line(header),
      rule("="),
      ...body.map(line),
      rule("="),
      `Total params: ${formatCount(this.totalParams)}`,
      `Trainable params: ${formatCount(this.trainableParams)}`,
      `Non-trainable params: ${formatCount(nonTrainable)}`,
    ].join("\n");
  }

  /** The summary as an HTML table with the totals under it. */
  toHtml(): string {
    const cells = this.rows.map((r) =>
      `<tr><td style="text-align:left">${escapeXml(r.layer)}</td><td style="text-align:left">${
        escapeXml(r.outputShape)
      }</td><td style="text-align:right">${formatCount(r.params)}</td></tr>`
    ).join("");
    return `<table><caption style="text-align:left">Model: "${escapeXml(this.name)}"</caption>` +
      `<thead><tr><th style="text-align:left">Layer (type)</th><th style="text-align:left">Output Shape</th>` +
      `<th style="text-align:right">Param #</th></tr></thead><tbody>${cells}</tbody>` +
      `<tfoot><tr><td colspan="2" style="text-align:left"><b>Total params</b></td>` +
      `<td style="text-align:right"><b>${formatCount(this.totalParams)}</b></td></tr>` +
      `<tr><td colspan="2" style="text-align:left">Trainable params</td>` +
      `<td style="text-align:right">${formatCount(this.trainableParams)}</td></tr>` +
      `<tr><td colspan="2" style="text-align:left">Non-trainable params</td>` +
      `<td style="text-align:right">${formatCount(this.totalParams - this.trainableParams)}</td></tr></tfoot></table>`;
  }

  /** What Jupyter shows: the HTML table, with the Keras-like text as the plain fallback. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { "text/html": this.toHtml(), "text/plain": this.toText() };
  }
}

/**
 * The Keras-like summary of a model: one row per layer with its name and type,
 * output shape and parameter count, plus the totals.
 *
 * @example
 * modelSummary(createReportMlp()).totalParams; // 101770
 */
export function modelSummary(model: tf.LayersModel): ModelSummary {
  const rows = model.layers.map((layer) => {
    const shape = layer.outputShape as (number | null)[];
    return {
      layer: `${layer.name} (${layer.getClassName()})`,
      outputShape: formatShape(shape),
      params: layer.countParams(),
    };
  });
  const trainable = model.trainableWeights.reduce(
    (sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    0,
  );
  return new ModelSummary(model.name, rows, trainable);
}

/**
 * Passes one input of shape `[1, 28, 28, 1]` (zeros unless given) through the
 * model layer by layer and records each layer's actual output shape, as the
 * d2l book does after building a network.
 */
export function layerOutputShapes(model: tf.LayersModel, input?: tf.Tensor): pl.DataFrame {
  const names: string[] = [];
  const shapes: string[] = [];
  tf.tidy(() => {
    let x: tf.Tensor = input ?? tf.zeros([1, IMAGE_SIZE, IMAGE_SIZE, 1]);
    names.push("input");
    shapes.push(`[${x.shape.join(", ")}]`);
    for (const layer of model.layers) {
      x = layer.apply(x) as tf.Tensor;
      names.push(`${layer.name} (${layer.getClassName()})`);
      shapes.push(`[${x.shape.join(", ")}]`);
    }
  });
  return pl.DataFrame({ layer: names, output_shape: shapes });
}

/** The kernel of the model's first convolution layer: values in `[h, w, in, filters]` order and that shape. */
export function convFilters(model: tf.LayersModel): { values: Float32Array; shape: [number, number, number, number] } {
  const conv = model.layers.find((l) => l.getClassName() === "Conv2D");
  if (!conv) throw new Error(`model '${model.name}' has no Conv2D layer`);
  const kernel = conv.getWeights()[0];
  return {
    values: kernel.dataSync() as Float32Array,
    shape: kernel.shape as [number, number, number, number],
  };
}

/**
 * The output of the model's first convolution layer (after its ReLU) for one
 * image of 784 grey levels 0–255: values in `[height, width, filters]` order.
 */
export function featureMaps(
  model: tf.LayersModel,
  pixels: ArrayLike<number>,
): { values: Float32Array; shape: [number, number, number] } {
  const conv = model.layers.find((l) => l.getClassName() === "Conv2D");
  if (!conv) throw new Error(`model '${model.name}' has no Conv2D layer`);
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(pixels, (v) => v / 255), [1, IMAGE_SIZE, IMAGE_SIZE, 1]);
    const out = conv.apply(x) as tf.Tensor;
    const [, h, w, f] = out.shape;
    return { values: out.dataSync() as Float32Array, shape: [h, w, f] as [number, number, number] };
  });
}
