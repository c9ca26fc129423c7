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
 *
 * Every file is written whole (temp file, then rename), and trained models are
 * cached, so an interrupted run loses nothing and a re-run resumes.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { repoRoot } from "../fsutil.ts";
import { isQuickMode } from "../course_env.ts";
import { runReproduce } from "../report/reproduce.ts";

const HELP = `deno task reproduce [options]

Re-creates every figure and table of the report under reports/.

  --quick          the first 2,000 training and 500 test images (a dry run); writes to data/quick-reports/
  --force          retrain the report's four models even when the cache has them (not the sources' runs)
  --out DIR        where to write (default: reports/, or data/quick-reports/ with --quick)
  --cache-dir DIR  model cache (default: data/models/)
  --no-notebooks   do not execute and export the notebooks
  --no-sources     leave out the sources' runs at their own settings (source 002's 100 epochs, source 003,
                   source 001's CNN and extensions: 49 minutes of training on the shared 2-core reference
                   machine when not cached);
                   their tables, figures and REPORT.md section are then not written, and notebooks 08 and 09
                   train them when executed
  --help           this text`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    force: { type: "boolean", default: false },
    out: { type: "string" },
    "cache-dir": { type: "string" },
    "no-notebooks": { type: "boolean", default: false },
    "no-sources": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}

const quick = values.quick || isQuickMode();
const outDir = values.out ?? join(repoRoot(), quick ? "data/quick-reports" : "reports");
try {
  await runReproduce({
    quick,
    outDir,
    cacheDir: values["cache-dir"],
    force: values.force,
    notebooks: !values["no-notebooks"],
    sources: !values["no-sources"],
  });
} catch (error) {
  console.error(`reproduce failed: ${(error as Error).message}`);
  Deno.exit(1);
}
