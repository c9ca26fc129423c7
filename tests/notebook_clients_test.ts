// (Page code is passed as strings: the tests are type-checked without the DOM library.)
/**
 * The course's notebooks in the clients a teacher opens them with, in a real
 * browser (Debian's chromium, driven by playwright-core):
 *
 * 1. Jupyter Notebook (Debian's classic `jupyter-notebook`): every notebook
 *    opened untrusted, as a fresh clone opens; every output that holds a
 *    figure must show an image that decoded, has a size and is not blank.
 * 2. The exported site (`src/site/`), opened from `file://` with the network
 *    cut: every page shows every figure, its maths typeset by KaTeX with
 *    KaTeX's own fonts, no TeX left as text, links in course order, nothing
 *    fetched from outside the site; and the same from a plain HTTP server.
 *
 * Both read the committed notebooks in `notebooks/`; set
 * `MNIST_CLIENT_NOTEBOOKS=DIR` to check other executed notebooks instead
 * (e.g. `reports/notebooks`), and `MNIST_CLIENT_SCREENSHOTS=DIR` to keep a
 * full-page screenshot of every page. Skipped, with a notice, where
 * `jupyter-notebook` or chromium is missing.
 */
import { dirname, join, relative, resolve } from "node:path";
import { parseHTML } from "linkedom";
import { assert, assertEquals } from "./assert.ts";
import { hasJupyterNotebook, startNotebookServer } from "./jupyter_server.ts";
import { repoRoot } from "../src/fsutil.ts";
import { buildSite, INDEX_PAGE, pageName } from "../src/site/build.ts";
import { type Edition, listEditions } from "../src/site/editions.ts";
import { isFigureOutput, joinText, readNotebook } from "../src/site/notebook_file.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
/** A folder of notebooks to check instead of `notebooks/`. */
const NOTEBOOKS_ENV = "MNIST_CLIENT_NOTEBOOKS";
/** A folder to save screenshots into. */
const SCREENSHOTS_ENV = "MNIST_CLIENT_SCREENSHOTS";
/** How long a notebook may take to load in Jupyter's page. */
const NOTEBOOK_LOAD_TIMEOUT_MS = 60_000;
/** Notebooks open at once in the Jupyter check. */
const PARALLEL_TABS = 2;
/** Fewest distinct colours a shown figure has (a blank or one-colour box has 1). */
const MIN_COLOURS = 2;

async function hasChromium(): Promise<boolean> {
  try {
    return (await Deno.stat(CHROMIUM)).isFile;
  } catch {
    return false;
  }
}

const chromiumMissing = !(await hasChromium());
const jupyterMissing = !(await hasJupyterNotebook());
if (chromiumMissing) {
  console.warn(`notebook_clients_test: SKIPPED, ${CHROMIUM} is missing (apt-get install -y chromium to run it)`);
} else if (jupyterMissing) {
  console.warn(
    "notebook_clients_test: the Jupyter Notebook check is SKIPPED, jupyter-notebook is missing " +
      "(apt-get install -y jupyter-notebook to run it)",
  );
}

const sourceDir = resolve(Deno.env.get(NOTEBOOKS_ENV) ?? join(repoRoot(), "notebooks"));
const screenshotDir = Deno.env.get(SCREENSHOTS_ENV);

/** Copies each edition's notebooks into a fresh folder (the clients write checkpoints beside what they open). */
async function copyCourse(editions: Edition[]): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "notebook-clients-" });
  for (const edition of editions) {
    await Deno.mkdir(join(root, edition.dir), { recursive: true });
    for (const file of edition.files) {
      await Deno.copyFile(join(sourceDir, edition.dir, file), join(root, edition.dir, file));
    }
  }
  return root;
}

/** Where each figure output is: [cell index, output index] pairs. */
async function figureOutputs(path: string): Promise<[number, number][]> {
  const notebook = await readNotebook(path);
  return notebook.cells.flatMap((cell, c) => {
    // Jupyter Notebook shows consecutive stream outputs of one name (console.log lines) in one output area
    let area = -1;
    let previous: { output_type?: string; name?: string } | undefined;
    return (cell.outputs ?? []).flatMap((output) => {
      const merged = output.output_type === "stream" && previous?.output_type === "stream" &&
        previous.name === output.name;
      if (!merged) area++;
      previous = output;
      return isFigureOutput(output) ? [[c, area] as [number, number]] : [];
    });
  });
}

