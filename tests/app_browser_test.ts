// (Page code is passed as strings: the tests are type-checked without the DOM library.)
// End to end in a real browser: Debian's chromium, driven by playwright-core, draws a digit with
// mouse strokes on the app's page, presses Predict and reads the prediction, then confirms it; then
// the MLP and the CNN side by side on the same drawing, both answers and charts at once, labelled together.
import { assert, assertEquals } from "./assert.ts";
import { startServer } from "../src/app/server.ts";
import { appScreenshot } from "../src/app/screenshot.ts";
import { PngImage } from "../src/plots/figure.ts";
import { Note } from "../src/display/note.ts";
import { readPng } from "../src/draw/png.ts";

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
      await app.registry.prepare("mlp-5");
      // an English browser: the page follows the browser's language (app_language_test.ts covers Korean)
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: "en-US" });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(app.url);
      await page.waitForSelector("body[data-ready=true]");
      assertEquals(await page.textContent("#message"), "Draw a digit first.");
      // the page says what Predict keeps, and where
      const logNote = (await page.textContent("#log-note"))!;
      assert(logNote.includes(`${dir}/predictions.jsonl`) && logNote.includes("28×28"), logNote);
      assert(logNote.includes("predictions.1.jsonl") && logNote.includes("not kept"), logNote);

      const cnn = '.card[data-model="cnn-5"]';
      assertEquals(await page.locator(".card").count(), 1);
      // Predict on an empty canvas: no prediction
      await page.click("#predict");
      assertEquals(await page.textContent(`${cnn} .digit`), "?");

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
      const digit = await page.textContent(`${cnn} .digit`);
      // even the quick model (2,000 images, one epoch, seeded) reads this clear 7
      assertEquals(digit, "7");
      assertEquals(await page.textContent("#message"), "It looks like a 7.");
      assert((await page.textContent(`${cnn} .confidence`))!.startsWith("confidence "));
      // the chart: ten bars, exactly one highlighted, and it is the predicted digit
      assertEquals(await page.locator(`${cnn} rect.bar`).count(), 10);
      assertEquals(await page.locator(`${cnn} rect.top`).getAttribute("data-digit"), digit);
      // the 28x28 step image was drawn
      assertEquals(await page.evaluate('document.querySelector("#step-final").width'), 28);

      await page.click("#confirm");
      await page.waitForFunction('document.querySelector("#feedback-done").textContent !== ""');
      assertEquals(await page.textContent("#feedback-done"), `Thanks: logged as a ${digit}.`);
      const { predictions, warnings } = await app.log.read();
      assertEquals(warnings, []);
      assertEquals(predictions.length, 1);
      assertEquals([String(predictions[0].digit), String(predictions[0].label)], [digit, digit]);

      // side by side: the same drawing read by the MLP and the CNN, both answers and charts at once
      await page.selectOption("#model", "mlp-5,cnn-5");
      await page.waitForFunction(
        'document.querySelectorAll(".card[data-state=predicted]").length === 2',
      );
      const mlp = '.card[data-model="mlp-5"]';
      assertEquals(await page.locator(".card").count(), 2);
      assertEquals(await page.textContent(`${mlp} h3`), "MLP");
      assertEquals(await page.textContent(`${cnn} h3`), "CNN");
      const answers: string[] = [];
      for (const model of [mlp, cnn]) {
        const answer = (await page.textContent(`${model} .digit`))!;
        assertEquals(await page.locator(`${model} rect.bar`).count(), 10);
        assertEquals(await page.locator(`${model} rect.top`).getAttribute("data-digit"), answer);
        answers.push(answer);
      }
      assertEquals(answers[1], "7", "the CNN reads the same 7 side by side");
      const message = (await page.textContent("#message"))!;
      assert(
        answers[0] === answers[1]
          ? message === "All 2 models read a 7."
          : message === `The models disagree: MLP reads ${answers[0]}, CNN reads 7.`,
        message,
      );
      // the cards sit next to each other
      const [left, right] = [await page.locator(mlp).boundingBox(), await page.locator(cnn).boundingBox()];
      assert(left!.x + left!.width <= right!.x && Math.abs(left!.y - right!.y) < 1, JSON.stringify([left, right]));
      // Predict logs both answers; one correction labels both
      await page.click("#predict");
      await page.waitForFunction('document.querySelector("#feedback").hidden === false');
      await page.click('#corrections button:text-is("7")');
      await page.waitForFunction('document.querySelector("#feedback-done").textContent !== ""');
      assertEquals(await page.textContent("#feedback-done"), "Thanks: logged as a 7.");
      const both = (await app.log.read()).predictions.slice(1);
      assertEquals(both.map((p) => [p.model, p.label]), [["mlp-5", 7], ["cnn-5", 7]]);
      assert(both[0].drawing && both[0].drawing === both[1].drawing, "one drawing");

      await page.click("#clear");
      assertEquals(await page.textContent(`${cnn} .digit`), "?");
      assertEquals(await page.textContent(`${mlp} .digit`), "?");
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await app.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "appScreenshot: the app in use, MLP and CNN side by side, as a PNG a notebook shows; nothing logged",
  ignore: chromiumMissing,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "app-screenshot-" });
    const app = await startServer({
      port: 0,
      logPath: `${dir}/predictions.jsonl`,
      cacheDir: `${dir}/models`,
      quick: true,
      warm: ["mlp-5", "cnn-5"],
    });
    try {
      const picture = await appScreenshot(app, { model: "mlp-5,cnn-5", mode: "v3" });
      assert(picture instanceof PngImage, String(picture));
      assert(picture.width > 800 && picture.height > 600, `${picture.width}×${picture.height}`);
      // the drawing is on it: the canvas (top left of the panels) holds black strokes on white
      const image = readPng(picture.bytes);
      let dark = 0;
      for (let y = 200; y < 450; y++) {
        for (let x = 40; x < 300; x++) if (image.data[(y * image.width + x) * 4] < 64) dark++;
      }
      assert(dark > 2000, `${dark} dark pixels where the 7 is drawn`);
      assertEquals((await app.log.read()).predictions, [], "a screenshot logs nothing");
    } finally {
      await app.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("appScreenshot without Chromium: a note saying what is missing and what to do", async () => {
  const note = await appScreenshot("http://127.0.0.1:9/", {
    executablePath: "/nonexistent/chromium",
    language: "en",
  });
  assert(note instanceof Note, String(note));
  assert(
    note.text.includes("/nonexistent/chromium is missing") && note.text.includes("apt-get install -y chromium"),
    note.text,
  );
});
