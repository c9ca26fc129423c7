/**
 * `deno task reproduce`: re-creates every figure and table of the report under
 * `reports/` — trains (or restores from the model cache) the report's MLP and
 * CNN for 10 epochs, their state after epoch 5 cached on the way (the 5-epoch
 * runs), evaluates all four models,
 * writes figures (SVG + PNG), tables (CSV + Markdown), REPORT.md and
 * manifest.json, and executes the notebooks to HTML where Jupyter is installed.
 *
 * Then the sources' runs at their own settings (source 002's 100 epochs, source
 * 003 with and without / 255, source 001's CNN and its extensions), unless
 * `--no-sources`: their own steps in the manifest, their own group of outputs.
 *
 * Usage: deno task reproduce [--quick] [--force] [--out DIR] [--cache-dir DIR] [--no-notebooks] [--no-sources]
 *        [--lang ko]
 *
 * Every file is written whole (temp file, then rename), the whole set is
 * written into a staging folder that replaces the previous reports only when
 * complete, and trained models are cached, so an interrupted run loses nothing
 * and a re-run resumes. Ctrl-C or SIGTERM ends the notebooks' Jupyter and its
 * kernel too, and removes the partial outputs, before `reproduce` exits.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { removePendingTempsSync, repoRoot } from "../fsutil.ts";
import { stopOnSignals } from "../child_processes.ts";
import { isQuickMode } from "../course_env.ts";
import { runReproduce } from "../report/reproduce.ts";
import { checkLanguage, type Language } from "../i18n.ts";

const HELP = `deno task reproduce [options]

Re-creates every figure and table of the report under reports/.

  --quick          the first 2,000 training and 500 test images (a dry run); writes to data/quick-reports/
  --force          retrain the models even when the cache has them
  --out DIR        where to write (default: reports/, or data/quick-reports/ with --quick)
  --cache-dir DIR  model cache (default: data/models/)
  --no-notebooks   do not execute and export the notebooks
  --no-sources     leave out the sources' runs at their own settings (source 002's 100 epochs, source 003,
                   source 001's CNN and extensions: 49 minutes of training on the shared 2-core reference
                   machine when not cached);
                   their tables, figures and REPORT.md section are then not written, and notebooks 08 and 09
                   train them when executed
  --lang ko        also write REPORT.ko.md with its figures in Korean (figures/ko/)
  --help           this text`;

let values;
try {
  values = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      force: { type: "boolean", default: false },
      out: { type: "string" },
      "cache-dir": { type: "string" },
      "no-notebooks": { type: "boolean", default: false },
      "no-sources": { type: "boolean", default: false },
      lang: { type: "string", multiple: true },
      help: { type: "boolean", default: false },
    },
  }).values;
} catch (error) {
  console.error(`${(error as Error).message}\n\n${HELP}`);
  Deno.exit(2);
}

if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}

const quick = values.quick || isQuickMode();
let languages: Language[];
try {
  languages = (values.lang ?? []).map(checkLanguage);
} catch (error) {
  console.error(`${(error as Error).message}\n\n${HELP}`);
  Deno.exit(2);
}
const outDir = values.out ?? join(repoRoot(), quick ? "data/quick-reports" : "reports");
const stop = stopOnSignals("reproduce", removePendingTempsSync);
try {
  await runReproduce({
    quick,
    outDir,
    cacheDir: values["cache-dir"],
    force: values.force,
    notebooks: !values["no-notebooks"],
    languages,
    sources: !values["no-sources"],
  });
} catch (error) {
  if (stop.requested) await stop.finished; // the signal handler ends the children, cleans up and exits
  console.error(`reproduce failed: ${(error as Error).message}`);
  Deno.exit(1);
}
stop.remove();
