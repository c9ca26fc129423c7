/**
 * `deno task log-report`: the app's prediction log as a report under
 * `reports/log-report/` (REPORT.md and figures).
 *
 * ```sh
 * deno task log-report                                  # data/logs/predictions.jsonl -> reports/log-report/
 * deno task log-report --log my.jsonl --out /tmp/report
 * ```
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
const report = await writeLogReport(logPath, args.out ?? defaultLogReportDir());
for (const warning of report.warnings) console.warn(`warning: ${warning}`);
const s = report.summary;
console.log(
  `${s.predictions} predictions (${s.labelled} labelled, accuracy ${
    s.accuracy === null ? "n/a" : (s.accuracy * 100).toFixed(1) + "%"
  }), ${s.skippedLines} damaged lines skipped`,
);
console.log(`wrote ${report.files.at(-1)} and ${report.files.length - 1} figure files`);
