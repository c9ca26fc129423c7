/**
 * One code-cell output as HTML for the exported site. Of a rich output's MIME
 * bundle one type is shown, as a front end would: an image first (SVG, then
 * PNG, JPEG, GIF), since a static page shows every image and no script;
 * then HTML (cleaned of anything that loads or runs), markdown, LaTeX, JSON,
 * and plain text last. Images become `<img>` elements with `data:` URIs, so a
 * page holds its own figures.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { AnsiUp } from "ansi_up";
import { escapeXml } from "../plots/figure.ts";
import { cleanHtml } from "./clean_html.ts";
import type { MarkdownRenderer } from "./markdown.ts";
import { isFigureOutput, joinText, type MultilineString, type NotebookOutput } from "./notebook_file.ts";

/** The MIME types the site shows, in the order it prefers them. */
export const SITE_MIME_ORDER = [
  "image/svg+xml",
  "image/png",
  "image/jpeg",
  "image/gif",
  "text/html",
  "text/markdown",
  "text/latex",
  "application/json",
  "text/plain",
] as const;

/**
 * Hangul. An SVG shown through `<img>` cannot use the page's fonts, only the
 * system's: on a machine without a Korean font its Hangul shows as empty
 * boxes, so a figure with Hangul is shown from its PNG, whose text was drawn
 * with the course's font.
 */
const NEEDS_COURSE_FONT = /[\u1100-\u11FF\u3130-\u318F\uAC00-\uD7A3]/;

/** The longest `alt` text taken from an output's plain text. */
const MAX_ALT_LENGTH = 200;
/** ANSI escape sequences (colours in Deno's `text/plain` and in tracebacks): they start with ESC. */
// deno-lint-ignore no-control-regex
const ANSI_PATTERN = /\x1b\[[0-9;]*[A-Za-z]/g;

/** An output as HTML. */
export interface RenderedOutput {
  html: string;
  /** The output holds a figure (then `html` is an `<img>`). */
  figure: boolean;
  /** What was left out of an HTML output (see `cleanHtml`). */
  removed: string[];
}

/** Plain text with ANSI colours as HTML spans (text escaped). */
function ansiToHtml(text: string): string {
  const converter = new AnsiUp();
  converter.use_classes = false;
  return converter.ansi_to_html(text);
}

/** Size attributes from an output's per-MIME metadata (`{"image/png": {"width": 400}}`). */
function sizeAttributes(output: NotebookOutput, type: string): string {
  const meta = output.metadata?.[type] as { width?: unknown; height?: unknown } | undefined;
  const attributes: string[] = [];
  for (const key of ["width", "height"] as const) {
    const value = meta?.[key];
    if (typeof value === "number" && value > 0) attributes.push(` ${key}="${value}"`);
  }
  return attributes.join("");
}

/** An image output as an `<img>` with a `data:` URI. */
function imageHtml(output: NotebookOutput, type: string, value: string): string {
  // nbformat may wrap base64 over lines
  const base64 = type === "image/svg+xml" ? Buffer.from(value, "utf8").toString("base64") : value.replace(/\s/g, "");
  const plain = joinText(output.data?.["text/plain"] as MultilineString | undefined).replace(ANSI_PATTERN, "").trim();
  const alt = plain === "" ? "figure" : plain.slice(0, MAX_ALT_LENGTH);
  return `<img src="data:${type};base64,${base64}" alt="${escapeXml(alt)}"${sizeAttributes(output, type)}>`;
}

/** One output as HTML (see the module comment for which MIME type is chosen). */
export function renderOutput(output: NotebookOutput, markdown: MarkdownRenderer): RenderedOutput {
  const figure = isFigureOutput(output);
  const done = (html: string, kind: string, removed: string[] = []) => ({
    html: `<div class="output ${kind}">${html}</div>`,
    figure,
    removed,
  });
  if (output.output_type === "stream") {
    const name = output.name === "stderr" ? "stderr" : "stdout";
    return done(`<pre>${ansiToHtml(joinText(output.text))}</pre>`, `stream ${name}`);
  }
  if (output.output_type === "error") {
    const traceback = output.traceback?.length ? output.traceback.join("\n") : `${output.ename}: ${output.evalue}`;
    return done(`<pre>${ansiToHtml(traceback)}</pre>`, "error");
  }
  const data = output.data ?? {};
  let type = SITE_MIME_ORDER.find((candidate) => data[candidate] !== undefined);
  if (
    type === "image/svg+xml" && data["image/png"] !== undefined &&
    NEEDS_COURSE_FONT.test(joinText(data[type] as MultilineString))
  ) type = "image/png";
  if (type === undefined) return done("", "empty");
  const raw = data[type];
  if (type === "application/json") {
    return done(`<pre>${escapeXml(JSON.stringify(raw, null, 2))}</pre>`, "text");
  }
  const value = joinText(raw as MultilineString);
  switch (type) {
    case "image/svg+xml":
    case "image/png":
    case "image/jpeg":
    case "image/gif":
      return done(imageHtml(output, type, value), "figure");
    case "text/html": {
      const cleaned = cleanHtml(value);
      return done(cleaned.html, "html", cleaned.removed);
    }
    case "text/markdown": {
      const cleaned = cleanHtml(markdown.render(value));
      return done(cleaned.html, "markdown", cleaned.removed);
    }
    case "text/latex":
      return done(markdown.render(value), "latex");
    default:
      return done(`<pre>${ansiToHtml(value)}</pre>`, "text");
  }
}
