/**
 * Writes the exported course: a small static site in the folder of the
 * executed notebooks (`reports/notebooks/`). One page per notebook beside its
 * `.ipynb`, an index page in course order, the glossary (`docs/GLOSSARY.md`,
 * which every notebook links to) as `glossary.html`, and `assets/` with the
 * styles and KaTeX's fonts. Pages link to each other and to the assets by relative
 * paths and embed their figures, so the folder works from `file://`, from any
 * static web server, and offline. Every file is written atomically; pages of
 * notebooks that are no longer in the course are removed.
 *
 * @module
 */
import { basename, join } from "node:path";
import { writeDirAtomic, writeFileAtomic } from "../fsutil.ts";
import { siteAssets } from "./assets.ts";
import { type Edition, NOTEBOOK_FILE_PATTERN } from "./editions.ts";
import { createMarkdownRenderer } from "./markdown.ts";
import { readNotebook } from "./notebook_file.ts";
import {
  GLOSSARY_PAGE,
  type IndexEdition,
  notebookIntro,
  type PageLink,
  renderGlossaryPage,
  renderIndexPage,
  renderNotebookPage,
} from "./page.ts";

/** The course's name on every page. */
export const COURSE_TITLE = "MNIST in TypeScript";
/** The line under the index page's title. */
export const COURSE_LEAD =
  "A course in Jupyter notebooks on handwritten-digit classification: the data, a multilayer perceptron, " +
  "a convolutional network, their comparison, and a digit you draw yourself. Each page is a notebook as it ran, " +
  "with every output; download the notebook beside it to run it yourself.";
