/**
 * The exported site's parts without a browser: HTML cleaning, markdown with
 * maths, output rendering, editions, assets, and a whole build on small
 * synthetic notebooks (pages, index, links, stale pages). The browser checks
 * of real pages are in `notebook_clients_test.ts`.
 */
import { join } from "node:path";
import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { cleanHtml, isExternalUrl } from "../src/site/clean_html.ts";
import { createMarkdownRenderer } from "../src/site/markdown.ts";
import { renderOutput } from "../src/site/outputs.ts";
import { listEditions, numberedNotebooks } from "../src/site/editions.ts";
import { cssUrls, rootBlock, siteAssets, woff2Only } from "../src/site/assets.ts";
import { buildSite, GLOSSARY_PAGE, INDEX_PAGE } from "../src/site/build.ts";
import { parseNotebook, readNotebook } from "../src/site/notebook_file.ts";
import { repoRoot } from "../src/fsutil.ts";

/** The text a reader sees in some HTML: tags and KaTeX's hidden TeX annotations removed. */
function visibleText(html: string): string {
  return html.replace(/<annotation[^>]*>[\s\S]*?<\/annotation>/g, "").replace(/<[^>]+>/g, "");
}

/** A one-pixel PNG, base64. */
const PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

Deno.test("isExternalUrl: only data: URIs, fragments and relative paths stay inside the site", () => {
  for (const url of ["data:image/png;base64,AA", "#top", "02-mlp.html", "assets/site.css", "../index.html#ko"]) {
    assert(!isExternalUrl(url), url);
  }
  for (
    const url of ["http://127.0.0.1:8000/", "https://cdn.example/x.js", "file:///usr/share/x.js", "/abs", "//cdn/x"]
  ) {
    assert(isExternalUrl(url), url);
  }
});

Deno.test("cleanHtml drops frames, scripts, handlers and outside resources, and says where a frame was", () => {
  const frame = cleanHtml('<p>The app runs here.</p><iframe src="http://127.0.0.1:42185/" width="100%"></iframe>');
  assert(!frame.html.includes("iframe") && !frame.html.includes("127.0.0.1"), frame.html);
  assert(frame.html.includes("<p>The app runs here.</p>"), frame.html);
  assert(frame.html.includes('class="left-out"') && frame.html.includes("live frame"), frame.html);
  assertEquals(frame.removed, ["<iframe> http://127.0.0.1:42185/"]);

  const mixed = cleanHtml(
    `<script>alert(1)</script><div onclick="steal()">a</div>` +
      `<img src="https://example.org/x.png"><img src="data:image/png;base64,${PNG_1PX}" alt="kept">` +
      `<img src="figures/local.png"><a href="https://example.org/">a link</a><a href="javascript:alert(1)">js</a>` +
      `<div style="background:url(http://example.org/bg.png)">bg</div><style>@import url(http://x/y.css);</style>` +
      `<svg><use href="http://example.org/sprite.svg#a"></use></svg><pre>Epoch 1/5\nEpoch 2/5</pre>`,
  );
  const html = mixed.html;
  for (
    const gone of ["<script", "onclick", "https://example.org/x.png", "javascript:", "bg.png", "@import", "sprite"]
  ) {
    assert(!html.includes(gone), `${gone} should be gone: ${html}`);
  }
  for (const kept of ['alt="kept"', 'src="figures/local.png"', 'href="https://example.org/"', "Epoch 1/5\nEpoch 2/5"]) {
    assert(html.includes(kept), `${kept} should stay: ${html}`);
  }
  assert(html.includes("a picture from outside the notebook"), html);
});

Deno.test("markdown: $…$ and $$…$$ become KaTeX at export time, with no TeX or http: left in the text", () => {
  const markdown = createMarkdownRenderer();
  const html = markdown.render(
    "A unit computes $z = \\sum_i w_i x_i + b$ and softmax gives\n\n" +
      "$$P(y = j \\mid z) = \\frac{e^{z_j}}{\\sum_{k=1}^{10} e^{z_k}}$$\n\n" +
      "손실은 $L$는 작다. Underscores in maths stay maths: $x_1, x_2$.",
  );
  assertEquals((html.match(/class="katex-display"/g) ?? []).length, 1, "one display formula");
  assertEquals((html.match(/class="katex"/g) ?? []).length, 4, "four formulas in all");
  const text = visibleText(html);
  assert(!text.includes("$") && !/\\[a-z]{2,}/i.test(text), `raw TeX in: ${text}`);
  assert(!html.includes("<em>"), "underscores inside maths are not emphasis");
  assert(!/https?:/.test(html), "KaTeX's MathML namespace attribute is dropped");
  assert(html.includes('<annotation encoding="application/x-tex">'), "the TeX source stays for screen readers");
});

