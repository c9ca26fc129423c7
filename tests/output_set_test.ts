// reproduce's output set: written into a hidden sibling and swapped in whole, so the folder always holds one whole
// run; whatever else the folder holds is kept; a run that failed or was killed leaves nothing behind.
import { join } from "node:path";
import { assertEquals, assertRejects } from "./assert.ts";
import { writeOutputSet } from "../src/report/output_set.ts";

const OWNED = ["tables", "REPORT.md", "manifest.json", "notebooks"];

async function tree(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) names.push(...(await tree(join(dir, entry.name))).map((n) => `${entry.name}/${n}`));
    else names.push(`${entry.name}=${await Deno.readTextFile(join(dir, entry.name))}`);
  }
  return names.sort();
}

Deno.test("an output set replaces the previous one whole and keeps what it does not own", async () => {
  const parent = await Deno.makeTempDir({ prefix: "output-set-" });
  const out = join(parent, "reports");
  try {
    await writeOutputSet(out, OWNED, async (dir) => {
      await Deno.mkdir(join(dir, "tables"));
      await Deno.writeTextFile(join(dir, "tables", "a.csv"), "1");
      await Deno.mkdir(join(dir, "notebooks"));
      await Deno.writeTextFile(join(dir, "notebooks", "01.html"), "nb");
      await Deno.writeTextFile(join(dir, "REPORT.md"), "one");
    });
    await Deno.mkdir(join(out, "log-report"));
    await Deno.writeTextFile(join(out, "log-report", "REPORT.md"), "log");
    await Deno.writeTextFile(join(out, "README.txt"), "mine");
    // a run without notebooks: the set is what this run wrote, nothing of the last one
    await writeOutputSet(out, OWNED, async (dir) => {
      await Deno.mkdir(join(dir, "tables"));
      await Deno.writeTextFile(join(dir, "tables", "b.csv"), "2");
      await Deno.writeTextFile(join(dir, "REPORT.md"), "two");
    });
    assertEquals(await tree(out), ["README.txt=mine", "REPORT.md=two", "log-report/REPORT.md=log", "tables/b.csv=2"]);
    assertEquals([...Deno.readDirSync(parent)].map((e) => e.name), ["reports"]);

    // a run that fails half-way changes nothing and leaves nothing
    const before = await tree(out);
    await assertRejects(
      () =>
        writeOutputSet(out, OWNED, async (dir) => {
          await Deno.mkdir(join(dir, "tables"));
          await Deno.writeTextFile(join(dir, "tables", "c.csv"), "half");
          throw new Error("figures failed");
        }),
      Error,
      "figures failed",
    );
    assertEquals(await tree(out), before);
    assertEquals([...Deno.readDirSync(parent)].map((e) => e.name), ["reports"]);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("what a killed run left is cleaned up by the next one", async () => {
  const parent = await Deno.makeTempDir({ prefix: "output-set-" });
  const out = join(parent, "reports");
  const deadPid = 2 ** 22 + 1; // above Linux's pid_max: never a live process
  try {
    // killed while filling: a half-written staging folder
    await Deno.mkdir(join(parent, `.reports.new-${deadPid}-1`, "tables"), { recursive: true });
    // killed between the two renames of a swap: the old set aside, no reports/ at all
    await Deno.mkdir(join(parent, `.reports.old-${deadPid}-2`, "log-report"), { recursive: true });
    await Deno.writeTextFile(join(parent, `.reports.old-${deadPid}-2`, "REPORT.md"), "old");
    await Deno.writeTextFile(join(parent, `.reports.old-${deadPid}-2`, "log-report", "x.md"), "log");
    await writeOutputSet(out, OWNED, async (dir) => {
      await Deno.writeTextFile(join(dir, "REPORT.md"), "new");
    });
    assertEquals(await tree(out), ["REPORT.md=new", "log-report/x.md=log"]);
    assertEquals([...Deno.readDirSync(parent)].map((e) => e.name), ["reports"]);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
