/**
 * The one font of every figure: Pretendard (SIL Open Font License 1.1, see
 * `fonts/LICENSE-Pretendard.txt`), Regular and Bold, committed with the
 * project so that a PNG looks the same, Hangul included, on any machine.
 *
 * `@napi-rs/canvas` draws text only with the fonts it has been given or finds
 * in the system's font folders, so a fresh Debian machine (DejaVu only, no
 * Hangul) and a laptop with other fonts would draw the same figure
 * differently. {@link registerCourseFont} gives it the committed files under
 * the family name {@link COURSE_FONT}; every chart and image names that family
 * (first, with the browser's fonts after it for SVGs shown in a browser).
 *
 * Why committed files and not the npm package `pretendard`: its tarball is
 * 72 MB (every weight, web subsets, variable fonts); the course needs two
 * OTF files, 3.2 MB.
 *
 * @module
 */
import { createCanvas, GlobalFonts, type SKRSContext2D } from "@napi-rs/canvas";

/** The family name figures use. */
export const COURSE_FONT = "Pretendard";

/** The committed font files, by weight. */
export const COURSE_FONT_FILES = {
  regular: new URL("./fonts/Pretendard-Regular.otf", import.meta.url),
  bold: new URL("./fonts/Pretendard-Bold.otf", import.meta.url),
} as const;

let registered = false;

/**
 * Registers the course's font with the canvas (once per process; later calls
 * do nothing). Call it before drawing text.
 */
export function registerCourseFont(): void {
  if (registered) return;
  for (const url of Object.values(COURSE_FONT_FILES)) {
    const path = decodeURIComponent(url.pathname);
    if (!GlobalFonts.registerFromPath(path, COURSE_FONT)) {
      throw new Error(`could not load the course's font ${path}; restore it with git checkout -- ${path}`);
    }
  }
  registered = true;
}

let measurer: SKRSContext2D | null = null;

/**
 * Width in pixels of `text` set in the course's font at `size` px (Hangul is
 * about twice as wide as a Latin letter, so counting characters misplaces
 * legends and captions).
 */
export function textWidth(text: string, size: number, bold = false): number {
  registerCourseFont();
  measurer ??= createCanvas(1, 1).getContext("2d");
  measurer.font = `${bold ? "bold " : ""}${size}px ${COURSE_FONT}`;
  return measurer.measureText(text).width;
}

/** SHA-256 of each font file, for `manifest.json`. */
export async function courseFontHashes(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [weight, url] of Object.entries(COURSE_FONT_FILES)) {
    const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(url));
    out[`${COURSE_FONT}-${weight}`] = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"))
      .join("");
  }
  return out;
}
