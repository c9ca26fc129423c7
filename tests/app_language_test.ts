// (Page code is passed as strings: the tests are type-checked without the DOM library.)
// The app in English and Korean: every text of the page in both languages (strings.js), the API's texts in both
// and its errors English with a code, and in a real browser (Debian's chromium, driven by playwright-core): a
// Korean browser gets the Korean page in the bundled font, the 한국어 / English switch rewrites it and is
// remembered, an English browser gets English, and an error answer shows in the page's language.
import { assert, assertEquals } from "./assert.ts";
import { API_ERROR_CODES, appFrame, startServer } from "../src/app/server.ts";
import { appScreenshot, SEVEN_STROKES } from "../src/app/screenshot.ts";
import { APP_MODEL_DESCRIPTIONS_KO, APP_MODEL_NAMES } from "../src/app/models.ts";
import { getPreset } from "../src/models/presets.ts";
import { getRun } from "../src/runs.ts";
import { MODE_DESCRIPTIONS, MODE_DESCRIPTIONS_KO } from "../src/draw/preprocess.ts";
import { COURSE_FONT_FILES } from "../src/plots/font.ts";
import { roAfterNumber } from "../src/i18n.ts";
import { PngImage } from "../src/plots/figure.ts";
import { Note } from "../src/display/note.ts";
import { ERRORS, iGa, PAGE_LANGUAGES, ro, STRINGS } from "../src/app/static/strings.js";

const HANGUL = /[\uac00-\ud7a3]/;
/** Hangul syllables are numbered from 가 (U+AC00), 28 final consonants (none first) per vowel; ㄹ is the 8th. */
const HANGUL_FIRST = 0xac00, HANGUL_FINALS = 28, FINAL_RIEUL = 8;
const STATIC = new URL("../src/app/static/", import.meta.url);
/** Texts that read the same in both languages (a model's name with its status or its answer). */
const NEUTRAL_KEYS = new Set(["pending", "reading"]);
/** What each text function is given in the check (its arguments are words and numbers). */
const SAMPLE_ARGUMENT = "7";
/** What each error message is given in the check. */
const SAMPLE_ERROR = { model: "CNN", status: "…", reason: "x", detail: "x", limit: "2 MiB" };

type Texts = Record<string, unknown>;
const strings = STRINGS as unknown as Record<string, Texts>;
const errors = ERRORS as unknown as Record<string, Record<string, (details: typeof SAMPLE_ERROR) => string>>;

/** Every text of a language, by key path (`framed.v1`), functions called with sample arguments. */
function rendered(texts: Texts, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(texts)) {
    const path = prefix + key;
    if (typeof value === "string") out.set(path, value);
    else if (typeof value === "function") {
      out.set(path, String(value(...new Array(value.length).fill(SAMPLE_ARGUMENT))));
    } else for (const [inner, text] of rendered(value as Texts, `${path}.`)) out.set(inner, text);
  }
  return out;
}

/** The shape of a language's texts: each key path with its kind (a function with its number of arguments). */
function shape(texts: Texts, prefix = ""): string[] {
  return Object.entries(texts).flatMap(([key, value]) =>
    typeof value === "object" && value !== null
      ? shape(value as Texts, `${prefix}${key}.`)
      : [`${prefix}${key}: ${typeof value === "function" ? `function/${value.length}` : typeof value}`]
  ).sort();
}

