/**
 * Every PNG is drawn with the committed font (src/plots/font.ts), so it is the
 * same on every machine: Hangul renders (not as empty boxes), and a figure
 * drawn with the system's fonts hidden (a mount namespace with an empty font
 * folder, where the machine allows one) has the same bytes as one drawn
 * normally, and as the committed `reports/figures/class-counts.png`.
 */
import { assert, assertEquals } from "./assert.ts";
import { join } from "node:path";
import { createCanvas } from "@napi-rs/canvas";
import { COURSE_FONT, courseFontHashes, registerCourseFont } from "../src/plots/font.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { classCountsFigure } from "../src/figures/data.ts";
import { sha256Hex } from "../src/store.ts";

/** The ink pixels of `text` drawn in `font` on a white canvas. */
function ink(text: string, font: string): { count: number; pixels: Uint8ClampedArray } {
  registerCourseFont();
  const canvas = createCanvas(240, 40);
  const context = canvas.getContext("2d");
  context.fillStyle = "white";
  context.fillRect(0, 0, 240, 40);
  context.fillStyle = "black";
  context.font = `20px ${font}`;
  context.fillText(text, 4, 28);
  const pixels = context.getImageData(0, 0, 240, 40).data;
  let count = 0;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128) count++;
  return { count, pixels };
}

Deno.test("the course font draws Hangul and Latin; a missing glyph would look different", () => {
  const hangul = ink("합성곱 신경망", COURSE_FONT);
  assert(hangul.count > 300, `only ${hangul.count} ink pixels for Hangul`);
  const latin = ink("MNIST 0123", COURSE_FONT);
  assert(latin.count > 200, `only ${latin.count} ink pixels for Latin`);
  // two different Hangul strings give different images (boxes for missing glyphs would all look alike)
  const a = ink("합성곱", COURSE_FONT).pixels, b = ink("풀링층", COURSE_FONT).pixels;
  assert(a.some((v, i) => v !== b[i]), "two Hangul words drew the same pixels");
});

Deno.test("manifest font record: the family and a SHA-256 per committed file", async () => {
  const hashes = await courseFontHashes();
  assertEquals(Object.keys(hashes).sort(), ["Pretendard-bold", "Pretendard-regular"]);
  assert(Object.values(hashes).every((h) => /^[0-9a-f]{64}$/.test(h)));
});

const SCRIPT = `
import { loadMnist } from "${new URL("../src/data/mnist.ts", import.meta.url)}";
import { classCountsFigure } from "${new URL("../src/figures/data.ts", import.meta.url)}";
const m = await loadMnist();
const dir = await Deno.makeTempDir();
await classCountsFigure(m.train, m.test).save(dir + "/class-counts");
await Deno.stdout.write(await Deno.readFile(dir + "/class-counts.png"));
await Deno.remove(dir, { recursive: true });
`;

const CONFIG = decodeURIComponent(new URL("../deno.json", import.meta.url).pathname);

/** Runs the figure script with the system's font folders hidden; null when the machine does not allow it. */
async function renderWithoutSystemFonts(): Promise<Uint8Array | null> {
  const empty = await Deno.makeTempDir({ prefix: "no-fonts-" });
  const path = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(path, SCRIPT);
  try {
    const hide = ["/usr/share/fonts", "/usr/local/share/fonts"].filter((d) => {
      try {
        return Deno.statSync(d).isDirectory;
      } catch {
        return false;
      }
    }).map((d) => `mount --bind ${empty} ${d}`).join(" && ");
    const command = new Deno.Command("unshare", {
      args: [
        "-m",
        "sh",
        "-c",
        `${hide} && cd ${Deno.cwd()} && exec ${Deno.execPath()} run -A --config ${CONFIG} ${path}`,
      ],
      stdout: "piped",
      stderr: "piped",
    });
    const output = await command.output().catch(() => null);
    if (!output || !output.success) {
      const why = output ? new TextDecoder().decode(output.stderr).trim().split("\n").at(-1) : "no unshare";
      console.log(`font_test: cannot hide the system fonts here (${why}); skipped that comparison`);
      return null;
    }
    return output.stdout;
  } finally {
    await Deno.remove(path).catch(() => {});
    await Deno.remove(empty, { recursive: true }).catch(() => {});
  }
}

Deno.test("a figure's PNG has the same bytes with the system fonts hidden, and as the committed one", async () => {
  const mnist = await loadMnist();
  const dir = await Deno.makeTempDir({ prefix: "font-figure-" });
  await classCountsFigure(mnist.train, mnist.test).save(join(dir, "class-counts"));
  const here = await Deno.readFile(join(dir, "class-counts.png"));
  await Deno.remove(dir, { recursive: true });
  const hidden = await renderWithoutSystemFonts();
  if (hidden) assertEquals(await sha256Hex(hidden), await sha256Hex(here), "drawn without the system fonts");
  const committed = await Deno.readFile(new URL("../reports/figures/class-counts.png", import.meta.url));
  assertEquals(await sha256Hex(committed), await sha256Hex(here), "reports/figures/class-counts.png");
});
