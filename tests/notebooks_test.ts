/**
 * Executes every course notebook and every solutions notebook headless through
 * Jupyter and the Deno kernel in quick mode, and fails on an error output, a
 * missing figure, or a chart without its PNG. Then the model cache at work in
 * a real notebook: notebook 03 run again restores its run instead of training,
 * and a copy of it whose model cell says `units: 64` instead of 128 trains.
 *
 * Skipped (with a message) when `jupyter` is not installed.
 */
import { basename, join, relative } from "node:path";
import { assert, assertEquals } from "./assert.ts";
import {
  executeNotebook,
  type ExecuteResult,
  hasJupyter,
  listNotebooks,
  notebooksDir,
  writeExecutorModule,
} from "../src/cli/notebooks.ts";
import { type Cell, joined, outputsOf, outputText, readCells } from "./notebook_files.ts";
import { CHROMIUM_PATH } from "../src/app/screenshot.ts";

/** Notebook 06's picture of the app needs Chromium; without it the cell says so in a line of text instead. */
const chromium = await Deno.stat(CHROMIUM_PATH).then((info) => info.isFile, () => false);

/** Figure outputs (an image: a PNG, with an SVG for charts) each notebook shows in quick mode. */
const EXPECTED_FIGURES: Record<string, number> = {
  "01-data-exploration": 6,
  "02-fundamentals": 9,
  "03-mlp": 3,
  "04-cnn": 6,
  "05-comparison": 12,
  "06-drawing": chromium ? 8 : 7,
  "07-extensions": 5,
  "08-source-mlps": 7,
  "09-source-cnn": 5,
};

/** Notebooks whose cells train (or restore) a model with a full training log. */
const TRAINING_NOTEBOOKS = [
  "02-fundamentals",
  "03-mlp",
  "04-cnn",
  "05-comparison",
  "06-drawing",
  "07-extensions",
  "08-source-mlps",
  "09-source-cnn",
];

/** A Hangul syllable. */
const HANGUL = /[\uAC00-\uD7A3]/;

const jupyter = await hasJupyter();
if (!jupyter) console.log("notebooks_test: jupyter is not on PATH; skipping the notebook execution tests");

/** Executes a notebook in quick mode with `cacheDir` as the model cache and returns its executed cells. */
async function execute(
  notebook: string,
  dirs: { outDir: string; cacheDir: string; executorDir: string },
): Promise<{ result: ExecuteResult; cells: Cell[] }> {
  const result = await executeNotebook(notebook, {
    outDir: dirs.outDir,
    executorDir: dirs.executorDir,
    env: { MNIST_QUICK: "1", MNIST_CACHE_DIR: dirs.cacheDir },
    cellTimeoutS: 300,
  });
  assert(result.success, `${basename(notebook)} failed to execute:\n${result.log}`);
  return { result, cells: await readCells(result.output) };
}

/** The text of the outputs of the code cell whose source contains `marker`. */
function cellOutput(cells: Cell[], marker: string): string {
  const cell = cells.find((c) => c.cell_type === "code" && joined(c.source).includes(marker));
  assert(cell, `no code cell contains ${marker}`);
  return (cell.outputs ?? []).map(outputText).join("\n");
}

