/**
 * Makes an HTML fragment (a notebook's HTML output, or raw HTML in a markdown
 * cell) fit a static, offline page: nothing in it may load from outside the
 * site, and nothing in it runs. Parsed with linkedom, so the check is on
 * elements and attributes, not on text patterns.
 *
 * What goes: scripts, `on…` handlers, stylesheets and frames from elsewhere,
 * and any image, video or audio whose source is not a `data:` URI or a path
 * inside the site. Where a frame or picture was, a short note says so. Links
 * (`<a href>`) stay: following one is the reader's choice, not a load.
 *
 * @module
 */
import { parseHTML } from "linkedom";

/** Elements that never belong in a static page. */
const REMOVED_TAGS = ["script", "noscript", "base", "meta", "link"];
/** Elements that embed another document: replaced by a note. */
const FRAME_TAGS = ["iframe", "frame", "frameset", "object", "embed", "portal"];
/** Attributes that make the browser fetch something. */
const LOADING_ATTRIBUTES = ["src", "srcset", "poster", "data", "xlink:href", "background", "action", "formaction"];

/** True when `url` would be fetched from outside the site (a scheme other than `data:`, or an absolute path). */
export function isExternalUrl(url: string): boolean {
  const value = url.trim();
  if (value === "" || value.startsWith("#")) return false;
  if (/^data:/i.test(value)) return false;
  if (value.startsWith("/") || value.startsWith("\\")) return true; // absolute path or protocol-relative URL
  return /^[a-z][a-z0-9+.-]*:/i.test(value);
}

/** True when CSS text refers to something outside the site (`url(…)` or `@import`). */
function hasExternalCss(css: string): boolean {
  if (/@import/i.test(css)) return true;
  for (const match of css.matchAll(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi)) {
    if (isExternalUrl(match[2])) return true;
  }
  return false;
}

/** What {@link cleanHtml} returns. */
export interface CleanedHtml {
  html: string;
  /** A line per thing left out, for the build's log. */
  removed: string[];
}

/**
 * Removes from `fragment` everything that would run or load from outside.
 *
 * @example
 * cleanHtml('<p>app</p><iframe src="http://127.0.0.1:8000/"></iframe>').html
 * // '<p>app</p><p class="left-out">(a live frame is left out of this static copy)</p>'
 */
export function cleanHtml(fragment: string): CleanedHtml {
  const { document } = parseHTML("<!doctype html><html><head></head><body><div></div></body></html>");
  const root = document.body.firstElementChild!;
  root.innerHTML = fragment;
  const removed: string[] = [];
  const note = (text: string) => {
    const p = document.createElement("p");
    p.setAttribute("class", "left-out");
    p.textContent = `(${text} is left out of this static copy)`;
    return p;
  };
  for (const element of [...root.querySelectorAll(REMOVED_TAGS.join(","))]) {
    removed.push(`<${element.tagName.toLowerCase()}>`);
    element.remove();
  }
  for (const element of [...root.querySelectorAll(FRAME_TAGS.join(","))]) {
    removed.push(
      `<${element.tagName.toLowerCase()}> ${element.getAttribute("src") ?? element.getAttribute("data") ?? ""}`,
    );
    element.replaceWith(note("a live frame"));
  }
  for (const element of [...root.querySelectorAll("*")]) {
    if (!element.isConnected) continue;
    for (const attribute of [...element.attributes]) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on")) {
        element.removeAttribute(attribute.name);
        removed.push(`${name} handler`);
      } else if (name === "style" && hasExternalCss(attribute.value)) {
        element.removeAttribute(attribute.name);
        removed.push("a style with an external url()");
      } else if (name === "href" && /^\s*javascript:/i.test(attribute.value)) {
        element.removeAttribute(attribute.name);
        removed.push("a javascript: link");
      }
    }
    const tag = element.tagName.toLowerCase();
    // `href` is a link on <a> and <area>, but a load elsewhere (SVG <use>, <image>)
    const loading = tag === "a" || tag === "area" ? LOADING_ATTRIBUTES : [...LOADING_ATTRIBUTES, "href"];
    const external = loading.map((name) => element.getAttribute(name)).find((value) =>
      value !== null && value.split(",").some((part) => isExternalUrl(part.trim().split(/\s+/)[0]))
    );
    if (external !== undefined) {
      removed.push(`<${tag}> ${external}`);
      element.replaceWith(note(tag === "img" ? "a picture from outside the notebook" : `a <${tag}> from outside`));
    } else if (tag === "style" && hasExternalCss(element.textContent ?? "")) {
      removed.push("a <style> with an external url() or @import");
      element.remove();
    }
  }
  return { html: root.innerHTML, removed };
}
