/**
 * The prose tells the truth: every number a markdown cell quotes with a unit
 * (%, ×, ms, s) appears in an output of the course: an output of that
 * notebook, of a notebook the same cell names ("notebook 04"), or a table of
 * `reports/tables/`. A setting written in one of the notebook's code cells
 * counts too (10% is the `validationSplit: 0.1` of the cell below it). A
 * percentage matches the same fraction printed with enough decimals
 * (97.65% ↔ 0.9765).
 *
 * It reads the committed notebooks, whose outputs come from a full run
 * (`MNIST_PROSE_NOTEBOOKS=DIR` reads executed copies elsewhere instead).
 */
import { basename, join } from "node:path";
import { assertEquals } from "./assert.ts";
import { listNotebooks, notebooksDir } from "../src/cli/notebooks.ts";
import { listEditions } from "../src/site/editions.ts";
import { type Cell, joined, outputsOf, outputText, readCells } from "./notebook_files.ts";

/**
 * A number with a unit in prose: "97.65%", "1.5×", "12 ms", "0.4 s" (not "28×28", a size; not "0.45%p", the
 * Korean edition's percentage points, a difference the prose computes, as the English "0.45 points" is).
 */
const QUOTED = /(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s?(%(?!p)|×(?!\s?\d)|ms(?![A-Za-z])|s(?![A-Za-z]))/g;
/** Any number in an output or a code cell. */
const NUMBER = /\d[\d,]*(?:\.\d+)?/g;

/** Numbers as written (commas dropped) in `text`. */
function numbersIn(text: string): string[] {
  return [...text.matchAll(NUMBER)].map((m) => m[0].replaceAll(",", ""));
}

/** True when the quoted `value` (with `unit`) is one of `numbers`. */
export function quotedIn(value: string, unit: string, numbers: Set<string>): boolean {
  const plain = value.replaceAll(",", "");
  if (numbers.has(plain)) return true;
  if (unit !== "%") return false;
  const decimals = plain.split(".")[1]?.length ?? 0;
  for (const n of numbers) {
    if (n.includes(".") && Number(n) <= 1 && (Number(n) * 100).toFixed(decimals) === plain) return true;
  }
  return false;
}

/** The course notebooks' names in the folder they are read from (the committed ones by default). */
async function notebookFiles(): Promise<string[]> {
  const dir = Deno.env.get("MNIST_PROSE_NOTEBOOKS");
  if (dir) return await listNotebooks(dir);
  const editions = await listEditions(notebooksDir());
  return editions.flatMap((e) => e.files.map((f) => join(notebooksDir(), e.dir, f)));
}

async function tableNumbers(): Promise<Set<string>> {
  const dir = join(import.meta.dirname!, "..", "reports", "tables");
  const numbers = new Set<string>();
  for await (const entry of Deno.readDir(dir)) {
    if (/\.(md|csv)$/.test(entry.name)) {
      for (const n of numbersIn(await Deno.readTextFile(join(dir, entry.name)))) numbers.add(n);
    }
  }
  return numbers;
}

Deno.test("every number the notebooks' prose quotes (%, ×, ms, s) appears in an output of the course", async () => {
  const files = await notebookFiles();
  const cellsOf = new Map<string, Cell[]>();
  for (const file of files) cellsOf.set(file, await readCells(file));
  const outputNumbers = (file: string) =>
    new Set(outputsOf(cellsOf.get(file) ?? []).flatMap((o) => numbersIn(outputText(o))));
  const codeNumbers = (file: string) =>
    new Set(
      (cellsOf.get(file) ?? []).filter((c) => c.cell_type === "code").flatMap((c) => numbersIn(joined(c.source))),
    );
  const tables = await tableNumbers();
  const missing: string[] = [];
  let checked = 0;
  for (const file of files) {
    const own = new Set([...outputNumbers(file), ...codeNumbers(file), ...tables]);
    for (const cell of cellsOf.get(file)!.filter((c) => c.cell_type === "markdown")) {
      const text = joined(cell.source).replace(/\$\$[\s\S]*?\$\$|\$[^$\n]*\$/g, " "); // not the maths
      const named = [...text.matchAll(/notebooks? (\d\d)(?:(?:,| and) (\d\d))*/g)].flatMap((m) => m[0].match(/\d\d/g)!);
      const numbers = new Set(own);
      for (const other of files.filter((f) => named.some((n) => basename(f).startsWith(`${n}-`)))) {
        for (const n of outputNumbers(other)) numbers.add(n);
      }
      for (const match of text.matchAll(QUOTED)) {
        checked++;
        if (!quotedIn(match[1], match[2], numbers)) {
          missing.push(
            `${basename(file)}: "${match[0]}" in "…${
              text.slice(Math.max(0, match.index! - 50), match.index! + 20).replace(/\s+/g, " ")
            }…"`,
          );
        }
      }
    }
  }
  console.log(`notebook_prose_test: ${checked} quoted numbers in ${files.length} notebooks`);
  assertEquals(missing, [], `numbers in prose that no output shows:\n${missing.join("\n")}`);
});

Deno.test("the quoted-number matcher: units, fractions, sizes", () => {
  const numbers = new Set(["0.9765", "12.3", "0.1"]);
  assertEquals(quotedIn("97.65", "%", numbers), true);
  assertEquals(quotedIn("97.5", "%", numbers), false);
  assertEquals(quotedIn("10", "%", numbers), true);
  assertEquals(quotedIn("12.3", "s", numbers), true);
  assertEquals(quotedIn("12", "s", numbers), false);
  assertEquals([..."a 28×28 image, 2.5× faster, 4 s and 5%".matchAll(QUOTED)].map((m) => m[0]), ["2.5×", "4 s", "5%"]);
  assertEquals([..."+0.45%p (97.83% 대 97.38%)".matchAll(QUOTED)].map((m) => m[0]), ["97.83%", "97.38%"]);
});
