/**
 * `deno task editions`: keeps the Korean edition of the notebooks in step with
 * the English one, so the two cannot drift.
 *
 * The English notebooks (`notebooks/`, `notebooks/solutions/`) are the source
 * of every code cell and of the order of the cells. The Korean ones
 * (`notebooks/ko/`, `notebooks/ko/solutions/`) own only their prose: each
 * markdown cell is the translation of the English cell with the same cell id.
 * This command rewrites each Korean notebook from its English one:
 *
 * - code cells are copied, with their relative paths one folder deeper
 *   (`"../src/` → `"../../src/`, `file://../data/` → `file://../../data/`), and
 *   the first one starts by choosing Korean for figures and tables
 *   (`setLanguage("ko")`); a code cell whose source changed loses its outputs;
 * - a code cell's `//` comments are the one thing translated in code: the
 *   Korean cell's metadata (`edition.comments`) maps each English comment to
 *   its Korean text, and the copy uses it; a comment with no Korean yet stays
 *   English and counts as still to translate;
 * - so may the text a code cell shows, its string literals (a figure's title,
 *   a `console.log` line): `edition.strings` maps a literal as written in the
 *   English code, quotes included, to its Korean literal, which must use the
 *   same quotes and, in a template, the same `${…}` expressions. Optional:
 *   a literal without a translation stays English (keys, modes and file names
 *   must);
 * - markdown cells keep the Korean text of the same id; a cell with no Korean
 *   text yet gets the English one, marked `needs_translation`;
 * - a Korean cell translated from an English text that has changed since is
 *   reported (its `source_sha256` no longer matches): update the translation,
 *   then `--mark-translated FILE` records that it is current.
 *
 * `--check` changes nothing and exits 1 when a Korean notebook differs from
 * what this command would write, has cells still to translate, or has
 * translations of English text that changed since: the test
 * suite runs it, so an edited English code cell fails until the editions are
 * synced.
 *
 * Usage: deno task editions [--check] [--mark-translated notebooks/ko/NN-name.ipynb]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { basename, dirname, join, relative } from "node:path";
import { repoRoot, writeFileAtomic } from "../fsutil.ts";
import { sha256Hex } from "../store.ts";
import { NOTEBOOK_FILE_PATTERN } from "../site/editions.ts";

/** The translated edition's folder under `notebooks/`, and its language. */
export const TRANSLATION = { dir: "ko", lang: "ko" } as const;

/** The line the first code cell of a translated notebook starts with. */
export const LANGUAGE_LINES = (depth: string) =>
  `import { setLanguage } from "${depth}src/i18n.ts";\nsetLanguage("ko"); // 그림과 표를 한국어로 (figures and tables in Korean)\n`;

interface NotebookCell {
  id?: string;
  cell_type: "markdown" | "code" | "raw";
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
}

interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** What the edition keeps in a translated markdown cell's metadata. */
interface EditionMeta {
  /** SHA-256 of the English text this cell translates. */
  source_sha256?: string;
  /** True while the cell still holds the English text. */
  needs_translation?: boolean;
  /** A code cell's comments: English text → Korean text. */
  comments?: Record<string, string>;
  /** A code cell's string literals shown to the reader: English literal (with its quotes) → Korean literal. */
  strings?: Record<string, string>;
}

/** A string literal: "…", '…' or `…` (a template may span lines; one with a nested template is not matched). */
const STRING_LITERAL = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g;

/** The string literals of `code`, as written (quotes included), in order, each once. */
export function stringLiterals(code: string): string[] {
  return [...new Set(code.match(STRING_LITERAL) ?? [])];
}

/** The `${…}` expressions of a template literal, in order. */
const placeholders = (literal: string) => literal.match(/\$\{[^}]*\}/g) ?? [];

/**
 * Why `korean` cannot stand for the literal `english` (another kind of quote,
 * other `${…}` expressions), or null when it can.
 */
export function literalProblem(english: string, korean: string): string | null {
  const quote = english[0];
  if (korean.length < 2 || korean[0] !== quote || korean[korean.length - 1] !== quote) {
    return `the translation of ${english} must be a literal in the same quotes (${quote}…${quote})`;
  }
  if (quote === "`" && placeholders(english).join("\u0000") !== placeholders(korean).join("\u0000")) {
    return `the translation of ${english} must keep its \${…} expressions, in order: ${
      placeholders(english).join(" ")
    }`;
  }
  return null;
}

