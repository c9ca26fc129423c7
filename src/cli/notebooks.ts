/**
 * `deno task notebooks`: executes every course notebook top to bottom with
 * Jupyter and the Deno kernel (`jupyter nbconvert`), honouring `MNIST_QUICK`,
 * and exports the executed notebooks as a small static site.
 *
 * Usage: deno task notebooks [--inplace] [--out DIR] [--only NAME]... [--timeout SECONDS] [--site-only]
 *
 * - default: executed copies go to `reports/notebooks/` (or `--out DIR`), each
 *   edition in its folder (`ko/` beside the English notebooks), and the site
 *   (`src/site/`) is written there: a page per notebook and `index.html`;
 * - `--inplace`: the notebooks in `notebooks/` are overwritten with their outputs (no site);
 * - `--site-only`: executes nothing, rebuilds the site from the executed copies in the output folder.
 *
 * Each written file is announced on standard output as `wrote <path>`. When
 * Jupyter is not installed it says so in one line and exits 0.
 *
 * Outputs are written whole: nbconvert writes into a hidden staging folder
 * beside the target, and the executed notebook is renamed into place only
 * when complete, so a notebook being rewritten `--inplace` is never left
 * half-written. Ctrl-C or SIGTERM ends nbconvert and its kernel (which Jupyter
 * starts in a session of its own) and removes the staging folder before the
 * command exits.
 *
 * Why not plain `--execute`: the Deno kernel sometimes reports a cell idle a
 * moment *before* it sends the cell's last output (its result), and nbclient
 * stops listening at idle, so outputs went missing at random. The executor
 * below (a subclass of nbconvert's ExecutePreprocessor, written to a temp
 * folder and loaded via PYTHONPATH) keeps listening briefly after idle.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { basename, dirname, join } from "node:path";
import { removePendingTempsSync, repoRoot, trackTemp, untrackTemp } from "../fsutil.ts";
import { isQuickMode } from "../course_env.ts";
import { spawnChild, stopOnSignals } from "../child_processes.ts";
import { buildSite } from "../site/build.ts";
import { type Edition, listEditions, numberedNotebooks } from "../site/editions.ts";

/** The Jupyter kernel the notebooks run on. */
export const KERNEL_NAME = "deno";

/** A fresh hidden folder inside `dir` for outputs being written, removed if the process is stopped. */
async function stagingFolder(dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const staging = await Deno.makeTempDir({ dir, prefix: ".executing-" });
  trackTemp(staging);
  return staging;
}

async function removeStaging(staging: string): Promise<void> {
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  untrackTemp(staging);
}
/** Default seconds a single cell may run: long enough for a full 10-epoch CNN on 2 cores. */
export const DEFAULT_CELL_TIMEOUT_S = 3 * 3600;
/** Seconds to keep listening for a cell's late outputs after the kernel reports idle. */
export const IDLE_GRACE_S = 0.5;

/** The folder of the course notebooks. */
export function notebooksDir(): string {
  return join(repoRoot(), "notebooks");
}

/** The course notebooks (`NN-name.ipynb`) of the main edition, in reading order. */
export async function listNotebooks(dir: string = notebooksDir()): Promise<string[]> {
  return (await numberedNotebooks(dir)).map((name) => join(dir, name));
}

