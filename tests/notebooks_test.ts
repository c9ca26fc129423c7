/**
 * Executes every course notebook headless through Jupyter and the Deno kernel
 * in quick mode, and fails on any error output or a missing figure. Also unit
 * tests of the notebook helpers in `src/notebook.ts`.
 *
 * Skipped (with a message) when `jupyter` is not installed.
 */
import { basename, join } from "node:path";
import { assert, assertEquals } from "./assert.ts";
import { executeNotebook, hasJupyter, listNotebooks, writeExecutorModule } from "../src/cli/notebooks.ts";
import {
  agreementFrame,
  disagreementIndices,
  experimentConfigs,
  inJupyter,
  mistakeIndices,
  notebookProgress,
  versusReport,
} from "../src/notebook.ts";
import type { Evaluation } from "../src/evaluate.ts";

/**
 * The figures each notebook must show: SVG charts and PNG digit images. Other
 * notebooks in `notebooks/` are executed too and checked for errors only.
 */
const EXPECTED_FIGURES: Record<string, { svg: string[]; png: string[] }> = {
  "01-data-exploration": {
    svg: ["images per digit", "pixel-intensity histogram"],
    png: ["3x3 grid of training digits", "pixel values of the first image", "mean image of each digit"],
  },
  "02-mlp": {
    svg: ["learning curves", "probabilities of the first test digit"],
    png: ["first 5 test digits with predictions"],
  },
  "03-cnn": {
    svg: ["learning curves", "confusion matrix"],
    png: ["10 test digits with predictions", "32 learned filters", "feature maps"],
  },
  "04-comparison": {
    svg: ["accuracy bars", "loss bars", "gap bars", "held-out curves", "parameter counts", "per-class accuracy"],
    png: ["MLP mistakes", "CNN mistakes", "disagreements"],
  },
  "06-extensions": {
    svg: ["augmented CNN learning curves", "early-stopping learning curves with the checkpoint"],
    png: ["digits and augmented copies"],
  },
};

/** Notebooks that train and must show the live Keras-like epoch lines. */
const TRAINING_NOTEBOOKS = ["02-mlp", "03-cnn", "04-comparison", "06-extensions"];

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

function text(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join("") : value ?? "";
}

const jupyter = await hasJupyter();
if (!jupyter) console.log("notebooks_test: jupyter is not on PATH; skipping the notebook execution tests");

