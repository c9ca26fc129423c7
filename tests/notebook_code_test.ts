/**
 * The notebooks teach the TensorFlow.js code the report shows in Keras: each
 * step (build, compile, fit, evaluate, predict, save, load) is written in a
 * code cell of the notebook that teaches it, in both editions, not hidden in
 * `src/`.
 */
import { join } from "node:path";
import { assert } from "./assert.ts";
import { notebooksDir } from "../src/cli/notebooks.ts";
import { joined, readCells } from "./notebook_files.ts";

/** The calls each notebook's code cells must make, as the report's Keras code makes them. */
const TAUGHT: Record<string, string[]> = {
  "03-mlp.ipynb": [
    "tf.sequential(",
    "tf.layers.flatten(",
    "tf.layers.dense(",
    ".compile(",
    ".fit(",
    ".evaluate(",
    ".predict(",
    ".argMax(",
    ".save(",
    "tf.loadLayersModel(",
  ],
  "04-cnn.ipynb": [
    "tf.sequential(",
    "tf.layers.conv2d(",
    "tf.layers.maxPooling2d(",
    "tf.layers.dense(",
    ".compile(",
    ".fit(",
    ".evaluate(",
    ".predict(",
    ".save(",
    "tf.loadLayersModel(",
  ],
  "06-drawing.ipynb": ["tf.sequential(", "tf.layers.conv2d(", ".compile(", ".fit("],
  "09-source-cnn.ipynb": ["tf.sequential(", "tf.layers.conv2d(", ".fit(", "tf.loadLayersModel("],
};

for (const edition of ["", "ko"]) {
  for (const [file, calls] of Object.entries(TAUGHT)) {
    const path = join(notebooksDir(), edition, file);
    Deno.test(`${join(edition, file)} writes the TensorFlow.js steps in its own code cells`, async () => {
      const code = (await readCells(path)).filter((c) => c.cell_type === "code").map((c) => joined(c.source))
        .join("\n");
      const missing = calls.filter((call) => !code.includes(call));
      assert(missing.length === 0, `${path}: no code cell calls ${missing.join(", ")}`);
    });
  }
}