Deno.test("page texts: every key in English and Korean, each used; an error message for every API code", async () => {
  assertEquals(PAGE_LANGUAGES, ["en", "ko"]);
  assertEquals(shape(strings.ko), shape(strings.en), "Korean and English have the same keys, of the same kinds");
  for (const [key, text] of rendered(strings.en)) assert(text !== "" && !HANGUL.test(text), `en ${key}: ${text}`);
  for (const [key, text] of rendered(strings.ko)) {
    assert(text !== "" && (HANGUL.test(text) || NEUTRAL_KEYS.has(key)), `ko ${key} is not Korean: ${text}`);
  }
  // each key is used by the page, and each key the page uses exists
  const script = await Deno.readTextFile(new URL("app.js", STATIC));
  const html = await Deno.readTextFile(new URL("index.html", STATIC));
  const used = new Set([
    ...[...script.matchAll(/\bt\(\)\.(\w+)/g)].map((m) => m[1]),
    ...[...html.matchAll(/data-i18n(?:-aria-label)?="(\w+)"/g)].map((m) => m[1]),
  ]);
  assertEquals([...used].filter((key) => !(key in strings.en)), [], "keys the page uses that strings.js lacks");
  assertEquals(Object.keys(strings.en).filter((key) => !used.has(key)), [], "keys strings.js has that no one uses");
  // every code the API may answer has a message in each language
  for (const lang of PAGE_LANGUAGES) {
    assertEquals(Object.keys(errors[lang]).sort(), [...API_ERROR_CODES].sort(), `${lang}: error messages`);
    for (const [code, message] of Object.entries(errors[lang])) {
      const text = message(SAMPLE_ERROR);
      assert(text.length > 10 && HANGUL.test(text) === (lang === "ko"), `${lang} ${code}: ${text}`);
    }
  }
  // the page's particles after a digit, from the final consonant of the digit read aloud, and as i18n.ts has them
  for (let digit = 0; digit <= 9; digit++) {
    const final = ("영일이삼사오육칠팔구".charCodeAt(digit) - HANGUL_FIRST) % HANGUL_FINALS;
    assertEquals(iGa(digit), final === 0 ? "가" : "이", `${digit}이/가`);
    assertEquals(ro(digit), final === 0 || final === FINAL_RIEUL ? "로" : "으로", `${digit}(으)로`);
    assertEquals(ro(digit), roAfterNumber(String(digit)), `${digit}(으)로 as i18n.ts says`);
  }
});

Deno.test("the models' Korean descriptions say what the English ones say (the same numbers)", () => {
  const numbers = (text: string) => text.match(/\d+/g);
  for (const name of APP_MODEL_NAMES) {
    const english = getPreset(getRun(name).preset).description;
    assertEquals(numbers(APP_MODEL_DESCRIPTIONS_KO[name]), numbers(english), `${name}: ${english}`);
  }
});

Deno.test("appFrame: the app in the notebook's language, whatever the reader's browser says", () => {
  const app = { url: "http://127.0.0.1:8123/" } as Parameters<typeof appFrame>[0];
  const show = (frame: ReturnType<typeof appFrame>) => frame[Symbol.for("Jupyter.display")]();
  const ko = show(appFrame(app, { language: "ko" }));
  assert(ko["text/html"].includes('<iframe src="http://127.0.0.1:8123/?lang=ko"'), ko["text/html"]);
  assert(HANGUL.test(ko["text/plain"]) && ko["text/html"].includes('title="숫자 그리기 앱"'), ko["text/html"]);
  const en = show(appFrame(app, { language: "en" }));
  assert(en["text/html"].includes('<iframe src="http://127.0.0.1:8123/?lang=en"'), en["text/html"]);
  assert(!HANGUL.test(en["text/html"]), en["text/html"]);
});

Deno.test("appScreenshot without Chromium: the note in the notebook's language", async () => {
  const note = await appScreenshot("http://127.0.0.1:9/", { executablePath: "/nonexistent/chromium", language: "ko" });
  assert(note instanceof Note, String(note));
  assert(HANGUL.test(note.text) && note.text.includes("apt-get install -y chromium"), note.text);
});