Deno.test("markdown: highlighted code fences, rewritten links, attachments, and a bad formula shown not thrown", () => {
  const markdown = createMarkdownRenderer({ rewriteLink: (href) => href.replace(/\.ipynb$/, ".html") });
  const code = markdown.render("```ts\nconst model = tf.sequential();\n```");
  assert(code.includes('<span class="hljs-keyword">const</span>'), code);
  assert(markdown.render("See [notebook 02](02-mlp.ipynb).").includes('href="02-mlp.html"'));
  const image = markdown.render("![digit](attachment:seven.png)", { "seven.png": { "image/png": PNG_1PX } });
  assert(image.includes(`src="data:image/png;base64,${PNG_1PX}"`), image);
  const broken = markdown.render("An unbalanced $\\frac{1}{$ formula.");
  assert(broken.includes("katex-error"), broken);
});

Deno.test("renderOutput: a chart's SVG as an <img>, PNG otherwise, cleaned HTML, coloured plain text", () => {
  const markdown = createMarkdownRenderer();
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10"/></svg>';
  const chart = renderOutput({
    output_type: "execute_result",
    data: { "image/svg+xml": svg, "image/png": PNG_1PX, "text/plain": "[figure: MLP learning curves, 20×10 px]" },
  }, markdown);
  assert(chart.figure);
  assert(chart.html.startsWith('<div class="output figure"><img src="data:image/svg+xml;base64,'), chart.html);
  assert(chart.html.includes('alt="[figure: MLP learning curves, 20×10 px]"'), chart.html);
  assert(!chart.html.includes("http:"), "the SVG is inside base64");
  // a chart with Hangul is shown from its PNG: an <img> SVG cannot use the page's font
  const korean = renderOutput({
    output_type: "execute_result",
    data: { "image/svg+xml": svg.replace("</svg>", "<text>정확도</text></svg>"), "image/png": PNG_1PX },
  }, markdown);
  assert(korean.figure && korean.html.includes(`src="data:image/png;base64,${PNG_1PX}"`), korean.html);

  const png = renderOutput({
    output_type: "display_data",
    data: { "image/png": `${PNG_1PX.slice(0, 20)}\n${PNG_1PX.slice(20)}` },
    metadata: { "image/png": { width: 400 } },
  }, markdown);
  assert(png.html.includes(`src="data:image/png;base64,${PNG_1PX}"`) && png.html.includes('width="400"'), png.html);
  assert(png.html.includes('alt="figure"'));

  const html = renderOutput({
    output_type: "display_data",
    data: { "text/html": '<pre>a\nb</pre><iframe src="http://127.0.0.1:1/"></iframe>', "text/plain": "a b" },
  }, markdown);
  assert(!html.figure && html.html.includes("<pre>a\nb</pre>") && !html.html.includes("iframe"), html.html);
  assertEquals(html.removed.length, 1);

  const plain = renderOutput({
    output_type: "execute_result",
    data: { "text/plain": '\x1b[32m"<b>"\x1b[39m' },
  }, markdown);
  assert(plain.html.includes("&lt;b&gt;") && /style="color:rgb\(/.test(plain.html), plain.html);

  const stderr = renderOutput({ output_type: "stream", name: "stderr", text: ["careful\n"] }, markdown);
  assert(stderr.html.startsWith('<div class="output stream stderr"><pre>careful'), stderr.html);
  const error = renderOutput(
    { output_type: "error", ename: "TypeError", evalue: "x is undefined", traceback: [] },
    markdown,
  );
  assert(error.html.includes("TypeError: x is undefined"), error.html);
  const json = renderOutput({ output_type: "display_data", data: { "application/json": { a: 1 } } }, markdown);
  assert(json.html.includes("&quot;a&quot;: 1"), json.html);
});

Deno.test("listEditions: the main notebooks and their solutions first, then each language folder and its solutions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "editions-" });
  try {
    const files = ["01-a.ipynb", "02-b.ipynb", "notes.ipynb", "ko/01-a.ipynb", "assets/01-x.ipynb"];
    for (const path of [...files, "solutions/01-a-solutions.ipynb", "ko/solutions/01-a-solutions.ipynb"]) {
      await Deno.mkdir(join(dir, path, ".."), { recursive: true });
      await Deno.writeTextFile(join(dir, path), "{}");
    }
    await Deno.mkdir(join(dir, "de"));
    const editions = await listEditions(dir);
    assertEquals(editions.map((e) => [e.id, e.label, e.lang, e.dir, e.files]), [
      ["en", "English", "en", "", ["01-a.ipynb", "02-b.ipynb"]],
      ["solutions", "Solutions to the exercises", "en", "solutions", ["01-a-solutions.ipynb"]],
      ["ko", "한국어", "ko", "ko", ["01-a.ipynb"]],
      ["ko-solutions", "한국어: 연습 문제 해답", "ko", "ko/solutions", ["01-a-solutions.ipynb"]],
    ]);
    assertEquals(await numberedNotebooks(join(dir, "missing")), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("site assets: the app's colours, KaTeX's WOFF2 fonts, and every url() present", async () => {
  const css = '@font-face{src:url(fonts/A.woff2) format("woff2"),url(fonts/A.woff) format("woff"),url(fonts/A.ttf) ' +
    'format("truetype")}';
  assertEquals(cssUrls(woff2Only(css)), ["fonts/A.woff2"]);
  assertThrows(() => rootBlock("body{}", "style.css"), Error, "style.css has no :root");
  const assets = await siteAssets();
  const appCss = await Deno.readTextFile(join(repoRoot(), "src/app/static/style.css"));
  assert(
    (assets.get("site.css") as string).startsWith(rootBlock(appCss, "app")),
    "site.css starts with the app's :root",
  );
  const katex = assets.get("katex/katex.min.css") as string;
  const fonts = cssUrls(katex);
  assert(fonts.length >= 20 && fonts.every((url) => url.endsWith(".woff2")), `${fonts.length} KaTeX fonts, all WOFF2`);
  for (const url of fonts) assert(assets.get(join("katex", url)) instanceof Uint8Array, `${url} is carried`);
  // the course's font, so Hangul shows on a machine without a Korean font
  const site = assets.get("site.css") as string;
  assert(/@font-face\s*\{[^}]*font-family: Pretendard/.test(site), "site.css declares Pretendard");
  for (const url of cssUrls(site).filter((u) => u.startsWith("fonts/"))) {
    const bytes = assets.get(url) as Uint8Array;
    assert(bytes instanceof Uint8Array && bytes.length > 1_000_000, `${url} is carried`);
    assertEquals(new TextDecoder().decode(bytes.subarray(0, 4)), "OTTO", `${url} is an OpenType font`);
  }
});

/** A small notebook: a title cell, a code cell with a chart and a PNG, and maths. */
function notebookJson(title: string, extra = ""): string {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><rect width="30" height="20"/></svg>';
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "deno", language: "typescript" }, language_info: { name: "typescript" } },
    cells: [
      { cell_type: "markdown", source: [`# ${title}\n`, "\n", `What it teaches: $a^2 + b^2$.${extra}`] },
      {
        cell_type: "code",
        source: "const x = 1;\nchart()",
        execution_count: 1,
        outputs: [
          { output_type: "execute_result", data: { "image/svg+xml": svg, "text/plain": "[figure]" }, metadata: {} },
          { output_type: "display_data", data: { "image/png": PNG_1PX }, metadata: {} },
        ],
      },
    ],
  });
}

