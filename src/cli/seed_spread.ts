/**
 * How much does the seed move the results? Trains the report's 5-epoch CNN
 * (and, with `--mlp`, the MLP) with several seeds — or loads them from the
 * model cache — and prints each one's test accuracy.
 *
 * Usage: deno run -A src/cli/seed_spread.ts [--seeds 1,7,42,1234] [--mlp]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadMnist } from "../data/mnist.ts";
import { experimentPlan } from "../experiments.ts";
import { evaluateModel } from "../evaluate.ts";
import { terminalProgress } from "../progress.ts";
import { trainPreset } from "../train.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { seeds: { type: "string", default: "1,7,42,1234" }, mlp: { type: "boolean", default: false } },
});
const seeds = values.seeds.split(",").map((s) => Number(s.trim()));
if (seeds.some((s) => !Number.isInteger(s))) {
  console.error(`--seeds takes whole numbers separated by commas, got "${values.seeds}"`);
  Deno.exit(2);
}
const data = await loadMnist();
const rows: string[] = [];
for (const seed of seeds) {
  const plan = experimentPlan(false, seed);
  for (const config of values.mlp ? [plan.mlpEarly, plan.cnnEarly] : [plan.cnnEarly]) {
    const result = await trainPreset(config, data, { progress: terminalProgress() });
    const test = evaluateModel(result.model, data.test);
    rows.push(
      `${config.preset.padEnd(4)} seed ${String(seed).padStart(5)}: test accuracy ${(test.accuracy * 100).toFixed(2)}%`,
    );
    console.error(rows.at(-1));
  }
}
console.log(`${experimentPlan(false).earlyEpochs}-epoch models, full MNIST:\n${rows.join("\n")}`);