/**
 * Page code: how an image element is shown. Waits for it to decode, then
 * counts the distinct colours of (a sample of) its pixels.
 */
const INSPECT_IMAGE = `async (element) => {
  if (!element) return { shown: null };
  const rect = element.getBoundingClientRect();
  if (element.tagName.toLowerCase() === "svg") {
    return { shown: "svg", naturalWidth: rect.width, naturalHeight: rect.height, width: rect.width,
      height: rect.height, colours: element.querySelectorAll("*").length > 0 ? 2 : 0 };
  }
  try { await element.decode(); } catch { /* reported by the sizes below */ }
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.min(element.naturalWidth, 400));
  canvas.height = Math.max(1, Math.min(element.naturalHeight, 400));
  const context = canvas.getContext("2d");
  let colours = 0;
  try {
    context.drawImage(element, 0, 0, canvas.width, canvas.height);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set();
    for (let i = 0; i < pixels.length && seen.size < 16; i += 4 * 7) seen.add(pixels[i] << 16 | pixels[i + 1] << 8 | pixels[i + 2]);
    colours = seen.size;
  } catch { colours = -1; }
  return { shown: "img", naturalWidth: element.naturalWidth, naturalHeight: element.naturalHeight,
    width: rect.width, height: rect.height, colours };
}`;

interface Shown {
  shown: "img" | "svg" | null;
  naturalWidth?: number;
  naturalHeight?: number;
  width?: number;
  height?: number;
  colours?: number;
}

/** Why a figure does not count as visible, or null when it does. */
function problem(shown: Shown): string | null {
  if (!shown.shown) return "nothing shown";
  if (!(shown.naturalWidth! > 0 && shown.naturalHeight! > 0)) return `no image data (natural size 0)`;
  if (!(shown.width! > 0 && shown.height! > 0)) return `drawn with no size (${shown.width}×${shown.height})`;
  if (shown.colours! < MIN_COLOURS) return `blank (${shown.colours} colour)`;
  return null;
}

/** How Jupyter Notebook's page shows each figure output (cell index, output area index) of the open notebook. */
async function shownInJupyter(page: import("playwright-core").Page, expected: [number, number][]): Promise<Shown[]> {
  return await page.evaluate(
    `(async (expected) => {
      const inspect = ${INSPECT_IMAGE};
      const cells = Jupyter.notebook.get_cells();
      const results = [];
      for (const [c, o] of expected) {
        const area = cells[c].output_area.element[0].querySelectorAll(":scope > .output_area")[o];
        results.push(await inspect(area?.querySelector(".output_subarea img, .output_subarea svg")));
      }
      return results;
    })(${JSON.stringify(expected)})`,
  ) as Shown[];
}

