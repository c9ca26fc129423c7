/**
 * What every figure function returns: a value a Deno notebook displays inline
 * (it has a `[Symbol.for("Jupyter.display")]` method, Deno's
 * `Deno.jupyter.$display`) and that can also be saved to files.
 *
 * - {@link Figure}: a chart as SVG markup (Observable Plot), saved as `.svg`
 *   and rasterised to `.png` with `@napi-rs/canvas`. A notebook gets both (plus
 *   a line of text): front ends that will not show the SVG, such as Jupyter
 *   Notebook and JupyterLab with an untrusted notebook, show the PNG instead.
 * - {@link PngImage}: a raster image (digits, filters, feature maps), saved as `.png`.
 *
 * Nothing here writes a file unless `save` is called; writes are atomic.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { writeFileAtomic } from "../fsutil.ts";
import { FONT_FAMILY, FONT_SIZE, PNG_SCALE, TEXT_COLOR } from "./theme.ts";
import { registerCourseFont, textWidth } from "./font.ts";
import { tr } from "../i18n.ts";

/** The symbol Deno's Jupyter kernel looks for to display a value (`Deno.jupyter.$display`). */
export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/** A MIME bundle, as Jupyter displays it. */
export type MimeBundle = Record<string, string>;

const SVG_NS = "http://www.w3.org/2000/svg";
/** What Plot's grid lines look like (black at 10% opacity on white). */
const GRID_COLOR = "#e6e6e6";
/** Height of one header line (title or legend) above a figure, in pixels. */
const HEADER_LINE = 30;
/**
 * PNG pixels per CSS pixel of the PNG a notebook output carries beside the SVG.
 * Deno's kernel sends no image metadata, so front ends show a PNG at its pixel
 * size: at 1 it takes the same room as the SVG (and keeps notebooks small);
 * files saved by {@link Figure.save} use the sharper {@link PNG_SCALE}.
 */
export const DISPLAY_PNG_SCALE = 1;

/** `svg` with its root's size multiplied by `scale` (a viewBox keeps the drawing's own coordinates). */
function atScale(svg: string, width: number, height: number, scale: number): string {
  return svg.replace(/<svg\b[^>]*>/, (tag) => {
    const sized = tag.replace(/\s(width|height)="[^"]*"/g, "");
    const viewBox = /\bviewBox=/.test(sized) ? "" : ` viewBox="0 0 ${width} ${height}"`;
    return sized.replace(/^<svg\b/, `<svg width="${width * scale}" height="${height * scale}"${viewBox}`);
  });
}

/** One entry of a legend: a coloured square and its label. */
export interface LegendEntry {
  label: string;
  color: string;
}

/** Escapes text for use inside SVG/HTML markup. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Reads a numeric attribute (`width`, `height`) of the root `<svg>` element. */
function rootAttribute(svg: string, name: string): number {
  const root = svg.match(/<svg\b[^>]*>/)?.[0] ?? "";
  const value = root.match(new RegExp(`\\s${name}="([\\d.]+)"`))?.[1];
  if (value === undefined) throw new Error(`the SVG has no ${name} attribute on its root element`);
  return Number(value);
}

/** Adds the SVG namespace to the root element when it is missing (needed in stand-alone files). */
function withNamespace(svg: string): string {
  const root = svg.match(/<svg\b[^>]*>/)?.[0] ?? "";
  return root.includes("xmlns=") ? svg : svg.replace(/<svg\b/, `<svg xmlns="${SVG_NS}"`);
}

/** A chart as SVG markup, displayable in a notebook and savable as SVG and PNG. */
export class Figure {
  /** The complete SVG document (root `<svg>` with its namespace). */
  readonly svg: string;
  /** Width in CSS pixels. */
  readonly width: number;
  /** Height in CSS pixels. */
  readonly height: number;
  /** The title drawn above the chart, if any (also its text description). */
  readonly title?: string;

  /** Wraps SVG markup whose root element has `width` and `height` attributes. */
  constructor(svg: string, title?: string) {
    this.svg = withNamespace(svg.trim());
    if (!this.svg.startsWith("<svg")) throw new Error("a Figure needs SVG markup starting with <svg");
    this.width = rootAttribute(this.svg, "width");
    this.height = rootAttribute(this.svg, "height");
    this.title = title;
  }

