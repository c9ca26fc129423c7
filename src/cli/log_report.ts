/**
 * `deno task log-report`: the app's prediction log as a report under
 * `reports/log-report/` (REPORT.md, facts.json, figures/, tables/), with an
 * optional narration by a language model when one is configured.
 *
 * ```sh
 * deno task log-report                                  # data/logs/predictions.jsonl -> reports/log-report/
 * deno task log-report --log my.jsonl --out /tmp/report
 * MNIST_LLM_BASE_URL=http://localhost:11434/v1 MNIST_LLM_MODEL=llama3.2 deno task log-report
 * ```
 *
 * It reads the log's rotated file (`predictions.1.jsonl`) too, when there is one.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { defaultLogPath } from "../app/log.ts";
import { defaultLogReportDir, writeLogReport } from "../app/log_report.ts";
import { DEFAULT_TIMEOUT_S, EXAMPLE_ENDPOINTS, LLM_ENV } from "../app/narration.ts";

const USAGE = `usage: deno task log-report [--log FILE] [--out DIR] [--no-narration]
  --log FILE        the prediction log (default data/logs/predictions.jsonl)
  --out DIR         where REPORT.md, facts.json, figures/ and tables/ go (default reports/log-report/)
  --no-narration    do not ask a language model, even when one is configured

The report is computed from the log. A language model may add a narration, given only the report's
numbers (facts.json) and labelled as generated; a narration that writes a number the facts do not hold
is rejected (left out, its numbers named). It speaks the OpenAI-compatible chat completions API
(POST {base}/chat/completions) and is configured by environment variables:
  ${LLM_ENV.baseUrl}   the API's base URL; unset: no narration. ${
  EXAMPLE_ENDPOINTS.map(([name, url]) => `${name}: ${url}`).join(",\n                       ")
}
  ${LLM_ENV.model}      the model to ask, e.g. llama3.2 (any name for a server with one model)
  ${LLM_ENV.apiKey}    sent as "Authorization: Bearer ..." when set
  ${LLM_ENV.timeout}  seconds to wait for the answer (default ${DEFAULT_TIMEOUT_S})`;

let args;
try {
  args = parseArgs({
    args: Deno.args,
    options: {
      log: { type: "string" },
      out: { type: "string" },
      "no-narration": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  Deno.exit(2);
}
if (args.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const logPath = args.log ?? defaultLogPath();
const outDir = args.out ?? defaultLogReportDir();
const fail = (message: string): never => {
  console.error(`${message}\n${USAGE}`);
  Deno.exit(2);
};
const kind = async (path: string) => {
  try {
    return (await Deno.stat(path)).isDirectory ? "folder" : "file";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
};
if (await kind(logPath) === "folder") fail(`--log ${logPath} is a folder; give the log file (a .jsonl file)`);
if (await kind(outDir) === "file") fail(`--out ${outDir} is a file; give a folder for REPORT.md and figures/`);
let report;
try {
  report = await writeLogReport(logPath, outDir, { narrate: !args["no-narration"] });
} catch (error) {
  console.error(`log-report failed: ${(error as Error).message}`);
  Deno.exit(1);
}
for (const warning of report.warnings) console.warn(`warning: ${warning}`);
const s = report.summary;
console.log(
  `${s.predictions} predictions (${s.labelled} labelled, accuracy ${
    s.accuracy === null ? "n/a" : (s.accuracy * 100).toFixed(2) + "%"
  }), ${s.skippedLines} damaged lines skipped; ${s.drawings} drawings, ${s.labelsCarried} labels carried between ` +
    "models' answers to one drawing",
);
const narration = report.narration!;
const line = `narration: ${narration.status}: ${narration.message}`;
if (narration.status === "ok" || narration.status === "off" || narration.status === "skipped") console.log(line);
else console.warn(line);
if (narration.status === "off") console.log(`  to turn it on, set ${LLM_ENV.baseUrl} and ${LLM_ENV.model} (--help)`);
console.log(`wrote ${report.files.at(-1)} with facts.json, ${report.files.length - 2} figure and table files`);
