import { assert, assertEquals } from "./assert.ts";
import { join } from "node:path";
import pl from "nodejs-polars";
import { sha256File } from "../src/report/pipeline.ts";

const SCRIPT = new URL("../src/cli/reproduce.ts", import.meta.url).pathname;

async function reproduce(args: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, "--quick", "--no-notebooks", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
  assert(output.success, `reproduce --quick failed:\n${text}`);
  return text;
}

Deno.test("reproduce --quick writes every promised output, the sources' group too, and a retrained run gives identical metrics", async () => {
  const dir = await Deno.makeTempDir({ prefix: "reproduce-" });
  try {
    const out = join(dir, "reports");
    const cache = join(dir, "models");
    const log = await reproduce(["--out", out, "--cache-dir", cache]);
    assert(log.includes("QUICK MODE"), "quick output must say it is quick");

    const manifest = JSON.parse(await Deno.readTextFile(join(out, "manifest.json")));
    assertEquals(manifest.quick, true);
    assertEquals(manifest.seed, 1234);
    assert(["wasm", "cpu"].includes(manifest.backend));
    assert(manifest.versions.tfjs && manifest.machine.logicalCores >= 1);
    assert(manifest.steps.length >= 9 && manifest.steps.every((s: { seconds: number }) => s.seconds >= 0));
    // the four runs, by their one name, with their settings and where the cache keeps them
    assertEquals(Object.keys(manifest.runs).sort(), ["cnn-10", "cnn-5", "mlp-10", "mlp-5"]);
    assertEquals([manifest.runs["mlp-5"].epochs, manifest.runs["cnn-10"].validation], [5, "test"]);
    // the sources' runs: their own steps (timed apart from the report's) and their own record
    const stepNames = manifest.steps.map((s: { name: string }) => s.name);
    for (const source of ["source 002", "source 003", "source 001"]) {
      assert(
        stepNames.some((n: string) => n.startsWith(`train ${source}'s runs`)),
        `no step for ${source}: ${stepNames}`,
      );
    }
    assertEquals(Object.keys(manifest.sources).sort(), [
      "source-001-cnn",
      "source-001-cnn-augmented-069",
      "source-001-cnn-fewer-eights",
      "source-001-cnn-fine-tuned",
      "source-002-early-stopping",
      "source-002-mlp",
      "source-003-mlp",
      "source-003-mlp-raw",
    ]);
    const long = manifest.sources["source-002-mlp"];
    assertEquals([long.epochs, long.batchSize, long.epochsRun, long.validation], [100, 128, 100, "test"]);
    assert(long.trainedSeconds > 0 && long.cache.length > 0 && long.metrics.testAccuracy > 0.5);
    assert(manifest.sources["source-002-early-stopping"].bestEpoch >= 1);

    // every output is listed with the right hash, and parses
    const outputs = Object.entries(manifest.outputs as Record<string, string>);
    assert(outputs.length > 20, `only ${outputs.length} outputs`);
    for (const [path, hash] of outputs) {
      const full = join(out, path);
      assertEquals(await sha256File(full), hash, `hash of ${path}`);
      if (path.endsWith(".csv")) assert(pl.readCSV(await Deno.readTextFile(full)).height > 0, `${path} is empty`);
      if (path.endsWith(".md")) assert((await Deno.readTextFile(full)).includes("| --- |") || path === "REPORT.md");
      if (path.endsWith(".svg")) {
        assert((await Deno.readTextFile(full)).trimStart().startsWith("<svg"), `${path} is not SVG`);
      }
      if (path.endsWith(".png")) {
        assertEquals(
          Array.from((await Deno.readFile(full)).subarray(0, 4)),
          [0x89, 0x50, 0x4e, 0x47],
          `${path} is not PNG`,
        );
      }
    }
    const listed = new Set(outputs.map(([p]) => p));
    for (
      const table of [
        "comparison-5-epochs",
        "comparison-10-epochs",
        "history-mlp",
        "history-cnn",
        "class-counts",
        "per-class-accuracy",
        "parameters",
        "agreement",
        "source-002-results",
        "source-002-test-loss",
        "source-003-results",
        "source-003-untrained",
        "source-001-results",
        "source-001-per-digit",
        "source-001-drawings",
        "sources-settings",
      ]
    ) {
      assert(listed.has(`tables/${table}.csv`) && listed.has(`tables/${table}.md`), `table ${table} missing`);
    }
    const svgs = [...listed].filter((p) => p.startsWith("figures/") && p.endsWith(".svg"));
    const pngs = [...listed].filter((p) => p.startsWith("figures/") && p.endsWith(".png"));
    assert(pngs.length >= 23 && svgs.length >= 13, `only ${svgs.length} SVG and ${pngs.length} PNG figures`);
    for (const svg of svgs) assert(listed.has(svg.replace(/\.svg$/, ".png")), `${svg} has no PNG twin`);

    const report = await Deno.readTextFile(join(out, "REPORT.md"));
    for (
      const heading of [
        "## 1. The data",
        "## 2. The MLP",
        "## 4. The CNN",
        "## 5. Comparison",
        "### 5.2",
        "## 6. The sources' runs",
        "### 6.1 Source 002",
        "### 6.2 Source 003",
        "### 6.3 Source 001",
      ]
    ) {
      assert(report.includes(heading), `REPORT.md lacks "${heading}"`);
    }
    assert(report.includes("97.70%") && report.includes("98.61%"), "the report's published numbers are missing");
    assert(report.includes("98.36%") && report.includes("0.2185"), "source 002's published numbers are missing");
    for (const figure of ["source-002-curves", "source-003-curves", "source-001-per-digit"]) {
      assert(report.includes(`figures/${figure}.svg`), `REPORT.md does not show ${figure}`);
    }
    for (const match of report.matchAll(/\]\(([^)]+\.(?:svg|png))\)/g)) {
      assert(listed.has(match[1]), `REPORT.md links ${match[1]}, which was not written`);
    }

    // a second run, retraining the report's runs from scratch without the sources, gives the same numbers
    await reproduce(["--out", join(dir, "again"), "--cache-dir", join(dir, "models-again"), "--force", "--no-sources"]);
    const again = JSON.parse(await Deno.readTextFile(join(dir, "again", "manifest.json")));
    assertEquals(again.sources, null);
    assert(!again.steps.some((s: { name: string }) => s.name.includes("source")), "--no-sources ran a source step");
    assert(!Object.keys(again.outputs).some((p) => p.includes("source")), "--no-sources wrote a source output");
    assert(!(await Deno.readTextFile(join(dir, "again", "REPORT.md"))).includes("## 6. The sources' runs"));
    const metrics = (m: { runs: Record<string, { metrics: unknown }> }) =>
      Object.fromEntries(Object.entries(m.runs).map(([name, run]) => [name, run.metrics]));
    assertEquals(metrics(again), metrics(manifest));
    assertEquals(again.outputs["tables/comparison-10-epochs.csv"], manifest.outputs["tables/comparison-10-epochs.csv"]);

    // and a run that restores the first run's models from the cache writes the same tables and figures, bit for bit
    // (a model just trained and the same model restored must evaluate alike), also when it writes the Korean
    // report and figures besides (they are drawn after the English ones, which stay as they were)
    await reproduce(["--out", join(dir, "cached"), "--cache-dir", cache, "--no-notebooks", "--lang", "ko"]);
    const cached = JSON.parse(await Deno.readTextFile(join(dir, "cached", "manifest.json")));
    const tables = (m: { outputs: Record<string, string> }) =>
      Object.entries(m.outputs).filter(([path]) =>
        path.startsWith("tables/") || (path.startsWith("figures/") && !path.startsWith("figures/ko/"))
      );
    assertEquals(tables(cached), tables(manifest));
    const korean = Object.keys(cached.outputs).filter((path) => path.startsWith("figures/ko/"));
    assertEquals(korean.length, Object.keys(manifest.outputs).filter((p) => p.startsWith("figures/")).length);
    const reportKo = await Deno.readTextFile(join(dir, "cached", "REPORT.ko.md"));
    assert(reportKo.includes("## 6. 자료들의 실행") && reportKo.includes("figures/ko/source-002-curves.svg"));
    assert(Object.values(cached.runs).every((r) => (r as { cache: string }).cache.length > 0));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
