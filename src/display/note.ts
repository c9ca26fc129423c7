/**
 * A short note under a cell (what a run did, a warning), shown as HTML in a
 * notebook and as plain text elsewhere. The HTML is one `<pre>` element, so
 * its line breaks survive the sanitizer an untrusted notebook applies to HTML
 * (which drops the colours, not the text).
 *
 * @module
 */
import type { MimeBundle } from "./jupyter.ts";
import { JUPYTER_DISPLAY } from "../plots/figure.ts";

/** Escapes text for HTML. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A line (or a few) of text for the reader, in the tone of information or a warning. */
export class Note {
  constructor(readonly text: string, readonly tone: "info" | "warning" = "info") {}
  /** What Jupyter shows. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const color = this.tone === "warning" ? "#8a4b00" : "#1f3b57";
    const background = this.tone === "warning" ? "#fff4e0" : "#eef4fa";
    return {
      "text/html": `<pre style="white-space:pre-wrap;margin:0;padding:6px 10px;border-left:4px solid ${color};` +
        `background:${background};color:${color};font-family:inherit">${escapeHtml(this.text)}</pre>`,
      "text/plain": this.text,
    };
  }
  toString(): string {
    return this.text;
  }
}