Deno.test("app API in two languages: texts the page shows in both, the font served, errors English with a code", async () => {
  const dir = await Deno.makeTempDir({ prefix: "app-language-api-" });
  const app = await startServer({
    port: 0,
    logPath: `${dir}/predictions.jsonl`,
    cacheDir: `${dir}/models`,
    quick: true,
  });
  const url = (path: string) => new URL(path, app.url).href;
  try {
    const models = await (await fetch(url("/api/models"))).json();
    const cnn = models.models.find((m: { name: string }) => m.name === "cnn-5");
    assertEquals(cnn.label, "CNN", "the English fields stay");
    assertEquals(cnn.labelByLanguage, { en: "CNN", ko: "CNN" });
    assert(cnn.descriptionByLanguage.en === cnn.description, cnn.description);
    assertEquals(cnn.descriptionByLanguage.ko, `${APP_MODEL_DESCRIPTIONS_KO["cnn-5"]}, 5 에폭 (빠른 실행 모드)`);
    const best = models.models.find((m: { name: string }) => m.name === "vgg-cnn-augmented");
    assert(best.descriptionByLanguage.ko.includes("증강한 이미지로 학습"), best.descriptionByLanguage.ko);
    assertEquals(models.sideBySide[0].labelByLanguage, { en: "MLP | CNN", ko: "MLP | CNN" });
    assertEquals(models.sideBySide[1].labelByLanguage.ko, "MLP | CNN | 최고 모델: VGG 방식 CNN, 데이터 증강");
    for (const mode of models.modes) {
      assertEquals(mode.description, MODE_DESCRIPTIONS[mode.name as keyof typeof MODE_DESCRIPTIONS]);
      assertEquals(mode.descriptionByLanguage.ko, MODE_DESCRIPTIONS_KO[mode.name as keyof typeof MODE_DESCRIPTIONS]);
    }
    assert(models.backendByLanguage.ko.includes("백엔드") && models.backendByLanguage.en.includes("backend"));

    // the page's font and its texts come from the app itself
    for (
      const [path, file] of [["/fonts/Pretendard-Regular.otf", COURSE_FONT_FILES.regular], [
        "/fonts/Pretendard-Bold.otf",
        COURSE_FONT_FILES.bold,
      ]] as const
    ) {
      const response = await fetch(url(path));
      assertEquals([response.status, response.headers.get("content-type")], [200, "font/otf"]);
      assertEquals(new Uint8Array(await response.arrayBuffer()), await Deno.readFile(file), path);
    }
    const css = await (await fetch(url("/style.css"))).text();
    assert(css.includes("url(fonts/Pretendard-Regular.otf)") && /font-family: Pretendard,/.test(css), css);
    const script = await fetch(url("/strings.js"));
    assert(script.headers.get("content-type")!.startsWith("text/javascript"));
    assert(HANGUL.test(await script.text()));

    // the policy: `error` stays English whatever the client's language; `code` is what a page translates
    const response = await fetch(url("/api/predict?model=cnn-5&mode=v9"), {
      method: "POST",
      headers: { "content-type": "image/png", "accept-language": "ko-KR,ko;q=0.9" },
      body: new Uint8Array([1, 2, 3]),
    });
    const body = await response.json();
    assertEquals([response.status, body.code], [400, "unknown_mode"]);
    assert(!HANGUL.test(body.error) && body.error.includes("v9"), body.error);
  } finally {
    await app.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

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
const chromiumMissing = !(await Deno.stat(CHROMIUM).then((s) => s.isFile, () => false));
if (chromiumMissing) {
  console.warn(`app_language_test: browser tests SKIPPED, ${CHROMIUM} is missing (apt-get install -y chromium)`);
}

/**
 * Latin words the Korean page keeps: names (MLP, CNN, the layers, TensorFlow.js), units, the API line of the
 * footer, the log's file names, and the switch's "English".
 */
const KEPT_LATIN =
  /\b(MLP|CNN|VGG|MNIST|Flatten|Dense|ReLU|Conv2D|MaxPool|TensorFlow\.js|WebAssembly|SIMD|JavaScript|wasm|cpu|API|POST|PNG|MiB|ms|English|v[123]|x\d+|\d+x\d+)\b|\S*\/\S*|\S+\.jsonl|--no-log|model=\S+|mode=\S+/g;

Deno.test({
  name: "browser: Korean for a Korean browser, the switch to English and back remembered, errors in the language",
  ignore: chromiumMissing,
  sanitizeResources: false, // playwright keeps a pipe to the browser process it shuts down itself
  sanitizeOps: false,
  async fn(t) {
    const { chromium } = await import("playwright-core");
    const dir = await Deno.makeTempDir({ prefix: "app-language-" });
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
      const pageErrors: string[] = [];
      const openPage = async (locale: string, path = "") => {
        const context = await browser.newContext({ locale, viewport: { width: 1100, height: 900 } });
        const page = await context.newPage();
        page.on("pageerror", (error) => pageErrors.push(error.message));
        await page.goto(app.url + path);
        await page.waitForSelector("body[data-ready=true]");
        return page;
      };
      type Page = Awaited<ReturnType<typeof openPage>>;
      const text = async (page: Page, selector: string) => (await page.textContent(selector))!.trim();
      const lang = (page: Page) => page.getAttribute("html", "lang");
      const draw = async (page: Page) => {
        const pad = (await page.locator("#pad").boundingBox())!;
        for (const stroke of SEVEN_STROKES) {
          await page.mouse.move(pad.x + stroke[0][0], pad.y + stroke[0][1]);
          await page.mouse.down();
          for (const [x, y] of stroke.slice(1)) await page.mouse.move(pad.x + x, pad.y + y, { steps: 12 });
          await page.mouse.up();
        }
      };
      const cnn = '.card[data-model="cnn-5"]';

      const page = await openPage("ko-KR");
      await t.step("a Korean browser gets the Korean page, every text in Korean, in Pretendard", async () => {
        assertEquals(await page.evaluate("navigator.languages[0]"), "ko-KR");
        assertEquals(await lang(page), "ko");
        assertEquals(await page.title(), "숫자 그리기: MNIST 숫자 인식기");
        assertEquals(await text(page, "h1"), "숫자 그리기");
        assertEquals(await text(page, "#predict"), "예측");
        assertEquals(await text(page, "#clear"), "지우기");
        assertEquals(await text(page, "#message"), "먼저 숫자를 그려 주세요.");
        assertEquals(await text(page, "#mode-description"), MODE_DESCRIPTIONS_KO.v3);
        assertEquals(await text(page, "#framed-caption"), "③ 20×20 안에 맞추기 (v3)");
        assertEquals(await text(page, ".steps figcaption"), "① 원본");
        assertEquals(await text(page, `${cnn} svg text`), "확률 (%)");
        assertEquals(await page.getAttribute("#pen", "aria-label"), "펜 굵기");
        assertEquals(await page.getAttribute('[data-language="ko"]', "aria-pressed"), "true");
        const status = await text(page, "#model-status");
        assert(status.startsWith(`CNN 준비 완료: ${APP_MODEL_DESCRIPTIONS_KO["cnn-5"]}, 5 에폭`), status);
        const options = (await page.evaluate(
          '[...document.querySelectorAll("#model option, #model optgroup")].map((e) => e.label || e.text)',
        )) as string[];
        assert(options.includes("최고 모델: VGG 방식 CNN, 데이터 증강"), String(options));
        assert(options.includes("나란히 보기"), String(options));
        const note = await text(page, "#log-note");
        assert(note.includes(`${dir}/predictions.jsonl 파일에 기록을 남깁니다`) && note.includes("28×28"), note);
        assert((await text(page, "#backend")).includes("백엔드"));
        // nothing left in English but names, units, paths and the API line
        const shown = (await page.evaluate("document.body.innerText")) as string;
        const words = shown.replace(KEPT_LATIN, " ").match(/[A-Za-z]{2,}/g) ?? [];
        assertEquals(words, [], `English words on the Korean page in: ${shown}`);
        // the Hangul is drawn in the app's own Pretendard (this machine may have no Korean font at all)
        const session = await page.context().newCDPSession(page);
        const { root } = await session.send("DOM.getDocument");
        await session.send("CSS.enable");
        for (const selector of ["h1", "#predict", "#message"]) {
          const { nodeId } = await session.send("DOM.querySelector", { nodeId: root.nodeId, selector });
          const { fonts } = await session.send("CSS.getPlatformFontsForNode", { nodeId });
          assertEquals(fonts.map((f) => f.familyName), ["Pretendard"], `${selector}: ${JSON.stringify(fonts)}`);
        }
      });

      await t.step("draw, predict, confirm: the answer, the chart and the question in Korean", async () => {
        await draw(page);
        await page.click("#predict");
        await page.waitForFunction('document.querySelector("#feedback").hidden === false');
        assertEquals(await text(page, `${cnn} .digit`), "7");
        assertEquals(await text(page, "#message"), "예측 결과: 7");
        assert((await text(page, `${cnn} .confidence`)).startsWith("확신도 "));
        assertEquals(await page.getAttribute(`${cnn} svg`, "aria-label"), "숫자별 확률, CNN");
        assertEquals(await text(page, "#feedback-question"), "그린 숫자가 7인가요?");
        assertEquals(await text(page, "#confirm"), "네");
        await page.click("#confirm");
        await page.waitForFunction('document.querySelector("#feedback-done").textContent !== ""');
        assertEquals(await text(page, "#feedback-done"), "고맙습니다. 7로 기록했습니다.");
        assertEquals((await app.log.read()).predictions.map((p) => p.label), [7]);
      });

      await t.step("the switch: English at once, answers included; kept over a reload; and back", async () => {
        await page.click('[data-language="en"]');
        assertEquals(await lang(page), "en");
        assertEquals(await page.title(), "Draw a digit: MNIST recognizer");
        assertEquals(await text(page, "h1"), "Draw a digit");
        assertEquals(await text(page, "#message"), "It looks like a 7.");
        assert((await text(page, `${cnn} .confidence`)).startsWith("confidence "));
        assertEquals(await text(page, `${cnn} svg text`), "probability (%)");
        assertEquals(await text(page, "#feedback-question"), "Was it a 7?");
        assertEquals(await text(page, "#feedback-done"), "Thanks: logged as a 7.");
        assertEquals(await text(page, "#mode-description"), MODE_DESCRIPTIONS.v3);
        assert((await text(page, "#model-status")).startsWith("CNN ready: the report's CNN"));
        assertEquals(await page.getAttribute('[data-language="en"]', "aria-pressed"), "true");
        const english = (await page.evaluate("document.body.innerText")) as string;
        assertEquals(english.match(/[\uac00-\ud7a3]+/g), ["한국어"], "only the switch is in Hangul");
        // the check of the Korean page above would have seen English: here it finds plenty
        const englishWords = english.replace(KEPT_LATIN, " ").match(/[A-Za-z]{2,}/g) ?? [];
        assert(englishWords.length > 100, englishWords.join(" "));

        await page.reload();
        await page.waitForSelector("body[data-ready=true]");
        assertEquals(await lang(page), "en", "the choice outlives a reload");
        assertEquals(await text(page, "#message"), "Draw a digit first.");
        assertEquals(await text(page, "#predict"), "Predict");

        await page.click('[data-language="ko"]');
        await page.reload();
        await page.waitForSelector("body[data-ready=true]");
        assertEquals(await lang(page), "ko");
        assertEquals(await text(page, "#predict"), "예측");
      });

      await t.step("an error answer shows in the page's language; the API's own error stays English", async () => {
        // a canvas painted all black: the server refuses it (422 too_much_ink)
        await page.evaluate(
          '(() => { const c = document.querySelector("#pad").getContext("2d"); ' +
            'c.fillStyle = "black"; c.fillRect(0, 0, 280, 280); })()',
        );
        await draw(page); // a stroke, so the page knows there is ink
        const answer = page.waitForResponse((r) => r.url().includes("/api/predict") && r.url().includes("log=1"));
        await page.click("#predict");
        const refused = await (await answer).json();
        assertEquals(refused.code, "too_much_ink");
        assert(!HANGUL.test(refused.error), refused.error);
        await page.waitForFunction(
          `document.querySelector("#message").textContent === ${JSON.stringify(pageError("ko", "too_much_ink"))}`,
        );
        await page.click('[data-language="en"]');
        assertEquals(await text(page, "#message"), pageError("en", "too_much_ink"));
        await page.click('[data-language="ko"]');

        // a request the server does not understand (an unknown preprocessing) shows the page's message for its code
        await page.click("#clear");
        await page.route(
          "**/api/predict?**",
          (route) => route.continue({ url: route.request().url().replace("mode=v3", "mode=v9") }),
        );
        await draw(page);
        await page.click("#predict");
        await page.waitForFunction(
          `document.querySelector("#message").textContent === ${JSON.stringify(pageError("ko", "unknown_mode"))}`,
        );
        await page.unroute("**/api/predict?**");
        await page.context().close();
      });

      await t.step("an English browser gets English; ?lang=ko in the address overrides it", async () => {
        const english = await openPage("en-US");
        assertEquals(await lang(english), "en");
        assertEquals(await text(english, "h1"), "Draw a digit");
        assertEquals(await text(english, "#message"), "Draw a digit first.");
        assertEquals(await text(english, `${cnn} svg text`), "probability (%)");
        assertEquals(await english.getAttribute('[data-language="en"]', "aria-pressed"), "true");
        await english.goto(`${app.url}?lang=ko`);
        await english.waitForSelector("body[data-ready=true]");
        assertEquals([await lang(english), await text(english, "h1")], ["ko", "숫자 그리기"]);
        await english.click('[data-language="en"]');
        assert(english.url().endsWith("?lang=en"), english.url());
        await english.context().close();
      });

      await t.step("appScreenshot in Korean: the page waits for the models whatever the language", async () => {
        const picture = await appScreenshot(app, { model: "mlp-5,cnn-5", language: "ko" });
        assert(picture instanceof PngImage, String(picture));
      });
      assertEquals(pageErrors, []);
    } finally {
      await browser.close();
      await app.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The page's message for an error code that needs no details. */
function pageError(lang: string, code: string): string {
  return errors[lang][code](SAMPLE_ERROR);
}