Deno.test({
  name: "every notebook and solutions notebook runs in quick mode through Jupyter, with all its figures",
  ignore: !jupyter,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const notebooks = await listNotebooks();
    const solutions = await listNotebooks(join(notebooksDir(), "solutions"));
    const names = notebooks.map((n) => basename(n, ".ipynb"));
    assertEquals(names, Object.keys(EXPECTED_FIGURES), "the course's notebooks");
    assertEquals(
      solutions.map((n) => basename(n, ".ipynb")),
      names.map((n) => `${n}-solutions`),
      "a solutions notebook per chapter",
    );
    const dirs = {
      outDir: await Deno.makeTempDir({ prefix: "notebooks-out-" }),
      cacheDir: await Deno.makeTempDir({ prefix: "notebooks-cache-" }),
      executorDir: await writeExecutorModule(),
    };
    const copyDir = join(notebooksDir(), `.test-${Deno.pid}`);
    // the Korean edition: the same notebooks, run after the English ones (so their fits restore the same runs)
    const korean = await listNotebooks(join(notebooksDir(), "ko"));
    const koreanSolutions = await listNotebooks(join(notebooksDir(), "ko", "solutions"));
    assertEquals(korean.map((n) => basename(n, ".ipynb")), names, "a Korean notebook per English one");
    assertEquals(koreanSolutions.length, solutions.length, "a Korean solutions notebook per English one");
    try {
      for (const notebook of [...notebooks, ...solutions, ...korean, ...koreanSolutions]) {
        const name = relative(notebooksDir(), notebook).replace(/\.ipynb$/, "").replace(/^(ko\/)?(solutions\/)?/, "");
        const label = relative(notebooksDir(), notebook).replace(/\.ipynb$/, "");
        const isKorean = label.startsWith("ko/");
        await t.step(label, async () => {
          const { result, cells } = await execute(notebook, dirs);
          assert(result.seconds < 180, `${name} took ${result.seconds.toFixed(0)} s in quick mode (limit 180 s)`);
          const outputs = outputsOf(cells);
          const errors = outputs.filter((o) => o.output_type === "error");
          assertEquals(errors.map((e) => `${e.ename}: ${e.evalue}`), [], `${name} has error outputs`);
          const stderr = outputs.filter((o) => o.name === "stderr").map((o) => joined(o.text));
          assertEquals(stderr, [], `${name} wrote to stderr`);
          // a chart carries a PNG beside its SVG (untrusted notebooks show only the PNG); digit images are PNGs
          const svgWithoutPng = outputs.filter((o) => o.data?.["image/svg+xml"] && !o.data?.["image/png"]);
          assertEquals(svgWithoutPng.length, 0, `${name}: every SVG chart also carries a PNG`);
          const figures = outputs.filter((o) => o.data?.["image/png"]);
          for (const figure of figures) {
            assert(joined(figure.data!["image/png"]).length > 1000, `${name}: an empty PNG`);
          }
          if (name in EXPECTED_FIGURES) assertEquals(figures.length, EXPECTED_FIGURES[name], `${name}: figure outputs`);
          const plain = outputs.map(outputText).join("\n");
          assert(!/\d\.\d{12,}/.test(plain), `${name}: an unrounded float in an output`);
          if (name === "06-drawing") {
            // the app runs inside the kernel: a live frame, a picture of it in use, and a later cell stops it
            const cell = (marker: string) =>
              cells.find((c) => c.cell_type === "code" && joined(c.source).includes(marker))?.outputs ?? [];
            const frame = cell("appFrame(app)").map((o) => joined(o.data?.["text/html"])).join("");
            // in the notebook's language, whatever the reader's browser prefers
            const lang = isKorean ? "ko" : "en";
            assert(
              new RegExp(`<iframe src="http://127\\.0\\.0\\.1:\\d+/\\?lang=${lang}"`).test(frame),
              `06: frame: ${frame}`,
            );
            const shown = cell("appScreenshot(app").some((o) => o.data?.["image/png"]);
            assert(
              chromium ? shown : cellOutput(cells, "appScreenshot(app").includes("apt-get install -y chromium"),
              "06: app picture",
            );
            assert(cellOutput(cells, "app.shutdown()").includes("is stopped"), "06: the app was not stopped");
          }
          if (isKorean) {
            // its charts speak Korean (titles, axes), and so does its prose
            const svgs = outputs.map((o) => joined(o.data?.["image/svg+xml"] ?? "")).filter((t) => t !== "");
            if (svgs.length > 0) assert(svgs.some((t) => HANGUL.test(t)), `${label}: no Hangul in its charts`);
            const prose = cells.filter((c) => c.cell_type === "markdown").map((c) => joined(c.source)).join("\n");
            assert(HANGUL.test(prose), `${label}: no Hangul in its prose`);
          }
          if (TRAINING_NOTEBOOKS.includes(name)) {
            assert(/Epoch 1\/\d+\n\d+\/\d+ - .*accuracy: [\d.]+ - loss: [\d.]+/.test(plain), `${name}: no epoch line`);
            assert(plain.includes("QUICK MODE"), `${name}: quick mode is not announced`);
          }
        });
      }

      const mlpNotebook = notebooks.find((n) => basename(n) === "03-mlp.ipynb")!;
      await t.step("03-mlp again: its fit restores the run instead of training", async () => {
        const { cells } = await execute(mlpNotebook, dirs);
        const fit = cellOutput(cells, "withModelCache(model");
        assert(fit.includes("Restored from the model cache"), fit);
      });

      await t.step("a copy of 03-mlp with units: 64 instead of 128 trains", async () => {
        const source = await Deno.readTextFile(mlpNotebook);
        assert(source.includes("units: 128"), "notebook 03's model cell has units: 128");
        // one folder deeper than notebooks/, so the imports go up one more level
        const changed = source.replace("units: 128", "units: 64").replaceAll('"../src/', '"../../src/')
          .replaceAll("file://../data/", "file://../../data/");
        await Deno.mkdir(copyDir, { recursive: true });
        const copy = join(copyDir, "03-mlp-units-64.ipynb");
        await Deno.writeTextFile(copy, changed);
        const { cells } = await execute(copy, dirs);
        const fit = cellOutput(cells, "withModelCache(model");
        assert(!fit.includes("Restored"), `the changed model was restored:\n${fit}`);
        assert(/Epoch 5\/5/.test(fit), fit);
        assert(cellOutput(cells, "model.summary()").includes("50240"), "784 × 64 + 64 parameters in the hidden layer");
      });
    } finally {
      for (const dir of [dirs.outDir, dirs.cacheDir, dirs.executorDir, copyDir]) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    }
  },
});

Deno.test("deno task notebooks says so and exits 0 without Jupyter", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(import.meta.dirname!, "..", "src", "cli", "notebooks.ts")],
    env: { PATH: "/nonexistent" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(output.success, new TextDecoder().decode(output.stderr));
  assert(new TextDecoder().decode(output.stdout).includes("jupyter is not installed"));
});