Deno.test({
  name: "every notebook runs in quick mode through Jupyter and the Deno kernel, with all its figures",
  ignore: !jupyter,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const notebooks = await listNotebooks();
    const names = notebooks.map((n) => basename(n, ".ipynb"));
    for (const name of Object.keys(EXPECTED_FIGURES)) {
      assert(names.includes(name), `notebooks/${name}.ipynb is missing`);
    }
    const outDir = await Deno.makeTempDir({ prefix: "notebooks-out-" });
    const cacheDir = await Deno.makeTempDir({ prefix: "notebooks-cache-" });
    const executorDir = await writeExecutorModule();
    try {
      for (const notebook of notebooks) {
        const name = basename(notebook, ".ipynb");
        await t.step(name, async () => {
          const result = await executeNotebook(notebook, {
            outDir,
            executorDir,
            env: { MNIST_QUICK: "1", MNIST_CACHE_DIR: cacheDir },
            cellTimeoutS: 300,
          });
          assert(result.success, `${name} failed to execute:\n${result.log}`);
          assert(result.seconds < 120, `${name} took ${result.seconds.toFixed(0)} s in quick mode (limit 120 s)`);
          const executed = JSON.parse(await Deno.readTextFile(result.output));
          const outputs: Output[] = executed.cells.flatMap((c: { outputs?: Output[] }) => c.outputs ?? []);
          const errors = outputs.filter((o) => o.output_type === "error");
          assertEquals(errors.map((e) => `${e.ename}: ${e.evalue}`), [], `${name} has error outputs`);
          const stderr = outputs.filter((o) => o.name === "stderr").map((o) => text(o.text));
          assertEquals(stderr, [], `${name} wrote to stderr`);
          const svg = outputs.filter((o) => o.data?.["image/svg+xml"]).length;
          // a chart carries a PNG beside its SVG (for untrusted notebooks); digit images are PNG only
          const png = outputs.filter((o) => o.data?.["image/png"] && !o.data?.["image/svg+xml"]).length;
          const svgWithoutPng = outputs.filter((o) => o.data?.["image/svg+xml"] && !o.data?.["image/png"]).length;
          assertEquals(svgWithoutPng, 0, `${name}: every SVG chart also carries a PNG`);
          const expected = EXPECTED_FIGURES[name];
          if (!expected) return; // a notebook without a figure list here: no errors is all we check
          assertEquals(
            { svg, png },
            { svg: expected.svg.length, png: expected.png.length },
            `${name}: expected SVG figures ${expected.svg.join(", ")} and PNG figures ${expected.png.join(", ")}`,
          );
          const plain = outputs.map((o) => text(o.data?.["text/plain"]) + text(o.text)).join("\n");
          if (TRAINING_NOTEBOOKS.includes(name)) {
            assert(/Epoch 1\/\d+ - \d+\/\d+ - .*accuracy: [\d.]+ - loss: [\d.]+/.test(plain), `${name}: no epoch line`);
            assert(plain.includes("QUICK MODE"), `${name}: quick mode is not announced`);
          }
        });
      }
    } finally {
      for (const dir of [outDir, cacheDir, executorDir]) await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("experimentConfigs: the report's runs, with quick mode small and the 10-epoch runs snapshotting the 5", () => {
  const full = experimentConfigs(false);
  assertEquals([full.mlp5.epochs, full.mlp10.epochs, full.cnn5.epochs, full.cnn10.epochs], [5, 10, 5, 10]);
  assertEquals(full.snapshotEpochs, [5]);
  assertEquals(full.mlp5.validation, { kind: "split", fraction: 0.1 });
  assertEquals(full.cnn5.validation, { kind: "test" });
  assertEquals([full.mlp5.batchSize, full.mlp5.trainCount], [32, null]);
  const quick = experimentConfigs(true);
  assertEquals([quick.mlp5.epochs, quick.cnn10.epochs, quick.snapshotEpochs[0]], [1, 2, 1]);
  assertEquals([quick.mlp5.trainCount, quick.cnn5.testCount], [2000, 500]);
  // the snapshot of a long run is exactly the short run
  assertEquals({ ...quick.mlp10, epochs: quick.snapshotEpochs[0] }, quick.mlp5);
  assertEquals({ ...full.cnn10, epochs: full.snapshotEpochs[0] }, full.cnn5);
});

Deno.test("mistakes, disagreements and agreement counts on a known case", () => {
  const labels = [0, 1, 2, 3, 4];
  const mlp = [0, 1, 9, 9, 4];
  const cnn = [0, 7, 2, 8, 4];
  assertEquals(mistakeIndices(labels, mlp), [2, 3]);
  assertEquals(disagreementIndices(mlp, cnn), [1, 2, 3]);
  const frame = agreementFrame(labels, mlp, cnn);
  assertEquals(frame.getColumn("images").toArray(), [2, 1, 1, 0, 1]);
});

Deno.test("versusReport puts our numbers beside the report's, formatted as the report prints them", () => {
  const evaluation = (accuracy: number, loss: number) => ({ accuracy, loss } as Evaluation);
  const frame = versusReport("mlp", 5, evaluation(0.99, 0.03), evaluation(0.978, 0.07));
  assertEquals(frame.getColumn("report").toArray(), ["98.91%", "97.70%", "0.0385", "0.0804", "1.31%"]);
  assertEquals(frame.getColumn("ours").toArray()[1], "97.80%");
});

Deno.test("notebookProgress updates one Jupyter display in place and ends with Keras-like lines", async () => {
  const sent: { type: string; content: { data: Record<string, string>; transient: { display_id: string } } }[] = [];
  const progress = notebookProgress({
    broadcast: (type: string, content: Record<string, unknown>) => {
      sent.push({ type, content: content as (typeof sent)[number]["content"] });
      return Promise.resolve();
    },
  });
  progress.epochStart(1, 2, 10);
  for (let b = 0; b < 10; b++) progress.batchEnd(b);
  progress.epochEnd(1, { acc: 0.9, loss: 0.3, val_acc: 0.95, val_loss: 0.2 }, 1.5);
  progress.epochStart(2, 2, 10);
  progress.epochEnd(2, { acc: 0.95, loss: 0.2 }, 1.0);
  await progress.flush();
  assertEquals(sent[0].type, "display_data");
  assert(sent.slice(1).every((m) => m.type === "update_display_data"), "later messages update the display");
  assertEquals(new Set(sent.map((m) => m.content.transient.display_id)).size, 1);
  const last = sent.at(-1)!.content.data["text/plain"];
  assert(last.includes("Epoch 1/2 - 10/10 - 1.5s") && last.includes("val_accuracy: 0.9500"), last);
  assert(last.includes("Epoch 2/2"), last);
});

Deno.test("notebookProgress falls back to the terminal outside Jupyter", async () => {
  const progress = notebookProgress();
  assert(!inJupyter(), "tests do not run inside the kernel");
  await progress.flush();
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
