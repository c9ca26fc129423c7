// The prediction log: round trip, damaged lines, concurrent appends, labels, and the log report.
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { parseLog, PredictionLog, type PredictionRecord } from "../src/app/log.ts";
import { buildLogReport, writeLogReport } from "../src/app/log_report.ts";

function record(i: number, digit = i % 10, confidence = 0.5 + (i % 5) / 10): Omit<PredictionRecord, "type"> {
  const probabilities = new Array(10).fill((1 - confidence) / 9);
  probabilities[digit] = confidence;
  return {
    id: `p${i}`,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    model: i % 2 ? "mlp" : "cnn",
    mode: (["v1", "v2", "v3"] as const)[i % 3],
    digit,
    confidence,
    probabilities,
    input: Array.from({ length: 784 }, (_, p) => (p + i) % 256),
  };
}

async function withLog(fn: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "app-log-" });
  try {
    await fn(`${dir}/logs/predictions.jsonl`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("log: appends come back in order with their labels (latest label wins)", async () => {
  await withLog(async (path) => {
    const log = new PredictionLog(path);
    assertEquals(await log.read(), { predictions: [], warnings: [] });
    await log.appendPrediction(record(1));
    await log.appendPrediction(record(2));
    await log.appendLabel("p1", 7);
    await log.appendLabel("p1", 1);
    const { predictions, warnings } = await log.read();
    assertEquals(warnings, []);
    assertEquals(predictions.map((p) => [p.id, p.label]), [["p1", 1], ["p2", null]]);
    assertEquals(predictions[0].input, record(1).input);
    await assertRejects(() => log.appendLabel("p2", 10), RangeError);
  });
});

Deno.test("log: answers to one drawing side by side share its drawing id; a malformed one is skipped", () => {
  const line = (i: number, extra: object) => JSON.stringify({ type: "prediction", ...record(i), ...extra });
  const { predictions, warnings } = parseLog(
    [line(1, { drawing: "d1" }), line(2, { drawing: "d1" }), line(3, {}), line(4, { drawing: 7 })].join("\n"),
  );
  assertEquals(predictions.map((p) => [p.id, p.drawing]), [["p1", "d1"], ["p2", "d1"], ["p3", undefined]]);
  assertEquals(warnings.length, 1);
  assert(warnings[0].includes("drawing is not an id"), warnings[0]);
});

Deno.test("log: a damaged line is skipped with a warning and costs no other entry", async () => {
  await withLog(async (path) => {
    const log = new PredictionLog(path);
    await log.appendPrediction(record(1));
    await log.appendPrediction(record(2));
    // a crash in the middle of a write: a torn line without its newline at the end of the file
    const torn = JSON.stringify({ type: "prediction", ...record(3) }).slice(0, 150);
    await Deno.writeTextFile(path, torn, { append: true });
    // a fresh log object (the app restarted) appends after it
    const restarted = new PredictionLog(path);
    await restarted.appendPrediction(record(4));
    await restarted.appendLabel("p4", 4);
    await Deno.writeTextFile(path, '{"type":"prediction","id":"p5","digit":42}\nnot json at all\n', { append: true });
    await restarted.appendLabel("ghost", 3);
    const { predictions, warnings } = await restarted.read();
    assertEquals(predictions.map((p) => p.id), ["p1", "p2", "p4"]);
    assertEquals(predictions[2].label, 4);
    assertEquals(warnings.length, 4, warnings.join("\n"));
    assert(warnings[0].includes(":3: skipped a damaged line"), warnings[0]);
    assert(warnings.some((w) => w.includes("not a valid log entry")));
    assert(warnings.some((w) => w.includes("unknown prediction ghost")));
  });
  const { predictions, warnings } = parseLog("\n\n[1,2]\n");
  assertEquals([predictions.length, warnings.length], [0, 1]);
});

Deno.test("log: concurrent appends never interleave lines", async () => {
  await withLog(async (path) => {
    const a = new PredictionLog(path);
    const b = new PredictionLog(path); // two writers on one file, as two app processes would be
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 150; i++) {
      writes.push((i % 2 ? a : b).appendPrediction(record(i)));
      if (i % 10 === 0) writes.push(a.appendLabel(`p${i}`, i % 10));
    }
    await Promise.all(writes);
    const text = await Deno.readTextFile(path);
    assert(text.endsWith("\n"));
    // every line whole; a writer that looks at the end of the file while the other writer's line is landing restores
    // a newline that was not missing, which costs a blank line (skipped when read), never an entry
    const lines = text.split("\n").filter((line) => line !== "");
    assertEquals(lines.length, 150 + 15);
    for (const line of lines) JSON.parse(line);
    const { predictions, warnings } = await a.read();
    assertEquals(warnings, []);
    assertEquals(new Set(predictions.map((p) => p.id)).size, 150);
    assertEquals(predictions.filter((p) => p.label !== null).length, 15);
  });
});

Deno.test("log report: counts, accuracy on labels, confusion matrix, calibration, galleries", async () => {
  await withLog(async (path) => {
    const log = new PredictionLog(path);
    for (let i = 0; i < 30; i++) await log.appendPrediction(record(i));
    for (let i = 0; i < 20; i++) await log.appendLabel(`p${i}`, i < 15 ? i % 10 : (i + 1) % 10); // 5 wrong
    await Deno.writeTextFile(path, "{broken\n", { append: true });
    const report = buildLogReport(await log.read());
    const s = report.summary;
    assertEquals([s.predictions, s.labelled, s.correct, s.skippedLines, s.labelsCarried], [30, 20, 15, 1, 0]);
    assertEquals(s.accuracy, 0.75);
    assertEquals(s.predictedCounts, new Array(10).fill(3));
    assertEquals(s.confusion.flat().reduce((a, b) => a + b, 0), 20);
    assertEquals(s.confusion[6][5], 1); // p15 (a 5) was meant as a 6
    assertEquals(s.byModel.map((g) => g.group), ["mlp", "cnn"]);
    // confidences 0.5 + (i % 5) / 10: below 70% are i % 5 in {0, 1}, 12 of 30
    assertEquals(s.lowConfidence.count, 12);
    assert(report.figures.confusion && report.figures.mistakes && report.figures.lowConfidence);
    assert(report.figures.reliability && report.figures.perClass);
    assertEquals(report.figures.disagreements, null); // no two models answered one drawing
    assert(report.markdown.includes("| accuracy on the labelled ones | 75.00% |"), report.markdown);
    assert(report.markdown.includes("**Narration: not asked for.**"));

    const out = `${path}-report`;
    const written = await writeLogReport(path, out, { getEnv: () => undefined });
    const markdown = await Deno.readTextFile(`${out}/REPORT.md`);
    assert(markdown.startsWith("# Prediction log report"));
    for (const figure of ["predicted-counts", "per-class-accuracy", "confusion", "confidence", "reliability"]) {
      assert((await Deno.stat(`${out}/figures/${figure}.png`)).size > 0, figure);
      assert(markdown.includes(`figures/${figure}.png`), figure);
    }
    for (const figure of ["low-confidence", "mistakes"]) {
      assert((await Deno.stat(`${out}/figures/${figure}.png`)).size > 0, figure);
      assert(markdown.includes(`figures/${figure}.png`), figure);
    }
    assert(written.files.length >= 9);
    assertEquals(written.narration?.status, "off");
    // an empty log still gives a report that says so
    const empty = await writeLogReport(`${path}-missing`, `${out}-empty`, { getEnv: () => undefined });
    assert(empty.markdown.includes("The log is empty"));
  });
});

Deno.test("log: a line torn while the log is in use does not swallow the next entry", async () => {
  await withLog(async (path) => {
    const log = new PredictionLog(path);
    await log.appendPrediction(record(1));
    await Deno.writeTextFile(path, '{"x', { append: true }); // a crash, a full disk or a hand edit, after the first append
    await log.appendPrediction(record(2));
    await log.appendLabel("p2", 2);
    const { predictions, warnings } = await log.read();
    assertEquals(predictions.map((p) => [p.id, p.label]), [["p1", null], ["p2", 2]]);
    assertEquals(warnings.length, 1, warnings.join("\n"));
  });
});

Deno.test("log: created readable by its owner only; an existing log is made so when opened", async () => {
  await withLog(async (path) => {
    const log = new PredictionLog(path);
    await log.appendPrediction(record(1));
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    await Deno.chmod(path, 0o644);
    const reopened = new PredictionLog(path);
    await reopened.open();
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert(reopened.has("p1") && !reopened.has("p2"));
    // a log another program created (a shell's `>>`) while the app ran is made private at the next append
    await Deno.remove(path);
    await Deno.writeTextFile(path, "", { mode: 0o644 });
    await Deno.chmod(path, 0o644);
    await reopened.appendPrediction(record(2));
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
  });
});

Deno.test("log: past its size cap the log moves to predictions.1.jsonl; both are read, labels still merge", async () => {
  await withLog(async (path) => {
    const lineBytes = JSON.stringify({ type: "prediction", ...record(0) }).length + 1;
    const log = new PredictionLog(path, { maxBytes: lineBytes * 5 });
    await log.open();
    for (let i = 0; i < 12; i++) await log.appendPrediction(record(i));
    await log.appendLabel("p8", 3); // its prediction is in the rotated file now
    const rotated = path.replace(/\.jsonl$/, ".1.jsonl");
    assertEquals(log.rotatedPath, rotated);
    assert((await Deno.stat(path)).size <= lineBytes * 5, "the current file stays under the cap");
    assert((await Deno.stat(rotated)).size <= lineBytes * 5, "the rotated file too");
    assertEquals((await Deno.stat(rotated)).mode! & 0o777, 0o600);
    const { predictions, warnings } = await log.read();
    assertEquals(warnings, []);
    // two rotations happened: the oldest lines are gone, the rest come back in order, and the ids kept in memory
    // are exactly those still on disk
    const all = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const ids = predictions.map((p) => p.id);
    assert(ids.length >= 6 && ids.length < 12, ids.join(" "));
    assertEquals(ids, all.slice(12 - ids.length));
    assertEquals(predictions.find((p) => p.id === "p8")?.label, 3);
    assertEquals(all.filter((id) => log.has(id)), ids, "ids of the dropped file are forgotten");
  });
});

Deno.test("log: a failed write (a full disk) rejects, and the next write starts on a fresh line", async () => {
  const full = new PredictionLog("/dev/full");
  await assertRejects(() => full.appendPrediction(record(1)));
  await withLog(async (path) => {
    const log = new PredictionLog(path);
    await log.appendPrediction(record(1));
    // half a line on disk, as a write cut short by ENOSPC leaves it
    const line = JSON.stringify({ type: "prediction", ...record(2) });
    await Deno.writeTextFile(path, line.slice(0, 100), { append: true });
    await log.appendPrediction(record(3));
    const { predictions, warnings } = await log.read();
    assertEquals(predictions.map((p) => p.id), ["p1", "p3"]);
    assertEquals(warnings.length, 1);
  });
});

Deno.test("log report: a hand-edited model name cannot put HTML into REPORT.md", async () => {
  await withLog(async (path) => {
    const log = new PredictionLog(path);
    await log.appendPrediction(record(1));
    await log.appendPrediction({ ...record(2), model: "<img src=x onerror=alert(1)>" });
    await log.appendPrediction({ ...record(3), model: "cnn|evil" });
    const written = await writeLogReport(path, `${path}-report`, { getEnv: () => undefined });
    const markdown = await Deno.readTextFile(`${path}-report/REPORT.md`);
    assert(!markdown.includes("<img") && !markdown.includes("cnn|evil"), markdown);
    assertEquals(written.summary.predictions, 1);
    assertEquals(written.warnings.length, 2);
  });
});