/** Full-page screenshot into MNIST_CLIENT_SCREENSHOTS (when set). */
async function screenshot(page: import("playwright-core").Page, name: string): Promise<void> {
  if (!screenshotDir) return;
  await Deno.mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name.replaceAll("/", "_")}.png`), fullPage: true });
}

Deno.test({
  name: "Jupyter Notebook, untrusted: every figure output of every notebook shows a non-empty image",
  ignore: chromiumMissing || jupyterMissing,
  sanitizeResources: false, // playwright keeps a pipe to the browser process it shuts down itself
  sanitizeOps: false,
  async fn() {
    const { chromium } = await import("playwright-core");
    const editions = await listEditions(sourceDir);
    assert(editions.length > 0, `no notebooks in ${sourceDir}`);
    const root = await copyCourse(editions);
    const server = await startNotebookServer(root);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const failures: string[] = [];
    let figures = 0;
    try {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      // no kernel: the page shows exactly the outputs saved in the file
      await context.route(
        "**/api/sessions",
        (route) => route.request().method() === "POST" ? route.abort() : route.continue(),
      );
      const paths = editions.flatMap((edition) => edition.files.map((file) => join(edition.dir, file)));
      const check = async (page: import("playwright-core").Page, path: string) => {
        const expected = await figureOutputs(join(root, path));
        await page.goto(server.notebookUrl(path), { waitUntil: "commit" });
        await page.waitForFunction("window.Jupyter?.notebook?._fully_loaded === true", null, {
          timeout: NOTEBOOK_LOAD_TIMEOUT_MS,
        });
        assertEquals(await page.evaluate("Jupyter.notebook.trusted"), false, `${path} opened trusted`);
        const shown = await shownInJupyter(page, expected);
        figures += expected.length;
        shown.forEach((result, i) => {
          const why = problem(result);
          if (why) failures.push(`${path} cell ${expected[i][0] + 1} output ${expected[i][1] + 1}: ${why}`);
        });
        if (screenshotDir) {
          // the notebook scrolls inside #site; let the page grow instead, for a full-page picture
          await page.addStyleTag({
            content: "html,body,#site{height:auto!important;overflow:visible!important;position:static!important}",
          });
          await screenshot(page, `jupyter-${path.replace(/\.ipynb$/, "")}`);
        }
      };
      // a few tabs at once: most of a notebook's load is the page's own script, which one tab runs on one core
      const queue = [...paths];
      await Promise.all(Array.from({ length: Math.min(PARALLEL_TABS, paths.length) }, async () => {
        const page = await context.newPage();
        for (let path = queue.shift(); path !== undefined; path = queue.shift()) await check(page, path);
      }));
    } finally {
      await browser.close();
      await server.close();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
    console.log(`Jupyter Notebook, untrusted: ${figures - failures.length} of ${figures} figure outputs visible`);
    // the committed notebooks carry their full-run outputs: a course without figures would pass the check above
    assert(figures > 0, `no figure outputs in ${sourceDir}: run deno task notebooks --inplace`);
    assertEquals(failures, [], `figure outputs not visible in an untrusted notebook (${sourceDir})`);
  },
});

/** Every reference a page or stylesheet makes (src, href, srcset, CSS url()), with where it is. */
function references(file: string, text: string): string[] {
  if (file.endsWith(".css")) return [...text.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)].map((m) => m[2]);
  const { document } = parseHTML(text);
  const found: string[] = [];
  for (const element of document.querySelectorAll("*")) {
    for (const name of ["src", "href", "poster", "data", "action"]) {
      const value = element.getAttribute(name);
      if (value !== null) found.push(value.trim());
    }
    const srcset = element.getAttribute("srcset");
    if (srcset) found.push(...srcset.split(",").map((part: string) => part.trim().split(/\s+/)[0]));
    const style = element.getAttribute("style");
    if (style) found.push(...[...style.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)].map((m) => m[2]));
  }
  return found;
}

/** Checks the site's files without a browser: every reference stays inside the site and resolves. */
async function checkFiles(root: string): Promise<string[]> {
  const problems: string[] = [];
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (/\.(html|css)$/.test(entry.name)) files.push(path);
    }
  };
  await walk(root);
  for (const file of files) {
    const text = await Deno.readTextFile(file);
    const name = relative(root, file);
    // an absolute file: URL would work only on this machine; code that saves to a relative file:// folder is fine
    if (/file:\/\/\//i.test(text)) problems.push(`${name} contains a "file:///" URL`);
    if (text.includes(repoRoot()) || text.includes(root)) problems.push(`${name} contains a path of this machine`);
    for (const full of references(file, text)) {
      if (full.startsWith("data:") || full.startsWith("#")) continue;
      const reference = full.length > 100 ? `${full.slice(0, 100)}…` : full;
      if (/^[a-z][a-z0-9+.-]*:/i.test(full) || full.startsWith("/")) {
        problems.push(`${name} refers outside the site: ${reference}`);
        continue;
      }
      const target = resolve(dirname(file), decodeURIComponent(full.replace(/[#?].*$/, "")));
      if (!target.startsWith(root + "/")) problems.push(`${name} refers outside the site: ${reference}`);
      else {
        try {
          await Deno.stat(target);
        } catch {
          problems.push(`${name} refers to a missing file: ${reference}`);
        }
      }
    }
  }
  return problems;
}

/** Page code: the checks of one exported page. */
const INSPECT_PAGE = `(async () => {
  const inspect = ${INSPECT_IMAGE};
  await document.fonts.ready;
  const figures = [];
  for (const image of document.querySelectorAll(".output.figure img")) figures.push(await inspect(image));
  // the prose as a reader sees it, without code (where $ and backslashes are legitimate)
  const prose = [...document.querySelectorAll(".cell.markdown")].map((cell) => {
    const copy = cell.cloneNode(true);
    copy.querySelectorAll("code, pre, .katex-mathml").forEach((e) => e.remove());
    return copy.innerText;
  }).join("\\n");
  const link = (rel) => document.querySelector("nav.pager.top a[rel=" + rel + "]")?.getAttribute("href") ?? null;
  return {
    figures,
    prose,
    maths: document.querySelectorAll(".katex").length,
    mathErrors: document.querySelectorAll(".katex-error").length,
    katexFont: document.fonts.check("16px KaTeX_Main"),
    // the course's font, carried by the site, so Hangul shows without a Korean system font
    courseFont: [...document.fonts].some((f) => f.family.replace(/"/g, "") === "Pretendard" && f.status === "loaded"),
    previous: link("prev"),
    next: link("next"),
    contents: document.querySelector("nav.pager.top a.contents-link")?.getAttribute("href") ?? null,
  };
})()`;

interface PageReport {
  figures: Shown[];
  prose: string;
  maths: number;
  mathErrors: number;
  katexFont: boolean;
  courseFont: boolean;
  previous: string | null;
  next: string | null;
  contents: string | null;
}

Deno.test({
  name: "Jupyter Notebook, trusted: the course's main notebooks show every figure, charts as SVG",
  ignore: chromiumMissing || jupyterMissing,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { chromium } = await import("playwright-core");
    const editions = await listEditions(sourceDir);
    const main = editions[0];
    const root = await copyCourse([main]);
    const paths = main.files.map((file) => join(main.dir, file));
    const server = await startNotebookServer(root, { trusted: paths });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const failures: string[] = [];
    let figures = 0, svgs = 0;
    try {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      await context.route(
        "**/api/sessions",
        (route) => route.request().method() === "POST" ? route.abort() : route.continue(),
      );
      const page = await context.newPage();
      for (const path of paths) {
        const expected = await figureOutputs(join(root, path));
        await page.goto(server.notebookUrl(path), { waitUntil: "commit" });
        await page.waitForFunction("window.Jupyter?.notebook?._fully_loaded === true", null, {
          timeout: NOTEBOOK_LOAD_TIMEOUT_MS,
        });
        assertEquals(await page.evaluate("Jupyter.notebook.trusted"), true, `${path} did not open trusted`);
        const shown = await shownInJupyter(page, expected);
        figures += expected.length;
        svgs += shown.filter((r) => r.shown === "svg").length;
        shown.forEach((result, i) => {
          const why = problem(result);
          if (why) failures.push(`${path} cell ${expected[i][0] + 1} output ${expected[i][1] + 1}: ${why}`);
        });
      }
    } finally {
      await browser.close();
      await server.close();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
    console.log(
      `Jupyter Notebook, trusted: ${figures - failures.length} of ${figures} figure outputs visible, ${svgs} as SVG`,
    );
    assert(figures > 0, `no figure outputs in ${sourceDir}: run deno task notebooks --inplace`);
    // trusted, Jupyter prefers a chart's SVG to its PNG
    assert(svgs > 0, "no chart shown as SVG in a trusted notebook");
    assertEquals(failures, [], `figure outputs not visible in a trusted notebook (${sourceDir})`);
  },
});

/** TeX that would show if maths were not typeset: `$` delimiters or a control word. */
const RAW_TEX = /\$|\\[A-Za-z]{2,}/;

Deno.test({
  name: "exported site: every page shows every figure and typeset maths, offline from file:// and over HTTP",
  ignore: chromiumMissing,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { chromium } = await import("playwright-core");
    const editions = await listEditions(sourceDir);
    assert(editions.length > 0, `no notebooks in ${sourceDir}`);
    const root = await Deno.realPath(await copyCourse(editions));
    const site = await buildSite({ root, editions, log: () => {} });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const failures: string[] = await checkFiles(root);
    let figures = 0;
    try {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      const outside: string[] = [];
      const failed: string[] = [];
      // the network is off: anything but a file of the site is recorded and refused
      await context.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith(`file://${root}/`)) return route.continue();
        outside.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      page.on("requestfailed", (request) => failed.push(`${request.url()} (${request.failure()?.errorText})`));
      page.on("pageerror", (error) => failures.push(`script error: ${error.message}`));

      // the index: every notebook of every edition, in course order
      await page.goto(`file://${root}/${INDEX_PAGE}`);
      const links = await page.evaluate(
        `[...document.querySelectorAll(".contents h3 a")].map((a) => a.getAttribute("href"))`,
      );
      const expectedLinks = editions.flatMap((e) =>
        e.files.map((f) => `${e.dir === "" ? "" : `${e.dir}/`}${pageName(f)}`)
      );
      assertEquals(links, expectedLinks, "the index lists the notebooks in course order");
      await screenshot(page, "site-index");

      for (const edition of editions) {
        for (const [i, file] of edition.files.entries()) {
          const name = join(edition.dir, pageName(file));
          const notebook = await readNotebook(join(root, edition.dir, file));
          const expectedFigures = notebook.cells.flatMap((c) => c.outputs ?? []).filter(isFigureOutput).length;
          const hasMaths = notebook.cells.some((c) => c.cell_type === "markdown" && joinText(c.source).includes("$"));
          await page.goto(`file://${root}/${name}`);
          const report = await page.evaluate(INSPECT_PAGE) as PageReport;
          figures += expectedFigures;
          if (report.figures.length !== expectedFigures) {
            failures.push(`${name}: ${report.figures.length} figures on the page, ${expectedFigures} in the notebook`);
          }
          report.figures.forEach((shown, f) => {
            const why = problem(shown);
            if (why) failures.push(`${name} figure ${f + 1}: ${why}`);
          });
          const raw = report.prose.match(RAW_TEX);
          if (raw) {
            failures.push(`${name}: raw TeX in the text: …${report.prose.slice(raw.index! - 30, raw.index! + 30)}…`);
          }
          if (!report.courseFont) failures.push(`${name}: the text is not set in the site's own font (Pretendard)`);
          if (report.mathErrors > 0) failures.push(`${name}: ${report.mathErrors} maths KaTeX could not typeset`);
          if (hasMaths && !(report.maths > 0 && report.katexFont)) {
            failures.push(
              `${name}: maths not typeset with KaTeX's fonts (${report.maths} formulas, font ${report.katexFont})`,
            );
          }
          const neighbour = (j: number) => j >= 0 && j < edition.files.length ? pageName(edition.files[j]) : null;
          assertEquals(
            [report.previous, report.next, report.contents],
            [
              neighbour(i - 1),
              neighbour(i + 1),
              `${edition.dir === "" ? "" : "../".repeat(edition.dir.split("/").length)}${INDEX_PAGE}#${edition.id}`,
            ],
            `${name}: previous, next and contents links`,
          );
          await screenshot(page, `site-${name.replace(/\.html$/, "")}`);
        }
      }
      assertEquals(outside, [], "requests outside the site (the network is off)");
      assertEquals(failed, [], "requests that failed");
      assertEquals(site.pages.reduce((n, p) => n + p.figures, 0), figures, "figures the build counted");

      // the same site from a plain static web server
      const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
        const path = join(root, decodeURIComponent(new URL(request.url).pathname));
        if (!path.startsWith(root)) return new Response("outside", { status: 403 });
        try {
          const type =
            { html: "text/html", css: "text/css", woff2: "font/woff2", otf: "font/otf" }[path.split(".").pop()!];
          return new Response(await Deno.readFile(path), {
            headers: { "content-type": type ?? "application/octet-stream" },
          });
        } catch {
          return new Response("not found", { status: 404 });
        }
      });
      try {
        const origin = `http://127.0.0.1:${server.addr.port}`;
        const served = await browser.newContext();
        const requests: string[] = [];
        served.on("request", (request) => requests.push(request.url()));
        const httpPage = await served.newPage();
        // the first page with figures (the committed notebooks carry their outputs: deno task notebooks --inplace)
        const shown = site.pages.find((p) => p.figures > 0);
        assert(shown, `no page of ${sourceDir} has a figure: run deno task notebooks --inplace`);
        const first = relative(root, shown.path);
        const answer = await httpPage.goto(`${origin}/${first}`);
        assertEquals(answer?.status(), 200, `${first} over HTTP`);
        const report = await httpPage.evaluate(INSPECT_PAGE) as PageReport;
        assert(
          report.figures.length > 0 && report.figures.every((f) => problem(f) === null),
          `figures over HTTP: ${JSON.stringify(report.figures.map(problem))}`,
        );
        const elsewhere = requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith("data:"));
        assertEquals(elsewhere, [], "requests outside the static server");
      } finally {
        await server.shutdown();
      }
    } finally {
      await browser.close();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
    console.log(`exported site: ${site.pages.length} pages, ${figures} figures checked (${sourceDir})`);
    assertEquals(failures, [], "problems in the exported site");
  },
});
