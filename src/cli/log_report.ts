/**
 * `deno task log-report`: the app's prediction log as a report under
 * `reports/log-report/` (REPORT.md and figures).
 *
 * ```sh
 * deno task log-report                                  # data/logs/predictions.jsonl -> reports/log-report/
 * deno task log-report --log my.jsonl --out /tmp/report
 * ```
 *
 * It reads the log's rotated file (`predictions.1.jsonl`) too, when there is one.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { defaultLogPath } from "../app/log.ts";
import { defaultLogReportDir, writeLogReport } from "../app/log_report.ts";

const USAGE = `usage: deno task log-report [--log FILE] [--out DIR]
  --log FILE  the prediction log (default data/logs/predictions.jsonl)
  --out DIR   where REPORT.md and figures/ go (default reports/log-report/)`;

let args;
try {
  args = parseArgs({
    args: Deno.args,
    options: { log: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
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
  report = await writeLogReport(logPath, outDir);
} catch (error) {
  console.error(`log-report failed: ${(error as Error).message}`);
  Deno.exit(1);
}
for (const warning of report.warnings) console.warn(`warning: ${warning}`);
const s = report.summary;
console.log(
  `${s.predictions} predictions (${s.labelled} labelled, accuracy ${
    s.accuracy === null ? "n/a" : (s.accuracy * 100).toFixed(1) + "%"
  }), ${s.skippedLines} damaged lines skipped`,
);
console.log(`wrote ${report.files.at(-1)} and ${report.files.length - 1} figure files`);
