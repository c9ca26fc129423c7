// (Page code is passed as strings: the tests are type-checked without the DOM library.)
// End to end in a real browser: Debian's chromium, driven by playwright-core, draws a digit with
// mouse strokes on the app's page, presses Predict and reads the prediction, then confirms it.
import { assert, assertEquals } from "./assert.ts";
import { startServer } from "../src/app/server.ts";

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

async function hasChromium(): Promise<boolean> {
  try {
    return (await Deno.stat(CHROMIUM)).isFile;
  } catch {
    return false;
  }
}

const chromiumMissing = !(await hasChromium());
if (chromiumMissing) {
  console.warn(`app_browser_test: SKIPPED, ${CHROMIUM} is missing (apt-get install -y chromium to run it)`);
}

Deno.test({
  name: "browser: draw a 7 with the mouse, press Predict, read and confirm the prediction",
  ignore: chromiumMissing,
  sanitizeResources: false, // playwright keeps a pipe to the browser process it shuts down itself
  sanitizeOps: false,
  async fn() {
    const { chromium } = await import("playwright-core");
    const dir = await Deno.makeTempDir({ prefix: "app-browser-" });
    const app = await startServer({
      port: 0,
      logPath: `${dir}/predictions.jsonl`,
      cacheDir: `${dir}/models`,
      quick: true,
    });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      await app.registry.prepare("cnn-5");
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(app.url);
      await page.waitForSelector("body[data-ready=true]");
      assertEquals(await page.textContent("#message"), "Draw a digit first.");
      // the page says what Predict keeps, and where
      const logNote = (await page.textContent("#log-note"))!;
      assert(logNote.includes(`${dir}/predictions.jsonl`) && logNote.includes("28×28"), logNote);
      assert(logNote.includes("predictions.1.jsonl") && logNote.includes("not kept"), logNote);

      // Predict on an empty canvas: no prediction
      await page.click("#predict");
      assertEquals(await page.textContent("#digit"), "?");

      const pad = (await page.locator("#pad").boundingBox())!;
      const strokes = [[[70, 60], [210, 60], [150, 235]], [[120, 150], [200, 150]]];
      for (const stroke of strokes) {
        await page.mouse.move(pad.x + stroke[0][0], pad.y + stroke[0][1]);
        await page.mouse.down();
        for (const [x, y] of stroke.slice(1)) await page.mouse.move(pad.x + x, pad.y + y, { steps: 12 });
        await page.mouse.up();
      }
      await page.click("#predict");
      await page.waitForFunction('document.querySelector("#feedback").hidden === false');
      const digit = await page.textContent("#digit");
      // even the quick model (2,000 images, one epoch, seeded) reads this clear 7
      assertEquals(digit, "7");
      assert((await page.textContent("#confidence"))!.startsWith("confidence "));
      // the chart: ten bars, exactly one highlighted, and it is the predicted digit
      assertEquals(await page.locator("#chart rect.bar").count(), 10);
      assertEquals(await page.locator("#chart rect.top").getAttribute("data-digit"), digit);
      // the 28x28 step image was drawn
      assertEquals(await page.evaluate('document.querySelector("#step-final").width'), 28);

      await page.click("#confirm");
      await page.waitForFunction('document.querySelector("#feedback-done").textContent !== ""');
      assertEquals(await page.textContent("#feedback-done"), `Thanks: logged as a ${digit}.`);
      const { predictions, warnings } = await app.log.read();
      assertEquals(warnings, []);
      assertEquals(predictions.length, 1);
      assertEquals([String(predictions[0].digit), String(predictions[0].label)], [digit, digit]);

      await page.click("#clear");
      assertEquals(await page.textContent("#digit"), "?");
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await app.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
