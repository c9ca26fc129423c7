/**
 * Markdown cells to HTML for the exported site: `marked` for the markdown
 * (GitHub flavour, as Jupyter renders it) and KaTeX, through
 * `marked-katex-extension`, for `$…$` and `$$…$$` maths. The maths is typeset
 * here, at export time, so a page needs no script and no network: only
 * KaTeX's stylesheet and fonts, which the site carries.
 *
 * @module
 */
import { Marked, type Tokens } from "marked";
import markedKatex from "marked-katex-extension";
import { highlightCode } from "./highlight.ts";

/** Turns markdown into HTML. */
export interface MarkdownRenderer {
  /** A whole markdown document (a cell): block HTML. */
  render(markdown: string, attachments?: Record<string, Record<string, string>>): string;
}

/** Options of {@link createMarkdownRenderer}. */
export interface MarkdownOptions {
  /** Rewrites a link target (e.g. a notebook `03-mlp.ipynb` to its page `03-mlp.html`). */
  rewriteLink?: (href: string) => string;
}

/**
 * KaTeX's MathML carries the MathML namespace as an attribute; in an HTML page
 * the parser puts `<math>` in that namespace anyway, so it is dropped and pages
 * hold no `http:` text at all.
 */
const MATHML_NAMESPACE_ATTRIBUTE = / xmlns="http:\/\/www\.w3\.org\/1998\/Math\/MathML"/g;

/** `attachment:<name>` links of markdown cells, resolved to data URIs. */
function attachmentUri(href: string, attachments: Record<string, Record<string, string>> | undefined): string {
  if (!href.startsWith("attachment:") || !attachments) return href;
  const bundle = attachments[decodeURIComponent(href.slice("attachment:".length))];
  const type = bundle && Object.keys(bundle).find((key) => key.startsWith("image/"));
  return type ? `data:${type};base64,${bundle[type].replace(/\s/g, "")}` : href;
}

/**
 * A markdown renderer with maths and highlighted code blocks.
 *
 * @example
 * const markdown = createMarkdownRenderer();
 * markdown.render("The loss is $L = -\\log \\hat{y}_t$."); // <p>The loss is <span class="katex">…</span>.</p>
 */
export function createMarkdownRenderer(options: MarkdownOptions = {}): MarkdownRenderer {
  let attachments: Record<string, Record<string, string>> | undefined;
  const marked = new Marked(
    // nonStandard: maths may touch the next character, as Korean particles do (`$x$는`)
    markedKatex({ throwOnError: false, nonStandard: true, strict: false, output: "htmlAndMathml" }),
    {
      gfm: true,
      async: false,
      walkTokens(token) {
        if (token.type === "link") {
          const link = token as Tokens.Link;
          link.href = options.rewriteLink ? options.rewriteLink(link.href) : link.href;
        } else if (token.type === "image") {
          const image = token as Tokens.Image;
          image.href = attachmentUri(image.href, attachments);
        }
      },
      renderer: {
        code(token: Tokens.Code): string {
          const language = token.lang?.split(/\s/)[0];
          return `<pre class="code"><code class="hljs">${highlightCode(token.text, language)}</code></pre>\n`;
        },
      },
    },
  );
  return {
    render(markdown, cellAttachments) {
      attachments = cellAttachments;
      try {
        return (marked.parse(markdown) as string).replace(MATHML_NAMESPACE_ATTRIBUTE, "");
      } finally {
        attachments = undefined;
      }
    },
  };
}
