/**
 * The files every page of the exported site shares, under `assets/`: the
 * site's stylesheet (the drawing app's colours and fonts, then the page
 * rules), highlight.js's GitHub theme, and KaTeX's stylesheet with its fonts.
 * All come from this repository or from npm packages in `node_modules/`;
 * every `url()` they contain is checked to point at a file that is copied.
 *
 * @module
 */
import { dirname, join, normalize } from "node:path";
import { repoRoot } from "../fsutil.ts";

/** Where the drawing app's stylesheet is; its `:root` block gives the site its look. */
const APP_STYLESHEET = "src/app/static/style.css";
/** The site's own page rules. */
const SITE_STYLESHEET = "src/site/site.css";
/** highlight.js's theme (a light one, like the app). */
const HIGHLIGHT_THEME = "node_modules/highlight.js/styles/github.min.css";
/** KaTeX's stylesheet; its fonts are beside it in `fonts/`. */
const KATEX_STYLESHEET = "node_modules/katex/dist/katex.min.css";

/** The course's font (the figures' one too), so Hangul shows on a machine without a Korean font. */
const FONT_FILES = ["Pretendard-Regular.otf", "Pretendard-Bold.otf", "LICENSE-Pretendard.txt"];
const FONT_DIR = "src/plots/fonts";
/** The assets: path under `assets/` → contents. */
export type SiteAssets = Map<string, string | Uint8Array>;

async function readRepoText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(join(repoRoot(), path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && path.startsWith("node_modules/")) {
      throw new Error(`${path} is missing: install the npm packages with \`deno install\``);
    }
    throw error;
  }
}

/**
 * The `@font-face` rules of a stylesheet: the app's declare the course font
 * ({@link FONT_FILES}, under `fonts/`), and the site carries the same files.
 */
export function fontFaces(css: string, name: string): string {
  const rules = css.match(/@font-face\s*\{[^}]*\}/g);
  if (!rules) throw new Error(`${name} has no @font-face rules to take the site's font from`);
  return rules.join("\n");
}

/** The `:root { … }` block of a stylesheet (custom properties, font, colours). */
export function rootBlock(css: string, name: string): string {
  const block = css.match(/:root\s*\{[^}]*\}/)?.[0];
  if (!block) throw new Error(`${name} has no :root { … } block to take the site's colours and fonts from`);
  return block;
}

/**
 * KaTeX's stylesheet keeping only the WOFF2 source of each font (every browser
 * that runs KaTeX reads WOFF2), so the site carries 20 small files, not 60.
 */
export function woff2Only(css: string): string {
  return css.replace(
    /src:(url\([^)]*\.woff2\) format\("woff2"\))(,url\([^)]*\) format\("[a-z]+"\))*/g,
    "src:$1",
  );
}

/** Every `url(…)` target of a stylesheet. */
export function cssUrls(css: string): string[] {
  return [...css.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)].map((m) => m[2]);
}

/** Builds the asset files; throws when a stylesheet refers to a file it does not have. */
export async function siteAssets(): Promise<SiteAssets> {
  const assets: SiteAssets = new Map();
  const appCss = await readRepoText(APP_STYLESHEET);
  assets.set(
    "site.css",
    [rootBlock(appCss, APP_STYLESHEET), fontFaces(appCss, APP_STYLESHEET), await readRepoText(SITE_STYLESHEET)]
      .join("\n"),
  );
  for (const name of FONT_FILES) {
    assets.set(`fonts/${name}`, await Deno.readFile(join(repoRoot(), FONT_DIR, name)));
  }
  assets.set("highlight.css", await readRepoText(HIGHLIGHT_THEME));
  const katexCss = woff2Only(await readRepoText(KATEX_STYLESHEET));
  assets.set("katex/katex.min.css", katexCss);
  for (const url of new Set(cssUrls(katexCss))) {
    const file = normalize(join(dirname(KATEX_STYLESHEET), url));
    assets.set(normalize(join("katex", url)), await Deno.readFile(join(repoRoot(), file)));
  }
  for (const [path, content] of assets) {
    if (!path.endsWith(".css")) continue;
    for (const url of cssUrls(content as string)) {
      if (url.startsWith("data:")) continue;
      const target = normalize(join(dirname(path), url));
      if (/^[a-z]+:/i.test(url) || !assets.has(target)) {
        throw new Error(`assets/${path} refers to ${url}, which the site does not carry`);
      }
    }
  }
  return assets;
}