/** The index page's file name. */
export const INDEX_PAGE = "index.html";
export { GLOSSARY_PAGE };
/** The glossary every notebook links to (`../docs/GLOSSARY.md` from `notebooks/`). */
export const GLOSSARY_FILE = new URL("../../docs/GLOSSARY.md", import.meta.url);
/** A relative link to the glossary from a notebook, at any depth, with an optional anchor. */
const GLOSSARY_LINK = /^(?:\.\.\/)+docs\/GLOSSARY\.md(#.*)?$/;

/** Options of {@link buildSite}. */
export interface BuildSiteOptions {
  /** The site's folder, holding each edition's executed notebooks (`<root>/<edition dir>/NN-name.ipynb`). */
  root: string;
  /** The editions, their notebooks in course order; a notebook without an executed copy is skipped. */
  editions: Edition[];
  courseTitle?: string;
  lead?: string;
  /** Progress lines (standard error by default). */
  log?: (line: string) => void;
}

/** One page written. */
export interface SitePage {
  path: string;
  /** The executed notebook it shows. */
  notebook: string;
  /** Outputs holding a figure (each shown as an image). */
  figures: number;
}

/** What {@link buildSite} wrote. */
export interface BuiltSite {
  index: string;
  pages: SitePage[];
  /** Every file written, pages first. */
  written: string[];
}

/** A page's file name: the notebook's, with `.html`. */
export function pageName(notebookFile: string): string {
  return basename(notebookFile).replace(/\.ipynb$/, ".html");
}

/**
 * A relative link to `x.ipynb` (another notebook) becomes a link to its page
 * `x.html`; a link to the glossary becomes a link to its page, `toRoot` up.
 */
function notebookLinkToPage(href: string, toRoot: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("/")) return href;
  const glossary = href.match(GLOSSARY_LINK);
  if (glossary) return `${toRoot}${GLOSSARY_PAGE}${glossary[1] ?? ""}`;
  return href.replace(/\.ipynb(#.*)?$/, (_, anchor) => `.html${anchor ?? ""}`);
}

/**
 * A link of an edition's introduction as the index page shows it: the index
 * sits at the site's root, so a relative link gets the edition's folder in
 * front (the glossary's page sits at the root itself).
 */
function linkOnIndex(href: string, editionDir: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("/") || href.startsWith("#")) return href;
  const page = notebookLinkToPage(href, "");
  if (GLOSSARY_LINK.test(href) || editionDir === "") return page;
  return `${editionDir}/${page}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Removes `NN-name.html` pages in `dir` that are not among `keep` (pages of notebooks no longer in the course). */
async function removeStalePages(dir: string, keep: Set<string>, log: (line: string) => void): Promise<void> {
  if (!(await exists(dir))) return; // an edition none of whose notebooks has been executed yet
  for await (const entry of Deno.readDir(dir)) {
    const notebookName = entry.name.replace(/\.html$/, ".ipynb");
    if (entry.isFile && entry.name.endsWith(".html") && NOTEBOOK_FILE_PATTERN.test(notebookName)) {
      if (!keep.has(entry.name)) {
        await Deno.remove(join(dir, entry.name));
        log(`  removed ${join(dir, entry.name)} (no such notebook in the course)`);
      }
    }
  }
}

/** Builds the site (see the module comment) and returns what it wrote. */
export async function buildSite(options: BuildSiteOptions): Promise<BuiltSite> {
  const log = options.log ?? ((line: string) => console.error(line));
  const courseTitle = options.courseTitle ?? COURSE_TITLE;
  const pages: SitePage[] = [];
  const indexEditions: IndexEdition[] = [];
  for (const edition of options.editions) {
    const dir = join(options.root, edition.dir);
    const toRoot = edition.dir === "" ? "" : "../".repeat(edition.dir.split("/").length);
    const markdown = createMarkdownRenderer({ rewriteLink: (href) => notebookLinkToPage(href, toRoot) });
    const present: string[] = [];
    for (const file of edition.files) {
      if (await exists(join(dir, file))) present.push(file);
      else log(`  site: ${join(dir, file)} has not been executed; its page is left out`);
    }
    const notebooks = await Promise.all(present.map((file) => readNotebook(join(dir, file))));
    const intros = notebooks.map((notebook, i) => notebookIntro(notebook, present[i], markdown));
    // the same introductions on the index page, at the site's root
    const indexMarkdown = createMarkdownRenderer({ rewriteLink: (href) => linkOnIndex(href, edition.dir) });
    const indexIntros = notebooks.map((notebook, i) => notebookIntro(notebook, present[i], indexMarkdown));
    const link = (i: number): PageLink | undefined =>
      i >= 0 && i < present.length ? { href: pageName(present[i]), title: intros[i].title } : undefined;
    for (const [i, notebook] of notebooks.entries()) {
      const page = renderNotebookPage(notebook, intros[i], {
        lang: edition.lang,
        courseTitle,
        toRoot,
        indexHref: `${toRoot}${INDEX_PAGE}#${edition.id}`,
        previous: link(i - 1),
        next: link(i + 1),
        notebookFile: present[i],
      }, markdown);
      for (const item of new Set(page.removed)) log(`  site: ${present[i]}: left out ${item}`);
      const path = join(dir, pageName(present[i]));
      await writeFileAtomic(path, page.html);
      pages.push({ path, notebook: join(dir, present[i]), figures: page.figures });
    }
    await removeStalePages(dir, new Set(present.map(pageName)), log);
    indexEditions.push({
      id: edition.id,
      label: edition.label,
      lang: edition.lang,
      notebooks: present.map((file, i) => ({
        href: `${edition.dir === "" ? "" : `${edition.dir}/`}${pageName(file)}`,
        intro: indexIntros[i],
      })),
    });
  }
  const assets = await siteAssets();
  await writeDirAtomic(join(options.root, "assets"), async (dir) => {
    for (const [path, content] of assets) await writeFileAtomic(join(dir, path), content);
  });
  const glossary = join(options.root, GLOSSARY_PAGE);
  const glossaryMarkdown = createMarkdownRenderer({ rewriteLink: (href) => notebookLinkToPage(href, "") });
  await writeFileAtomic(
    glossary,
    renderGlossaryPage(courseTitle, await Deno.readTextFile(GLOSSARY_FILE), glossaryMarkdown),
  );
  const index = join(options.root, INDEX_PAGE);
  await writeFileAtomic(index, renderIndexPage(courseTitle, options.lead ?? COURSE_LEAD, indexEditions));
  return { index, pages, written: [...pages.map((p) => p.path), glossary, index] };
}
