/**
 * `deno task notebooks`: executes every course notebook top to bottom with
 * Jupyter and the Deno kernel (`jupyter nbconvert`), honouring `MNIST_QUICK`.
 *
 * Usage: deno task notebooks [--inplace] [--out DIR] [--html] [--only NAME]... [--timeout SECONDS]
 *
 * - default: executed copies go to `reports/notebooks/` (or `--out DIR`), plus an HTML export;
 * - `--inplace`: the notebooks in `notebooks/` are overwritten with their outputs;
 * - `--html`: also export HTML (implied unless `--inplace`).
 *
 * Each written file is announced on standard output as `wrote <path>`. When
 * Jupyter is not installed it says so in one line and exits 0.
 *
 * Outputs are written whole: nbconvert writes into a hidden staging folder
 * beside the target, and the executed notebook (and its HTML) are renamed
 * into place only when both are complete, so a notebook being rewritten
 * `--inplace` is never left half-written. Ctrl-C or SIGTERM ends nbconvert and
 * its kernel (which Jupyter starts in a session of its own) and removes the
 * staging folder before the command exits.
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
import { isQuickMode } from "../experiments.ts";
import { spawnChild, stopOnSignals } from "../child_processes.ts";

/** The Jupyter kernel the notebooks run on. */
export const KERNEL_NAME = "deno";
/** Default seconds a single cell may run: long enough for a full 10-epoch CNN on 2 cores. */
export const DEFAULT_CELL_TIMEOUT_S = 3 * 3600;
/** Seconds to keep listening for a cell's late outputs after the kernel reports idle. */
export const IDLE_GRACE_S = 0.5;

/** The folder of the course notebooks. */
export function notebooksDir(): string {
  return join(repoRoot(), "notebooks");
}

/** The course notebooks (`NN-name.ipynb`) in reading order. */
export async function listNotebooks(dir: string = notebooksDir()): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && /^\d\d-[a-z0-9-]+\.ipynb$/.test(entry.name)) names.push(entry.name);
  }
  return names.sort().map((name) => join(dir, name));
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

/**
 * Executes one notebook with Jupyter and the Deno kernel. The kernel runs in
 * the notebook's own folder, so its `../src/` imports resolve. With `inplace`
 * the executed copy replaces the notebook only once it is complete.
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

/** Exports an executed notebook to HTML next to it and returns the HTML path. */
export async function exportHtml(executed: string, outDir: string): Promise<string> {
  const name = basename(executed, ".ipynb");
  const output = await spawnChild("jupyter", {
    args: ["nbconvert", "--to", "html", "--output-dir", outDir, "--output", name, executed],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`HTML export of ${executed} failed:\n${new TextDecoder().decode(output.stderr)}`);
  }
  return join(outDir, `${name}.html`);
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

Executes the course notebooks with Jupyter and the Deno kernel (MNIST_QUICK=1 for quick mode).

  --out DIR        where executed copies (and HTML) go (default: reports/notebooks/)
  --inplace        write the outputs into notebooks/ itself
  --html           also export HTML (always on unless --inplace)
  --only NAME      run only notebooks whose file name contains NAME (repeatable)
  --timeout S      seconds a single cell may run (default ${DEFAULT_CELL_TIMEOUT_S})
  --help           this text`;

/** Prints how executing a notebook went; true when it succeeded. */
function reportResult(result: ExecuteResult): boolean {
  if (!result.success) {
    console.error(
      `FAILED ${basename(result.notebook)} after ${result.seconds.toFixed(0)} s:\n${usefulLog(result.log)}`,
    );
    return false;
  }
  console.error(`  done in ${result.seconds.toFixed(0)} s`);
  return true;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string" },
      inplace: { type: "boolean", default: false },
      html: { type: "boolean", default: false },
      only: { type: "string", multiple: true },
      timeout: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!(await hasJupyter())) {
    console.log("jupyter is not installed (no `jupyter nbconvert` on PATH); the notebooks were not executed.");
    return 0;
  }
  const quick = isQuickMode();
  const outDir = values.inplace ? undefined : values.out ?? join(repoRoot(), "reports", "notebooks");
  const only = values.only ?? [];
  const notebooks = (await listNotebooks()).filter((n) =>
    only.length === 0 || only.some((o) => basename(n).includes(o))
  );
  if (notebooks.length === 0) {
    console.log("no notebooks to run");
    return 0;
  }
  const stop = stopOnSignals("notebooks", removePendingTempsSync);
  const executorDir = await writeExecutorModule();
  let failed = 0;
  try {
    for (const notebook of notebooks) {
      if (stop.requested) await stop.finished; // told to stop: start nothing new, let the handler exit
      console.error(`executing ${basename(notebook)}${quick ? " (quick mode)" : ""} ...`);
      const cellTimeoutS = values.timeout ? Number(values.timeout) : undefined;
      if (!outDir) {
        const result = await executeNotebook(notebook, { inplace: true, executorDir, cellTimeoutS });
        if (!reportResult(result)) failed++;
        else console.log(`wrote ${result.output}`);
        continue;
      }
      // the executed copy and its HTML are moved into outDir together, once both are complete
      const staging = await stagingFolder(outDir);
      try {
        const result = await executeNotebook(notebook, { outDir: staging, executorDir, cellTimeoutS });
        if (stop.requested) await stop.finished;
        if (!reportResult(result)) {
          failed++;
          continue;
        }
        const html = await exportHtml(result.output, staging);
        for (const file of [result.output, html]) {
          const target = join(outDir, basename(file));
          await Deno.rename(file, target);
          console.log(`wrote ${target}`);
        }
      } finally {
        await removeStaging(staging);
      }
    }
  } finally {
    await Deno.remove(executorDir, { recursive: true }).catch(() => {});
    untrackTemp(executorDir);
    stop.remove();
  }
  if (failed > 0) console.error(`${failed} of ${notebooks.length} notebooks failed`);
  return failed > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