  /**
   * What Jupyter shows: the SVG, a PNG of it and a one-line description. Each
   * front end picks the first type it may show: trusted notebooks and VS Code
   * the SVG, untrusted ones (which drop SVG) the PNG, text-only clients the text.
   */
  async [JUPYTER_DISPLAY](): Promise<MimeBundle> {
    return {
      "image/svg+xml": this.svg,
      "image/png": Buffer.from(await this.toPng(DISPLAY_PNG_SCALE)).toString("base64"),
      "text/plain": this.describe(),
    };
  }

  /** A one-line description: `[figure: <title>, 816×350 px]`. */
  describe(): string {
    return `[${tr({ en: "figure", ko: "그림" })}${
      this.title ? `: ${this.title}` : ""
    }, ${this.width}×${this.height} px]`;
  }

  /** The same figure with a bold title line above it. */
  withTitle(title: string): Figure {
    return this.withHeader({ title });
  }

  /**
   * The same figure with a header above it: a bold title line and/or a legend
   * line of coloured squares with labels (Plot's own legends are HTML, not SVG).
   */
  withHeader(header: { title?: string; legend?: LegendEntry[] }): Figure {
    const lines: string[] = [];
    let y = 0;
    if (header.title) {
      y += HEADER_LINE;
      lines.push(
        `<text x="${this.width / 2}" y="${y - 8}" text-anchor="middle" font-family="${FONT_FAMILY}" ` +
          `font-size="${FONT_SIZE + 3}" font-weight="bold" fill="${TEXT_COLOR}">${escapeXml(header.title)}</text>`,
      );
    }
    if (header.legend && header.legend.length > 0) {
      y += HEADER_LINE;
      let x = 40;
      for (const entry of header.legend) {
        lines.push(
          `<rect x="${x}" y="${y - 18}" width="12" height="12" fill="${entry.color}"/>` +
            `<text x="${x + 17}" y="${y - 8}" font-family="${FONT_FAMILY}" font-size="${FONT_SIZE}" ` +
            `fill="${TEXT_COLOR}">${escapeXml(entry.label)}</text>`,
        );
        x += 30 + Math.ceil(textWidth(entry.label, FONT_SIZE));
      }
    }
    if (y === 0) return this;
    const height = this.height + y;
    const inner = this.svg.replace(/<svg\b/, `<svg x="0" y="${y}"`);
    return new Figure(
      `<svg xmlns="${SVG_NS}" width="${this.width}" height="${height}" viewBox="0 0 ${this.width} ${height}">` +
        `<rect width="100%" height="100%" fill="white"/>${lines.join("")}${inner}</svg>`,
      header.title ?? this.title,
    );
  }

  /**
   * The figure rasterised to PNG bytes (white background), `scale` PNG pixels
   * per CSS pixel. Units the rasteriser does not know (`em` offsets) are
   * converted to pixels first.
   */
  async toPng(scale: number = PNG_SCALE): Promise<Uint8Array> {
    const svg = this.svg
      // Plot places tick labels with `y="0.71em"`, `y="0.32em"`, `dy="-1em"` …; the rasteriser reads those as pixels
      .replace(/\b(x|y|dx|dy)="(-?[\d.]+)em"/g, (_, name, em) => `${name}="${(Number(em) * FONT_SIZE).toFixed(2)}"`)
      // the rasteriser draws Plot's faint grid (currentColor at 10% opacity) solid, so give it its final colour
      .replace(/stroke-opacity="0\.1" stroke="currentColor"/g, `stroke="${GRID_COLOR}" data-grid=""`)
      // and snaps its lines to whole PNG pixels: at fractional positions some came out twice as dark as others
      .replace(
        /(<g[^>]*data-grid=""[^>]*>)(.*?)<\/g>/gs,
        (_, open, lines: string) =>
          open +
          lines.replace(
            /\b(x1|x2|y1|y2)="(-?[\d.]+)"/g,
            (_m, name, v) => `${name}="${Math.round(Number(v) * scale) / scale}"`,
          ) + "</g>",
      )
      .replace(/="currentColor"/g, `="${TEXT_COLOR}"`)
      // Plot's own `font-family="system-ui, sans-serif"` is a family the rasteriser cannot resolve (it drew
      // the labels in a serif face), and it does not read the CSS font in `style`: name the course's font
      .replace(/\bfont-family="[^"]*"/g, `font-family="${FONT_FAMILY}"`)
      // likewise the chart's font size: the browser takes it from `style`, the rasteriser from the attribute
      .replace(/<svg\b[^>]*>/g, (tag) => {
        const size = tag.match(/style="[^"]*font-size:\s*([\d.]+)px/)?.[1];
        return size ? tag.replace(/\bfont-size="[^"]*"/, `font-size="${size}"`) : tag;
      });
    registerCourseFont();
    // rasterise at the final size (drawing a 1× image scaled up blurred every line and letter)
    const image = await loadImage(Buffer.from(atScale(svg, this.width, this.height, scale)));
    const canvas = createCanvas(Math.round(this.width * scale), Math.round(this.height * scale));
    const context = canvas.getContext("2d");
    context.fillStyle = "white";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return new Uint8Array(canvas.toBuffer("image/png"));
  }

  /**
   * Writes `<path>.svg` and `<path>.png` (each atomically) and returns both paths.
   *
   * @example
   * await learningCurves(history).save("reports/figures/mlp-curves"); // mlp-curves.svg + mlp-curves.png
   */
  async save(pathWithoutExtension: string): Promise<string[]> {
    const svgPath = `${pathWithoutExtension}.svg`;
    const pngPath = `${pathWithoutExtension}.png`;
    await writeFileAtomic(svgPath, this.svg + "\n");
    await writeFileAtomic(pngPath, await this.toPng());
    return [svgPath, pngPath];
  }
}