/** True when `jupyter nbconvert` can be run. */
export async function hasJupyter(): Promise<boolean> {
  try {
    const output = await new Deno.Command("jupyter", {
      args: ["nbconvert", "--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return output.success;
  } catch {
    return false;
  }
}

/** The nbconvert preprocessor that tolerates the Deno kernel's late outputs (see the module comment). */
const EXECUTOR_MODULE = `"""Executes notebooks on the Deno kernel, waiting briefly for outputs sent after idle."""
from queue import Empty
from time import monotonic

from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async
from nbconvert.preprocessors import ExecutePreprocessor
from traitlets import Float


class DenoExecutePreprocessor(ExecutePreprocessor):
    idle_grace = Float(${IDLE_GRACE_S}, help="seconds to wait for a cell's outputs after idle").tag(config=True)

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        assert self.kc is not None
        got_result = False
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            got_result = got_result or msg["msg_type"] == "execute_result"
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                break
        if got_result:
            return
        deadline = monotonic() + self.idle_grace
        while True:
            remaining = deadline - monotonic()
            if remaining <= 0:
                return
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=remaining))
            except Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id or msg["msg_type"] == "status":
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass
            if msg["msg_type"] == "execute_result":
                return
`;

/** Writes the executor module into a fresh temp folder and returns the folder (for PYTHONPATH). */
export async function writeExecutorModule(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "deno-nbexec-" });
  trackTemp(dir);
  await Deno.writeTextFile(join(dir, "deno_execute.py"), EXECUTOR_MODULE);
  return dir;
}

/** Options of {@link executeNotebook}. */
export interface ExecuteOptions {
  /** Folder for the executed copy; ignored with `inplace`. */
  outDir?: string;
  /** Overwrite the notebook itself with its outputs. */
  inplace?: boolean;
  /** Extra environment for the kernel (e.g. `MNIST_QUICK`, `MNIST_CACHE_DIR`). */
  env?: Record<string, string>;
  /** Seconds a single cell may run. */
  cellTimeoutS?: number;
  /** Folder holding `deno_execute.py` (from {@link writeExecutorModule}). */
  executorDir: string;
}

/** What executing one notebook gave. */
export interface ExecuteResult {
  notebook: string;
  /** The executed notebook file. */
  output: string;
  success: boolean;
  seconds: number;
  /** nbconvert's messages (the failing cell and its error when it failed). */
  log: string;
}

/**
 * Executes one notebook with Jupyter and the Deno kernel. The kernel runs in
 * the notebook's own folder, so its `../src/` imports resolve. nbconvert runs
 * in a process group of its own (ended with its kernel if this process is
 * stopped); with `inplace` the executed copy replaces the notebook only once
 * it is complete.
 */
export async function executeNotebook(notebook: string, options: ExecuteOptions): Promise<ExecuteResult> {
  if (options.inplace) {
    const staging = await stagingFolder(dirname(notebook));
    try {
      const result = await executeNotebook(notebook, { ...options, inplace: false, outDir: staging });
      if (result.success) await Deno.rename(result.output, notebook);
      return { ...result, output: notebook };
    } finally {
      await removeStaging(staging);
    }
  }
  const name = basename(notebook, ".ipynb");
  const outDir = options.outDir ?? join(repoRoot(), "reports", "notebooks");
  const args = [
    "nbconvert",
    "--to",
    "notebook",
    "--Exporter.preprocessors=['deno_execute.DenoExecutePreprocessor']",
    "--DenoExecutePreprocessor.enabled=True",
    `--DenoExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
    `--DenoExecutePreprocessor.timeout=${options.cellTimeoutS ?? DEFAULT_CELL_TIMEOUT_S}`,
    "--output-dir",
    outDir,
    "--output",
    name,
    notebook,
  ];
  const pythonPath = [options.executorDir, Deno.env.get("PYTHONPATH")].filter(Boolean).join(":");
  const started = performance.now();
  const output = await spawnChild("jupyter", {
    args,
    env: { ...options.env, PYTHONPATH: pythonPath },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    notebook,
    output: join(outDir, `${name}.ipynb`),
    success: output.success,
    seconds: (performance.now() - started) / 1000,
    log: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

/**
 * Removes executed copies (`NN-name.ipynb`) in an edition's output folder whose
 * notebook is no longer in the course (renamed or removed), after a full run.
 */
async function removeStaleCopies(dir: string, edition: Edition): Promise<void> {
  for (const name of await numberedNotebooks(dir)) {
    if (!edition.files.includes(name)) {
      await Deno.remove(join(dir, name));
      console.error(`removed ${join(dir, name)} (no such notebook in the course)`);
    }
  }
}

/** Lines of nbconvert's log worth showing: drops the Python debugger's frozen-modules chatter. */
function usefulLog(log: string): string {
  return log.split("\n").filter((line) =>
    line.trim() !== "" &&
    !/frozen modules|Xfrozen_modules|PYDEVD_DISABLE|Debugging will proceed|"deno jupyter" is unstable/
      .test(line)
  ).join("\n");
}

const HELP = `deno task notebooks [options]

Executes the course notebooks with Jupyter and the Deno kernel (MNIST_QUICK=1 for quick mode) and exports
them as a static site (a page per notebook and index.html, usable offline and from file://).

  --out DIR        where executed copies and the site go (default: reports/notebooks/)
  --inplace        write the outputs into notebooks/ itself (no site)
  --only NAME      run only notebooks whose file name contains NAME (repeatable)
  --site-only      execute nothing: rebuild the site from the executed copies in --out
  --timeout S      seconds a single cell may run (default ${DEFAULT_CELL_TIMEOUT_S})
  --help           this text`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string" },
      inplace: { type: "boolean", default: false },
      // accepted for older scripts: the site is always written unless --inplace
      html: { type: "boolean", default: false },
      only: { type: "string", multiple: true },
      "site-only": { type: "boolean", default: false },
      timeout: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const outDir = values.inplace ? undefined : values.out ?? join(repoRoot(), "reports", "notebooks");
  const editions = await listEditions(notebooksDir());
  if (values["site-only"]) {
    if (!outDir) throw new Error("--site-only writes the site into --out; it cannot be combined with --inplace");
    const site = await buildSite({ root: outDir, editions });
    for (const path of site.written) console.log(`wrote ${path}`);
    return 0;
  }
  if (!(await hasJupyter())) {
    console.log("jupyter is not installed (no `jupyter nbconvert` on PATH); the notebooks were not executed.");
    return 0;
  }
  const quick = isQuickMode();
  const only = values.only ?? [];
  const selected = (name: string) => only.length === 0 || only.some((o) => name.includes(o));
  const total = editions.reduce((n, edition) => n + edition.files.filter(selected).length, 0);
  if (total === 0) {
    console.log("no notebooks to run");
    return 0;
  }
  const stop = stopOnSignals("notebooks", removePendingTempsSync);
  const executorDir = await writeExecutorModule();
  let failed = 0;
  try {
    for (const edition of editions) {
      const editionOut = outDir ? join(outDir, edition.dir) : undefined;
      for (const file of edition.files.filter(selected)) {
        if (stop.requested) await stop.finished; // told to stop: start nothing new, let the handler exit
        const notebook = join(notebooksDir(), edition.dir, file);
        const label = join(edition.dir, file);
        console.error(`executing ${label}${quick ? " (quick mode)" : ""} ...`);
        const cellTimeoutS = values.timeout ? Number(values.timeout) : undefined;
        // into a staging folder, moved into place only once complete (or the notebook itself, with --inplace)
        const staging = editionOut ? await stagingFolder(editionOut) : undefined;
        try {
          const result = await executeNotebook(notebook, {
            outDir: staging,
            inplace: !editionOut,
            executorDir,
            cellTimeoutS,
          });
          if (stop.requested) await stop.finished;
          if (!result.success) {
            failed++;
            console.error(`FAILED ${label} after ${result.seconds.toFixed(0)} s:\n${usefulLog(result.log)}`);
            continue;
          }
          console.error(`  done in ${result.seconds.toFixed(0)} s`);
          const target = editionOut ? join(editionOut, file) : notebook;
          if (editionOut) await Deno.rename(result.output, target);
          console.log(`wrote ${target}`);
        } finally {
          if (staging) await removeStaging(staging);
        }
      }
      if (editionOut && only.length === 0) await removeStaleCopies(editionOut, edition);
    }
  } finally {
    await Deno.remove(executorDir, { recursive: true }).catch(() => {});
    untrackTemp(executorDir);
    stop.remove();
  }
  if (outDir) {
    const site = await buildSite({ root: outDir, editions });
    for (const path of site.written) console.log(`wrote ${path}`);
  }
  if (failed > 0) console.error(`${failed} of ${total} notebooks failed`);
  return failed > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