/** `code` with each literal `strings` translates replaced by its translation (literals are matched whole). */
export function translateStrings(code: string, strings: Record<string, string>): string {
  return code.replace(STRING_LITERAL, (literal) => strings[literal] ?? literal);
}

/** A `//` comment in a line of code (after the start of the line or a space, so `file://` is not one). */
const COMMENT = /(^|\s)\/\/ ?(.*)$/;

/** The text of every `//` comment of `code`, in order. */
export function codeComments(code: string): string[] {
  return code.split("\n").map((line) => line.match(COMMENT)?.[2].trim() ?? "").filter((c) => c !== "");
}

/** `code` with each comment that `comments` translates replaced by its translation. */
export function translateComments(code: string, comments: Record<string, string>): string {
  return code.split("\n").map((line) =>
    line.replace(COMMENT, (whole, before: string, comment: string) => {
      const korean = comments[comment.trim()];
      return korean === undefined ? whole : `${before}// ${korean}`;
    })
  ).join("\n");
}

const text = (source: string | string[]) => (Array.isArray(source) ? source.join("") : source);
const lines = (value: string) => {
  const parts = value.split("\n");
  return parts.map((line, i) => (i < parts.length - 1 ? line + "\n" : line)).filter((l) => l !== "");
};

/** A code cell's source for the translated edition: paths one folder deeper, Korean chosen in the first cell. */
export function translatedCode(source: string, first: boolean): string {
  const deeper = source
    .replace(/(["'`])((?:\.\.\/)+)(src|data|reports|notebooks|docs)\//g, "$1../$2$3/")
    .replace(/file:\/\/((?:\.\.\/)+)/g, "file://../$1");
  if (!first) return deeper;
  const depth = deeper.match(/["']((?:\.\.\/)+)src\//)?.[1] ?? "../../";
  return LANGUAGE_LINES(depth) + deeper;
}

/** The English notebooks and the path of each one's translation. */
export function editionPairs(root = join(repoRoot(), "notebooks")): { source: string; target: string }[] {
  const pairs: { source: string; target: string }[] = [];
  for (const sub of ["", "solutions"]) {
    const dir = join(root, sub);
    let names: string[] = [];
    try {
      names = [...Deno.readDirSync(dir)].filter((e) => e.isFile && NOTEBOOK_FILE_PATTERN.test(e.name)).map((e) =>
        e.name
      ).sort();
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    for (const name of names) pairs.push({ source: join(dir, name), target: join(root, TRANSLATION.dir, sub, name) });
  }
  return pairs;
}

/** What syncing one translated notebook found. */
export interface SyncResult {
  target: string;
  /** The notebook as it should be. */
  notebook: Notebook;
  /** True when the file differs from it (or does not exist). */
  changed: boolean;
  /** Cell ids still in English. */
  untranslated: string[];
  /** Cell ids whose English text changed since they were translated. */
  stale: string[];
}

async function readNotebook(path: string): Promise<Notebook | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as Notebook;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new Error(`${path} is not a readable notebook: ${(error as Error).message}`);
  }
}

/** Sorted keys, one-space indent, sources as lists of lines: how Jupyter (nbformat) writes a notebook. */
function serialise(notebook: Notebook): string {
  const sorted = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sorted);
    if (value === null || typeof value !== "object") return value;
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sorted(v)]));
  };
  const cells = notebook.cells.map((cell) => ({ ...cell, source: lines(text(cell.source)) }));
  return JSON.stringify(sorted({ ...notebook, cells }), null, 1) + "\n";
}

