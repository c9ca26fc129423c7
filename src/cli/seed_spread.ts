/**
 * How much does the seed move the results? Trains the report's 5-epoch CNN
 * (and, with `--mlp`, the MLP) with several seeds — or restores them from the
 * model cache — and prints each one's test accuracy.
 *
 * Usage: deno run -A src/cli/seed_spread.ts [--seeds 1,7,42,1234] [--mlp]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadCourseMnist } from "../data/course_data.ts";
import { evaluateModel } from "../evaluate.ts";
import { terminalTrainingDisplay } from "../display/training.ts";
import { getRun, trainRun } from "../runs.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { seeds: { type: "string", default: "1,7,42,1234" }, mlp: { type: "boolean", default: false } },
});
const seeds = values.seeds.split(",").map((s) => Number(s.trim()));
if (seeds.some((s) => !Number.isInteger(s))) {
  console.error(`--seeds takes whole numbers separated by commas, got "${values.seeds}"`);
  Deno.exit(2);
}
const data = await loadCourseMnist(false);
const rows: string[] = [];
for (const seed of seeds) {
  for (const name of values.mlp ? ["mlp-5", "cnn-5"] : ["cnn-5"]) {
    const result = await trainRun(name, data, { display: terminalTrainingDisplay(), seed });
    const test = evaluateModel(result.model, data.test);
    rows.push(`${name} seed ${String(seed).padStart(5)}: test accuracy ${(test.accuracy * 100).toFixed(2)}%`);
    console.error(rows.at(-1));
  }
}
console.log(`${getRun("cnn-5").epochs}-epoch models, full MNIST:\n${rows.join("\n")}`);