/**
 * Figures side by side in one SVG (e.g. accuracy beside loss), top-aligned,
 * with `gap` pixels between them.
 */
export function hconcat(figures: Figure[], gap = 16): Figure {
  if (figures.length === 0) throw new Error("hconcat needs at least one figure");
  let x = 0;
  const parts: string[] = [];
  for (const figure of figures) {
    parts.push(figure.svg.replace(/<svg\b/, `<svg x="${x}" y="0"`));
    x += figure.width + gap;
  }
  const width = x - gap;
  const height = Math.max(...figures.map((f) => f.height));
  return new Figure(
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      `<rect width="100%" height="100%" fill="white"/>${parts.join("")}</svg>`,
  );
}

/**
 * Figures stacked top to bottom in one SVG (e.g. the rows of a grid of
 * panels), left-aligned, with `gap` pixels between them.
 */
export function vconcat(figures: Figure[], gap = 8): Figure {
  if (figures.length === 0) throw new Error("vconcat needs at least one figure");
  let y = 0;
  const parts: string[] = [];
  for (const figure of figures) {
    parts.push(figure.svg.replace(/<svg\b/, `<svg x="0" y="${y}"`));
    y += figure.height + gap;
  }
  const height = y - gap;
  const width = Math.max(...figures.map((f) => f.width));
  return new Figure(
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      `<rect width="100%" height="100%" fill="white"/>${parts.join("")}</svg>`,
  );
}

/** Figures in a grid of `columns` per row (rows of {@link hconcat}, stacked with {@link vconcat}). */
export function gridOf(figures: Figure[], columns: number, gap = 16): Figure {
  if (!Number.isInteger(columns) || columns < 1) {
    throw new RangeError(`columns must be a positive integer, got ${columns}`);
  }
  const rows: Figure[] = [];
  for (let i = 0; i < figures.length; i += columns) rows.push(hconcat(figures.slice(i, i + columns), gap));
  return vconcat(rows, gap);
}

/** PNG signature: the first 8 bytes of every PNG file. */
export const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A raster image (PNG bytes), displayable in a notebook and savable as `.png`. */
export class PngImage {
  /** The encoded PNG file. */
  readonly bytes: Uint8Array;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;

  /** Wraps encoded PNG bytes. */
  constructor(bytes: Uint8Array, width: number, height: number) {
    if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error("PngImage needs PNG bytes");
    this.bytes = bytes;
    this.width = width;
    this.height = height;
  }

  /** The PNG as base64, as Jupyter's `image/png` wants it. */
  toBase64(): string {
    return Buffer.from(this.bytes).toString("base64");
  }

  /** What Jupyter shows: the PNG, and a line of text for text-only clients. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return {
      "image/png": this.toBase64(),
      "text/plain": `[${tr({ en: "image", ko: "이미지" })}, ${this.width}×${this.height} px]`,
    };
  }

  /** Writes `<path>.png` atomically and returns its path. */
  async save(pathWithoutExtension: string): Promise<string[]> {
    const path = `${pathWithoutExtension}.png`;
    await writeFileAtomic(path, this.bytes);
    return [path];
  }
}

/** Anything a figure function returns. */
export type Displayable = Figure | PngImage;
