/**
 * A picture of the running app in use, for a notebook read without a kernel
 * (the exported site, GitHub, a PDF), where the live frame of the app stays
 * empty: a headless Chromium (Debian's `chromium`, driven by `playwright-core`
 * as the browser test drives it) opens the app's page, chooses a view and a
 * preprocessing, draws a digit with mouse strokes, waits for the page's own
 * prediction while drawing, and takes a screenshot of the page's panels. The
 * page is in the course's language (`setLanguage`, `MNIST_LANG`) unless told
 * otherwise, whatever the machine's locale, so the Korean edition shows it in Korean.
 *
 * Nothing is logged: the page logs a drawing only when Predict is pressed,
 * which this does not do. Where Chromium is missing or fails, the result is a
 * {@link Note} saying so and what to do, so a notebook still runs to the end.
 *
 * @module
 */
import { appPageUrl, type AppServer } from "./server.ts";
import { type Language, language, tr, withLanguage } from "../i18n.ts";
import { pngSize } from "../draw/png.ts";
import { PngImage } from "../plots/figure.ts";
import { Note } from "../display/note.ts";

/** Debian's Chromium, which the tests drive too. */
export const CHROMIUM_PATH = "/usr/bin/chromium";
/** Headless, with nothing fetched from the network behind the page's back. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
/** A stroke: points on the 280×280 canvas, joined by the pen. */
export type Stroke = readonly (readonly [number, number])[];
/** A 7 with a bar across, as many people write it: a top bar, a slanted stem, a short bar. */
export const SEVEN_STROKES: readonly Stroke[] = [
  [[70, 60], [210, 60], [150, 235]],
  [[120, 150], [200, 150]],
];
/** The browser window the picture is taken in, in CSS pixels: the app's two panels and its steps. */
const VIEWPORT = { width: 1100, height: 860 };
/** How long the page may take to load, draw and predict. */
const DEFAULT_TIMEOUT_MS = 60_000;
/** Mouse moves per stroke segment (a pen sends many points; the page predicts while they arrive). */
const STEPS_PER_SEGMENT = 12;
/** The browser's locale for each language of the page. */
const LOCALES: Readonly<Record<Language, string>> = { en: "en-US", ko: "ko-KR" };

/** Options of {@link appScreenshot}. */
export interface ScreenshotOptions {
  /** The Model choice: one model or a side-by-side view, e.g. `"mlp-5,cnn-5"` (default: the page's default). */
  model?: string;
  /** The preprocessing, `v1`, `v2` or `v3` (default: the page's default). */
  mode?: string;
  /** The page's language (default: the course's, `setLanguage` or `MNIST_LANG`). */
  language?: Language;
  /** What to draw (default {@link SEVEN_STROKES}). */
  strokes?: readonly Stroke[];
  /** The browser (default {@link CHROMIUM_PATH}). */
  executablePath?: string;
  /** How long it may take, in milliseconds (default 60 s). */
  timeoutMs?: number;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * A screenshot of the app at `app` (a running server or its address) with a
 * digit drawn and predicted, as a PNG a notebook shows; a {@link Note} saying
 * why when no browser could take it.
 *
 * @example
 * const app = await startServer({ port: 0 });
 * await appScreenshot(app, { model: "mlp-5,cnn-5", mode: "v3" }); // the MLP and the CNN side by side
 */
export async function appScreenshot(
  app: AppServer | string,
  options: ScreenshotOptions = {},
): Promise<PngImage | Note> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  const lang = options.language ?? language();
  const say = (text: { en: string; ko: string }) => withLanguage(lang, () => tr(text));
  if (!(await isFile(executablePath))) {
    return new Note(
      say({
        en: `No picture of the app: ${executablePath} is missing (apt-get install -y chromium to have one). ` +
          "The frame above works without it while the kernel runs.",
        ko: `앱의 사진이 없습니다: ${executablePath} 이(가) 없습니다 (apt-get install -y chromium 으로 설치하세요). ` +
          "위의 틀은 커널이 실행되는 동안 사진 없이도 동작합니다.",
      }),
      "warning",
    );
  }
  const url = appPageUrl(app, lang);
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], timeout });
    try {
      const page = await browser.newPage({ viewport: VIEWPORT, locale: LOCALES[lang] });
      page.setDefaultTimeout(timeout);
      await page.goto(url);
      await page.waitForSelector("body[data-ready=true]");
      if (options.mode) await page.selectOption("#mode", options.mode);
      if (options.model) await page.selectOption("#model", options.model);
      const cards = options.model ? options.model.split(",").length : 1;
      // the models are ready once the page's status says so for each (a first use trains them)
      await page.waitForFunction(`document.querySelectorAll(".card").length === ${cards}`);
      await page.waitForSelector('#model-status[data-pending="false"]');
      const pad = await page.locator("#pad").boundingBox();
      if (!pad) throw new Error("the page has no drawing canvas");
      for (const stroke of options.strokes ?? SEVEN_STROKES) {
        await page.mouse.move(pad.x + stroke[0][0], pad.y + stroke[0][1]);
        await page.mouse.down();
        for (const [x, y] of stroke.slice(1)) {
          await page.mouse.move(pad.x + x, pad.y + y, { steps: STEPS_PER_SEGMENT });
        }
        await page.mouse.up();
      }
      await page.waitForFunction(
        `document.querySelectorAll(".card[data-state=predicted]").length === ${cards}`,
      );
      // the two panels and the steps: the page's title, lead and footer add only bytes
      const bytes = new Uint8Array(await page.locator("main").screenshot());
      const { width, height } = pngSize(bytes);
      return new PngImage(bytes, width, height);
    } finally {
      await browser.close();
    }
  } catch (error) {
    const reason = (error as Error).message.split("\n")[0];
    return new Note(
      say({
        en: `No picture of the app: Chromium could not take it (${reason}). ` +
          "The frame above works without it while the kernel runs.",
        ko: `앱의 사진이 없습니다: Chromium이 사진을 찍지 못했습니다 (${reason}). ` +
          "위의 틀은 커널이 실행되는 동안 사진 없이도 동작합니다.",
      }),
      "warning",
    );
  }
}
