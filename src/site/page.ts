/**
 * The HTML of the exported site: one page per executed notebook (every cell,
 * its code highlighted, its outputs with their figures, previous/next links)
 * and the index page (each edition's notebooks in course order, with the
 * title and introduction of each). Pure functions from notebooks to strings;
 * `build.ts` reads and writes the files.
 *
 * @module
 */
import { escapeXml } from "../plots/figure.ts";
import { cleanHtml } from "./clean_html.ts";
import { highlightCode } from "./highlight.ts";
import type { MarkdownRenderer } from "./markdown.ts";
import { joinText, type Notebook } from "./notebook_file.ts";
import { renderOutput } from "./outputs.ts";

/** The glossary's page, beside the index. */
export const GLOSSARY_PAGE = "glossary.html";

/** The stylesheets every page links, relative to the site's root. */
export const STYLESHEETS = ["assets/katex/katex.min.css", "assets/highlight.css", "assets/site.css"];

/** A notebook's title and what it teaches, from its first markdown cell. */
export interface NotebookIntro {
  /** The text of the cell's first heading (the file name when there is none). */
  title: string;
  /** The rest of the first markdown cell, as HTML. */
  introHtml: string;
}

/** A link to another page: its href (relative to the page) and its title. */
export interface PageLink {
  href: string;
  title: string;
}

/** Where a page sits in the site. */
export interface PageContext {
  /** `lang` of the page (`en`, `ko`). */
  lang: string;
  /** The course's name, for the `<title>` and the header. */
  courseTitle: string;
  /** From this page's folder to the site's root: `""` or `"../"`. */
  toRoot: string;
  /** The index page, relative to this page (with its edition's anchor). */
  indexHref: string;
  previous?: PageLink;
  next?: PageLink;
  /** The executed notebook's file name, offered for download beside the page. */
  notebookFile: string;
}

/** The words of a page's frame, in the page's language (English for any language without its own). */
const FRAME_WORDS: Record<string, { contents: string; footer: (link: string) => string }> = {
  en: {
    contents: "contents",
    footer: (link) =>
      `An executed copy of the notebook ${link}: download it to open it in Jupyter and run it yourself.`,
  },
  ko: {
    contents: "차례",
    footer: (link) => `실행된 노트북 ${link}: 내려받아 Jupyter에서 열고 직접 실행해 보세요.`,
  },
};

/** The frame's words for `lang`. */
export function frameWords(lang: string): (typeof FRAME_WORDS)[string] {
  return FRAME_WORDS[lang] ?? FRAME_WORDS.en;
}

/** Plain text of a little HTML (for `<title>`). */
function textOf(html: string): string {
  return html.replace(/<annotation[^>]*>[\s\S]*?<\/annotation>/g, "").replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&")
    .trim();
}

/**
 * The title (first `# ` heading) and the introduction (everything after it)
 * of the notebook's first markdown cell.
 */