/** The translated notebook `target` rewritten from the English `source` (see the module comment). */
export async function syncEdition(source: string, target: string, markTranslated = false): Promise<SyncResult> {
  const english = await readNotebook(source);
  if (!english) throw new Error(`${source} is missing`);
  const before = await readNotebook(target);
  const existing = new Map((before?.cells ?? []).filter((c) => c.id).map((c) => [c.id!, c]));
  const untranslated: string[] = [];
  const stale: string[] = [];
  let firstCode = true;
  const cells: NotebookCell[] = [];
  for (const [index, cell] of english.cells.entries()) {
    const id = cell.id ?? `cell-${index}`;
    const old = existing.get(id);
    if (cell.cell_type === "code") {
      const english = text(cell.source);
      const known = old?.cell_type === "code" ? ((old.metadata?.edition ?? {}) as EditionMeta).comments ?? {} : {};
      const wanted = codeComments(english);
      // keep the translations of the comments the English cell still has
      const comments = Object.fromEntries(wanted.filter((c) => c in known).map((c) => [c, known[c]]));
      for (const c of wanted) if (!(c in comments)) untranslated.push(`${id} (comment "${c}")`);
      const knownStrings = old?.cell_type === "code"
        ? ((old.metadata?.edition ?? {}) as EditionMeta).strings ?? {}
        : {};
      const literals = stringLiterals(english);
      const strings = Object.fromEntries(literals.filter((l) => l in knownStrings).map((l) => [l, knownStrings[l]]));
      for (const [english, korean] of Object.entries(strings)) {
        const problem = literalProblem(english, korean);
        if (problem) throw new Error(`${target}, cell ${id}: ${problem}`);
      }
      const code = translatedCode(translateComments(translateStrings(english, strings), comments), firstCode);
      firstCode = false;
      const same = old?.cell_type === "code" && text(old.source) === code;
      const { edition: _edition, ...oldMeta } = (same ? old!.metadata ?? {} : {}) as Record<string, unknown>;
      const edition = {
        ...(Object.keys(comments).length > 0 ? { comments } : {}),
        ...(Object.keys(strings).length > 0 ? { strings } : {}),
      };
      cells.push({
        id,
        cell_type: "code",
        execution_count: same ? old!.execution_count ?? null : null,
        metadata: Object.keys(edition).length > 0 ? { ...oldMeta, edition } : oldMeta,
        outputs: same ? old!.outputs ?? [] : [],
        source: lines(code),
      });
      continue;
    }
    const sha = await sha256Hex(text(cell.source));
    const meta = (old?.metadata?.edition ?? {}) as EditionMeta;
    if (!old || old.cell_type !== cell.cell_type || meta.needs_translation) {
      cells.push({
        id,
        cell_type: cell.cell_type,
        metadata: { edition: { needs_translation: true, source_sha256: sha } },
        source: lines(text(cell.source)),
      });
      untranslated.push(id);
      continue;
    }
    const current = markTranslated || meta.source_sha256 === sha;
    if (!current) stale.push(id);
    cells.push({
      id,
      cell_type: cell.cell_type,
      metadata: { ...old.metadata, edition: { source_sha256: current ? sha : meta.source_sha256 } },
      source: lines(text(old.source)),
    });
  }
  const notebook: Notebook = {
    cells,
    metadata: { ...english.metadata, ...(before?.metadata ?? {}), language: TRANSLATION.lang },
    nbformat: english.nbformat,
    nbformat_minor: english.nbformat_minor,
  };
  const changed = before === null || serialise(before) !== serialise(notebook);
  return { target, notebook, changed, untranslated, stale };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      check: { type: "boolean", default: false },
      "mark-translated": { type: "string", multiple: true },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log("usage: deno task editions [--check] [--mark-translated notebooks/ko/NN-name.ipynb]...");
    return 0;
  }
  const marked = new Set((values["mark-translated"] ?? []).map((p) => basename(p) + "@" + basename(dirname(p))));
  const root = repoRoot();
  let problems = 0;
  for (const { source, target } of editionPairs()) {
    const key = basename(target) + "@" + basename(dirname(target));
    const result = await syncEdition(source, target, marked.has(key));
    const name = relative(root, target);
    if (result.untranslated.length > 0) {
      console.error(
        `${name}: ${result.untranslated.length} cell(s) still in English: ${result.untranslated.join(", ")}`,
      );
    }
    if (result.stale.length > 0) {
      console.error(
        `${name}: the English text of ${result.stale.join(", ")} changed since it was translated; ` +
          `update the translation, then: deno task editions --mark-translated ${name}`,
      );
    }
    if (values.check) {
      if (result.changed) {
        console.error(`${name} is not in step with ${relative(root, source)}: run deno task editions`);
        problems++;
      }
      if (result.untranslated.length > 0 || result.stale.length > 0) problems++;
    } else if (result.changed) {
      await writeFileAtomic(target, serialise(result.notebook));
      console.log(`wrote ${name}`);
    }
  }
  if (values.check && problems === 0) console.log("the editions are in step");
  return problems > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
