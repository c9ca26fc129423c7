/**
 * The Korean edition of the notebooks: `deno task editions` builds each Korean
 * notebook's code from the English one and keeps its translated prose by cell
 * id; `--check` fails when they drift. Runs against temporary notebooks, then
 * against the committed editions.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertRejects } from "./assert.ts";
import {
  codeComments,
  LANGUAGE_LINES,
  literalProblem,
  stringLiterals,
  syncEdition,
  translatedCode,
} from "../src/cli/editions.ts";

const ROOT = decodeURIComponent(new URL("..", import.meta.url).pathname);

function notebook(cells: { id: string; type: "markdown" | "code"; source: string; outputs?: unknown[] }[]) {
  return {
    cells: cells.map((c) =>
      c.type === "code"
        ? { id: c.id, cell_type: "code", execution_count: 1, metadata: {}, outputs: c.outputs ?? [], source: c.source }
        : { id: c.id, cell_type: "markdown", metadata: {}, source: c.source }
    ),
    metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

const write = (path: string, value: unknown) => Deno.writeTextFile(path, JSON.stringify(value, null, 1) + "\n");
const read = async (path: string) => JSON.parse(await Deno.readTextFile(path));
const textOf = (cell: { source: string | string[] }) => Array.isArray(cell.source) ? cell.source.join("") : cell.source;

Deno.test("translated code: paths one folder deeper, Korean chosen in the first cell only", () => {
  const first = translatedCode(
    'import { tf } from "../src/tf.ts";\nawait model.save("file://../data/models/my-mlp");\nconst p = "../reports/x.png";',
    true,
  );
  assert(first.startsWith(LANGUAGE_LINES("../../")), first);
  assert(first.includes('"../../src/tf.ts"'), first);
  assert(first.includes('"file://../../data/models/my-mlp"'), first);
  assert(first.includes('"../../reports/x.png"'), first);
  const later = translatedCode('import { x } from "../../src/y.ts";', false);
  assertEquals(later, 'import { x } from "../../../src/y.ts";');
});

Deno.test("syncEdition: new prose waits for translation, kept by id, stale when the English changes; code follows", async () => {
  const dir = await Deno.makeTempDir({ prefix: "editions-" });
  try {
    const en = join(dir, "01-x.ipynb");
    const ko = join(dir, "ko", "01-x.ipynb");
    await Deno.mkdir(join(dir, "ko"));
    await write(
      en,
      notebook([
        { id: "intro", type: "markdown", source: "# Data" },
        { id: "load", type: "code", source: 'import { tf } from "../src/tf.ts";' },
        { id: "why", type: "markdown", source: "Why we scale." },
      ]),
    );

    // first run: code copied, prose in English and flagged
    let result = await syncEdition(en, ko);
    assertEquals(result.untranslated, ["intro", "why"]);
    assert(result.changed);
    await write(ko, result.notebook);

    // a translator writes Korean into the cells, and clears the flags
    const translated = await read(ko);
    translated.cells[0].source = "# 데이터";
    translated.cells[0].metadata.edition = { source_sha256: translated.cells[0].metadata.edition.source_sha256 };
    translated.cells[2].source = "스케일링하는 이유.";
    translated.cells[2].metadata.edition = { source_sha256: translated.cells[2].metadata.edition.source_sha256 };
    translated.cells[1].outputs = [{ output_type: "stream", name: "stdout", text: "실행 결과\n" }];
    translated.cells[1].metadata = { execution: { took: 1 } };
    await write(ko, translated);
    result = await syncEdition(en, ko);
    assertEquals(result.untranslated, []);
    assertEquals(result.stale, []);
    assert(!result.changed, "an executed, translated notebook in step is left as it is");

    // the English edits one code cell and one paragraph, and adds a cell
    await write(
      en,
      notebook([
        { id: "intro", type: "markdown", source: "# Data" },
        { id: "load", type: "code", source: 'import { tf } from "../src/tf.ts";\nconsole.log(tf.version);' },
        { id: "why", type: "markdown", source: "Why we scale the pixels." },
        { id: "more", type: "markdown", source: "More." },
      ]),
    );
    result = await syncEdition(en, ko);
    assert(result.changed);
    assertEquals(result.untranslated, ["more"]);
    assertEquals(result.stale, ["why"]);
    const cells = result.notebook.cells;
    assertEquals(textOf(cells[0]), "# 데이터");
    assertMatch(textOf(cells[1]), /console\.log\(tf\.version\);$/);
    assertEquals(cells[1].outputs, [], "a changed code cell loses its old outputs");
    assertEquals(textOf(cells[2]), "스케일링하는 이유.", "a stale translation is kept, not overwritten");
    assertEquals(textOf(cells[3]), "More.");

    // --mark-translated records the translation as current
    result = await syncEdition(en, ko, true);
    assertEquals(result.stale, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("code comments: translated through the Korean cell's metadata, English until then, dropped when gone", async () => {
  assertEquals(codeComments('const a = 1; // one\nawait m.save("file://../data/x"); // save it\n// alone'), [
    "one",
    "save it",
    "alone",
  ]);
  const dir = await Deno.makeTempDir({ prefix: "editions-comments-" });
  try {
    const en = join(dir, "01-x.ipynb");
    const ko = join(dir, "ko", "01-x.ipynb");
    await Deno.mkdir(join(dir, "ko"));
    const code = 'tf.layers.dense({ units: 128 }), // the hidden layer\nawait m.save("file://../data/m"); // save';
    await write(en, notebook([{ id: "model", type: "code", source: code }]));
    let result = await syncEdition(en, ko);
    assertEquals(result.untranslated, ['model (comment "the hidden layer")', 'model (comment "save")']);
    await write(ko, result.notebook);

    const translated = await read(ko);
    translated.cells[0].metadata = { edition: { comments: { "the hidden layer": "은닉층", "save": "저장" } } };
    await write(ko, translated);
    result = await syncEdition(en, ko);
    assertEquals(result.untranslated, []);
    const korean = textOf(result.notebook.cells[0]);
    assertMatch(korean, /units: 128 \}\), \/\/ 은닉층\n/);
    assertMatch(korean, /"file:\/\/\.\.\/\.\.\/data\/m"\); \/\/ 저장$/);
    await write(ko, result.notebook);

    // the English drops one comment and rewrites the other: the old translations go, the new text waits
    await write(
      en,
      notebook([{ id: "model", type: "code", source: "tf.layers.dense({ units: 64 }), // a smaller hidden layer" }]),
    );
    result = await syncEdition(en, ko);
    assertEquals(result.untranslated, ['model (comment "a smaller hidden layer")']);
    assertEquals(result.notebook.cells[0].metadata, {});
    assertMatch(textOf(result.notebook.cells[0]), /\/\/ a smaller hidden layer$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("string literals: shown text translated through the metadata, with the same quotes and ${…}", async () => {
  const code = 'lineChart(rows, { title: "Loss after each step" });\nconsole.log(`test accuracy: ${acc}%`);\n' +
    'preprocess(image, "v2"); // the model\'s input';
  assertEquals(stringLiterals(code), ['"Loss after each step"', "`test accuracy: ${acc}%`", '"v2"']);
  assertEquals(literalProblem('"Loss"', '"손실"'), null);
  assertMatch(literalProblem('"Loss"', "'손실'")!, /same quotes/);
  assertMatch(literalProblem("`acc: ${a}`", "`정확도: ${b}`")!, /\$\{a\}/);

  const dir = await Deno.makeTempDir({ prefix: "editions-strings-" });
  try {
    const en = join(dir, "01-x.ipynb");
    const ko = join(dir, "ko", "01-x.ipynb");
    await Deno.mkdir(join(dir, "ko"));
    await write(en, notebook([{ id: "c", type: "code", source: code.split("\n").slice(0, 2).join("\n") }]));
    let result = await syncEdition(en, ko);
    assertEquals(result.untranslated, [], "string literals are optional");
    await write(ko, result.notebook);
    const translated = await read(ko);
    translated.cells[0].metadata = {
      edition: {
        strings: {
          '"Loss after each step"': '"스텝마다의 손실"',
          "`test accuracy: ${acc}%`": "`테스트 정확도: ${acc}%`",
        },
      },
    };
    await write(ko, translated);
    result = await syncEdition(en, ko);
    const korean = textOf(result.notebook.cells[0]);
    assertMatch(korean, /title: "스텝마다의 손실"/);
    assertMatch(korean, /console\.log\(`테스트 정확도: \$\{acc\}%`\)/);

    translated.cells[0].metadata = {
      edition: { strings: { "`test accuracy: ${acc}%`": "`테스트 정확도: ${accuracy}%`" } },
    };
    await write(ko, translated);
    await assertRejects(() => syncEdition(en, ko), Error, "must keep its ${…} expressions");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task editions --check: the committed Korean notebooks are in step and translated", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "src/cli/editions.ts"), "--check"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const report = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, report);
  assertMatch(report, /the editions are in step/);
});