export function notebookIntro(notebook: Notebook, fallbackTitle: string, markdown: MarkdownRenderer): NotebookIntro {
  const first = notebook.cells.find((cell) => cell.cell_type === "markdown");
  if (!first) return { title: fallbackTitle, introHtml: "" };
  const source = joinText(first.source);
  const heading = source.match(/^#{1,6}[ \t]+(.+?)[ \t#]*$/m);
  if (!heading) return { title: fallbackTitle, introHtml: markdown.render(source) };
  const rest = source.slice(heading.index! + heading[0].length);
  return {
    title: textOf(markdown.render(heading[1])) || fallbackTitle,
    introHtml: cleanHtml(markdown.render(rest)).html,
  };
}

function head(title: string, context: { lang: string; toRoot: string }): string {
  const links = STYLESHEETS.map((href) => `<link rel="stylesheet" href="${context.toRoot}${href}">`).join("\n");
  return `<!doctype html>
<html lang="${escapeXml(context.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
${links}
</head>`;
}

function pager(context: PageContext, where: "top" | "bottom"): string {
  const link = (l: PageLink | undefined, rel: "prev" | "next", arrow: string) =>
    l
      ? `<a class="${rel === "prev" ? "previous" : "next"}" rel="${rel}" href="${escapeXml(l.href)}">${
        rel === "prev" ? `${arrow} ` : ""
      }${escapeXml(l.title)}${rel === "next" ? ` ${arrow}` : ""}</a>`
      : "";
  return `<nav class="pager ${where}" aria-label="course navigation">
<a class="contents-link" href="${escapeXml(context.indexHref)}">${escapeXml(context.courseTitle)}: ${
    escapeXml(frameWords(context.lang).contents)
  }</a>
${link(context.previous, "prev", "←")}${link(context.next, "next", "→")}
</nav>`;
}

/** What a rendered page reports besides its HTML. */
export interface RenderedPage {
  html: string;
  /** How many outputs hold a figure (each an `<img>` on the page). */
  figures: number;
  /** Things left out of HTML outputs and markdown, for the log. */
  removed: string[];
}

/** One notebook as a page. */
export function renderNotebookPage(
  notebook: Notebook,
  intro: NotebookIntro,
  context: PageContext,
  markdown: MarkdownRenderer,
): RenderedPage {
  const language = notebook.metadata.language_info?.name ?? notebook.metadata.kernelspec?.language;
  const removed: string[] = [];
  let figures = 0;
  const cells = notebook.cells.map((cell) => {
    const source = joinText(cell.source);
    if (cell.cell_type === "markdown") {
      const cleaned = cleanHtml(markdown.render(source, cell.attachments));
      removed.push(...cleaned.removed);
      return `<section class="cell markdown">\n${cleaned.html}\n</section>`;
    }
    if (cell.cell_type === "code") {
      const outputs = (cell.outputs ?? []).map((output) => {
        const rendered = renderOutput(output, markdown);
        removed.push(...rendered.removed);
        if (rendered.figure) figures++;
        return rendered.html;
      });
      const input = source.trim() === ""
        ? ""
        : `<div class="input"><pre class="code"><code class="hljs">${
          highlightCode(source, language)
        }</code></pre></div>`;
      return `<section class="cell code">\n${input}\n${outputs.join("\n")}\n</section>`;
    }
    return `<section class="cell raw"><pre>${escapeXml(source)}</pre></section>`;
  });
  const html = `${head(`${intro.title} · ${context.courseTitle}`, context)}
<body>
${pager(context, "top")}
<main class="notebook">
${cells.join("\n")}
</main>
${pager(context, "bottom")}
<footer>${
    frameWords(context.lang).footer(
      `<a href="${escapeXml(context.notebookFile)}">${escapeXml(context.notebookFile)}</a>`,
    )
  }</footer>
</body>
</html>
`;
  return { html, figures, removed };
}

/** One edition's entry on the index page. */
export interface IndexEdition {
  id: string;
  label: string;
  lang: string;
  notebooks: { href: string; intro: NotebookIntro }[];
}

/** The index page: each edition's notebooks in course order. */
export function renderIndexPage(
  courseTitle: string,
  lead: string,
  editions: IndexEdition[],
): string {
  const sections = editions.map((edition) => {
    const items = edition.notebooks.map(({ href, intro }) =>
      `<li><h3><a href="${escapeXml(href)}">${escapeXml(intro.title)}</a></h3>\n${intro.introHtml}</li>`
    );
    // a heading per edition only when there is more than one
    const heading = editions.length > 1 ? `<h2>${escapeXml(edition.label)}</h2>\n` : "";
    return `<section class="edition" id="${escapeXml(edition.id)}" lang="${escapeXml(edition.lang)}">
${heading}<ol class="contents">
${items.join("\n")}
</ol>
</section>`;
  });
  return `${head(courseTitle, { lang: editions[0]?.lang ?? "en", toRoot: "" })}
<body>
<header>
<h1>${escapeXml(courseTitle)}</h1>
<p class="lead">${escapeXml(lead)}</p>
<p class="glossary-link"><a href="${GLOSSARY_PAGE}">Glossary · 용어집</a></p>
</header>
<main>
${sections.join("\n")}
</main>
</body>
</html>
`;
}

/** The glossary (one bilingual markdown file) as a page beside the index, linking back to it. */
export function renderGlossaryPage(courseTitle: string, glossaryMarkdown: string, markdown: MarkdownRenderer): string {
  const body = cleanHtml(markdown.render(glossaryMarkdown)).html;
  const heading = glossaryMarkdown.match(/^#[ \t]+(.+)$/m)?.[1] ?? "Glossary";
  return `${head(`${heading} · ${courseTitle}`, { lang: "en", toRoot: "" })}
<body>
<nav class="pager top" aria-label="course navigation">
<a class="contents-link" href="index.html">${escapeXml(courseTitle)}: contents · 차례</a>
</nav>
<main class="notebook glossary">
<section class="cell markdown">
${body}
</section>
</main>
</body>
</html>
`;
}
