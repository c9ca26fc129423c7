// `reproduce --quick` against a damaged model cache and a stop signal, end to end: real `deno task reproduce`
// processes on a temporary output folder and model cache.
//
// - damaged weights (finite numbers, so nothing else notices) are found by their SHA-256, announced and retrained,
//   and the run gives the numbers of the undamaged one;
// - an invalid meta.json is named and its run retrained before anything is written;
// - SIGTERM during the notebooks step ends nbconvert and its Deno kernel, and leaves the previous reports as they were;
// - anything else in the output folder (a log report) survives every run.
import { join } from "node:path";
import { assert, assertEquals } from "./assert.ts";
import { isAlive, processesWithEnv } from "./processes.ts";
import { sha256File } from "../src/report/pipeline.ts";
import { hasJupyter } from "../src/cli/notebooks.ts";

const REPO_ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);
/** Marks every process a run starts (they inherit it), so the test can find orphans. */
const MARK_VAR = "MNIST_TEST_RUN_MARK";
/** How long the notebooks step may take to start a kernel on a busy machine. */
const KERNEL_TIMEOUT_MS = 180_000;
/** How long the run's children may take to end after SIGTERM. */
const ORPHAN_GRACE_MS = 20_000;

interface RunResult {
  code: number;
  text: string;
}

function spawnReproduce(args: string[], mark: string) {
  return new Deno.Command(Deno.execPath(), {
    args: ["task", "reproduce", "--quick", ...args],
    cwd: REPO_ROOT,
    env: { [MARK_VAR]: mark },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function reproduce(args: string[]): Promise<RunResult> {
  const output = await spawnReproduce(args, crypto.randomUUID()).output();
  const decoder = new TextDecoder();
  return { code: output.code, text: decoder.decode(output.stderr) + decoder.decode(output.stdout) };
}

/** Every file under `dir` with its SHA-256, by path relative to `dir`. */
async function snapshot(dir: string, prefix = ""): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) Object.assign(files, await snapshot(dir, path));
    else files[path] = await sha256File(join(dir, path));
  }
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The cache folder of a run, as the manifest records it. */
function cacheFolder(manifest: { runs: Record<string, { cache: string }> }, run: string): string {
  const cache = manifest.runs[run]?.cache;
  if (!cache) throw new Error(`the manifest has no run ${run}`);
  return cache.startsWith("/") ? cache : join(REPO_ROOT, cache);
}

/** Each run's metrics, from a manifest. */
function metrics(manifest: { runs: Record<string, { metrics: unknown }> }): Record<string, unknown> {
  return Object.fromEntries(Object.entries(manifest.runs).map(([name, run]) => [name, run.metrics]));
}

/** Checks that `out` is one whole run: every file its manifest lists has the listed hash. */
async function assertWholeRun(out: string) {
  const manifest = JSON.parse(await Deno.readTextFile(join(out, "manifest.json")));
  for (const [path, hash] of Object.entries(manifest.outputs as Record<string, string>)) {
    assertEquals(await sha256File(join(out, path)), hash, `${path} does not match manifest.json`);
  }
  return manifest;
}

Deno.test({
  name: "reproduce --quick end to end: damaged weights and meta.json retrained, SIGTERM leaves no orphans",
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "reproduce-hardening-" });
    const out = join(dir, "reports");
    const cache = join(dir, "models");
    const args = ["--out", out, "--cache-dir", cache];
    const leftovers = () => [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith("."));
    try {
      const first = await reproduce([...args, "--no-notebooks"]);
      assertEquals(first.code, 0, first.text);
      const baseline = await assertWholeRun(out);
      // something else the folder holds (deno task log-report writes reports/log-report/)
      await Deno.mkdir(join(out, "log-report"));
      await Deno.writeTextFile(join(out, "log-report", "REPORT.md"), "# kept\n");

      await t.step("damaged weights are found, announced and retrained: the numbers do not move", async () => {
        const folder = cacheFolder(baseline, "cnn-10");
        const original = await Deno.readFile(join(folder, "weights.bin"));
        const damaged = original.slice();
        const half = Math.floor(damaged.length / 8) * 4;
        new Float32Array(damaged.buffer, half, (damaged.length - half) / 4).fill(0.5);
        await Deno.writeFile(join(folder, "weights.bin"), damaged);
        const run = await reproduce([...args, "--no-notebooks"]);
        assertEquals(run.code, 0, run.text);
        assert(run.text.includes(folder) && /retrain/.test(run.text), `not announced:\n${run.text}`);
        const manifest = await assertWholeRun(out);
        assertEquals(metrics(manifest), metrics(baseline), "the retrained run gives the same numbers");
        assertEquals(await Deno.readFile(join(folder, "weights.bin")), original, "retraining restored the weights");
        assertEquals(await Deno.readTextFile(join(out, "log-report", "REPORT.md")), "# kept\n");
      });

      await t.step("an invalid meta.json is named and its run retrained before anything is written", async () => {
        const folder = cacheFolder(baseline, "mlp-10");
        const metaPath = join(folder, "meta.json");
        const meta = JSON.parse(await Deno.readTextFile(metaPath));
        await Deno.writeTextFile(metaPath, JSON.stringify({ ...meta, rows: [] }));
        const run = await reproduce([...args, "--no-notebooks"]);
        assertEquals(run.code, 0, run.text);
        assert(run.text.includes(metaPath), `meta.json not named:\n${run.text}`);
        const manifest = await assertWholeRun(out);
        assertEquals(metrics(manifest), metrics(baseline));
        const history = await Deno.readTextFile(join(out, "tables", "history-mlp.csv"));
        assertEquals(history.trim().split("\n").length, 11, history);
        assertEquals(leftovers(), []);
      });

      await t.step({
        name: "SIGTERM during the notebooks step: no orphans, no partial outputs, the reports as they were",
        ignore: !(await hasJupyter()),
        fn: async () => {
          const before = await snapshot(out);
          const mark = crypto.randomUUID();
          const child = spawnReproduce(args, mark);
          const output = child.output();
          try {
            const deadline = Date.now() + KERNEL_TIMEOUT_MS;
            while (!processesWithEnv(MARK_VAR, mark).some((p) => p.command.includes("--kernel"))) {
              assert(Date.now() < deadline, "the notebooks step never started a kernel");
              assert(isAlive(child.pid), "reproduce ended before the notebooks step");
              await new Promise((resolve) => setTimeout(resolve, 200));
            }
            const running = processesWithEnv(MARK_VAR, mark);
            assert(running.some((p) => p.command.includes("nbconvert")), JSON.stringify(running));
            child.kill("SIGTERM");
            // (the status, not the output: orphans would hold the output pipes open)
            const status = await child.status;
            assert(!status.success, "an interrupted run does not succeed");
            const graceEnd = Date.now() + ORPHAN_GRACE_MS;
            let left = processesWithEnv(MARK_VAR, mark);
            while (left.length > 0 && Date.now() < graceEnd) {
              await new Promise((resolve) => setTimeout(resolve, 200));
              left = processesWithEnv(MARK_VAR, mark);
            }
            assertEquals(left, [], "processes left running after SIGTERM");
            assertEquals(await snapshot(out), before, "the previous reports are untouched");
            assertEquals(leftovers(), [], "no partial output folder is left");
          } finally {
            for (const { pid } of processesWithEnv(MARK_VAR, mark)) {
              try {
                Deno.kill(pid, "SIGKILL");
              } catch {
                // already gone
              }
            }
            await output.catch(() => {});
          }
        },
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