Deno.test("buildSite: pages in course order with previous/next, an index per edition, nothing from outside", async () => {
  const root = await Deno.makeTempDir({ prefix: "site-" });
  try {
    await Deno.mkdir(join(root, "ko"));
    await Deno.writeTextFile(
      join(root, "01-first.ipynb"),
      notebookJson("01 · First", " Next: [02](02-second.ipynb). Terms: [glossary](../docs/GLOSSARY.md)."),
    );
    await Deno.writeTextFile(join(root, "02-second.ipynb"), notebookJson("02 · Second"));
    await Deno.writeTextFile(
      join(root, "ko", "01-first.ipynb"),
      notebookJson("01 · 첫째", " [용어집](../../docs/GLOSSARY.md#data), [다음](02-second.ipynb)"),
    );
    await Deno.writeTextFile(join(root, "09-renamed.html"), "an old page");
    const lines: string[] = [];
    const site = await buildSite({
      root,
      editions: [
        { id: "en", label: "English", lang: "en", dir: "", files: ["01-first.ipynb", "02-second.ipynb", "03-x.ipynb"] },
        { id: "ko", label: "한국어", lang: "ko", dir: "ko", files: ["01-first.ipynb"] },
      ],
      log: (line) => lines.push(line),
    });
    assertEquals(site.pages.map((p) => [p.path.slice(root.length + 1), p.figures]), [
      ["01-first.html", 2],
      ["02-second.html", 2],
      ["ko/01-first.html", 2],
    ]);
    assert(lines.some((l) => l.includes("03-x.ipynb has not been executed")), lines.join("\n"));
    assert(lines.some((l) => l.includes("removed") && l.includes("09-renamed.html")), lines.join("\n"));
    await assertRejects(() => Deno.stat(join(root, "09-renamed.html")), Deno.errors.NotFound);

    const first = await Deno.readTextFile(join(root, "01-first.html"));
    assert(first.includes('rel="next" href="02-second.html"') && !first.includes('rel="prev"'), "01 links on to 02");
    assert(first.includes('href="02-second.html">02</a>'), "a link to a notebook goes to its page");
    // the glossary every notebook links to is a page of the site, from every edition's depth
    assert(first.includes('href="glossary.html">glossary</a>'), "the glossary link goes to its page");
    const glossary = await Deno.readTextFile(join(root, GLOSSARY_PAGE));
    assert(glossary.includes("<table>") && glossary.includes("과적합") && glossary.includes('href="index.html"'));
    assert(first.includes('href="index.html#en"') && first.includes('href="assets/site.css"'));
    assert(first.includes('<span class="hljs-keyword">const</span>'), "code is highlighted");
    const second = await Deno.readTextFile(join(root, "02-second.html"));
    assert(second.includes('rel="prev" href="01-first.html"') && !second.includes('rel="next"'));
    const korean = await Deno.readTextFile(join(root, "ko", "01-first.html"));
    assert(korean.includes('<html lang="ko">') && korean.includes('href="../assets/katex/katex.min.css"'));
    assert(korean.includes('href="../index.html#ko"'));
    assert(korean.includes('href="../glossary.html#data"'), "a Korean page's glossary link, one folder up");
    // the frame in the page's language
    assert(korean.includes(": 차례</a>") && korean.includes("내려받아 Jupyter에서 열고"), "Korean frame words");
    assert(first.includes(": contents</a>") && first.includes("download it to open it in Jupyter"), "English frame");

    const index = await Deno.readTextFile(join(root, INDEX_PAGE));
    const links = [...index.matchAll(/<h3><a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]]);
    assertEquals(links, [["01-first.html", "01 · First"], ["02-second.html", "02 · Second"], [
      "ko/01-first.html",
      "01 · 첫째",
    ]]);
    assert(index.includes('<section class="edition" id="ko" lang="ko">') && index.includes("<h2>한국어</h2>"));
    assert(index.includes('class="katex"'), "the introduction's maths is typeset on the index too");
    assert(index.includes(`href="${GLOSSARY_PAGE}"`), "the index links the glossary");
    // the introductions' links on the index, at the site's root: the glossary there, a notebook in its edition's folder
    assert(index.includes('href="glossary.html#data"') && !index.includes('href="../'), "the index's intro links");
    assert(index.includes('href="ko/02-second.html"'), "a Korean intro's notebook link, in its folder, on the index");
    for (const page of [first, second, korean, index, glossary]) {
      assert(!/file:\/\/\/|https?:/.test(page), "no absolute file: URL and no http(s): URL in a page");
    }
    await Deno.stat(join(root, "assets", "katex", "fonts", "KaTeX_Main-Regular.woff2"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a damaged notebook stops the build with its name", async () => {
  assertThrows(() => parseNotebook("{not json", "broken.ipynb"), Error, "broken.ipynb is not valid JSON");
  assertThrows(() => parseNotebook('{"nbformat": 3, "cells": []}', "old.ipynb"), Error, "old.ipynb is not a Jupyter");
  assertThrows(
    () => parseNotebook('{"nbformat": 4, "cells": [{"source": "x"}]}', "odd.ipynb"),
    Error,
    "odd.ipynb: cell 1 has no cell_type",
  );
  await assertRejects(() => readNotebook("/nonexistent/01-x.ipynb"), Deno.errors.NotFound);
});

Deno.test("deno task notebooks --site-only rebuilds the site from executed copies, without Jupyter", async () => {
  const out = await Deno.makeTempDir({ prefix: "site-only-" });
  try {
    const source = join(repoRoot(), "notebooks");
    const names = await numberedNotebooks(source);
    for (const name of names) await Deno.copyFile(join(source, name), join(out, name));
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(repoRoot(), "src", "cli", "notebooks.ts"), "--site-only", "--out", out],
      env: { PATH: "/nonexistent" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    assert(output.success, new TextDecoder().decode(output.stderr));
    assert(stdout.includes(`wrote ${join(out, INDEX_PAGE)}`), stdout);
    assertEquals(stdout.split("\n").filter((l) => l.endsWith(".html")).length, names.length + 2);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
