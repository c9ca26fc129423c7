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
    const lines = text.split("\n");
    assertEquals(lines.at(-1), "");
    assertEquals(lines.length - 1, 150 + 15);
    for (const line of lines.slice(0, -1)) JSON.parse(line);
    const { predictions, warnings } = await a.read();
    assertEquals(warnings, []);
    assertEquals(new Set(predictions.map((p) => p.id)).size, 150);
    assertEquals(predictions.filter((p) => p.label !== null).length, 15);
  });
});

Deno.test("log report: counts, accuracy on labels, confusion matrix, confidence, galleries", async () => {
  await withLog(async (path) => {
    const log = new PredictionLog(path);
    for (let i = 0; i < 30; i++) await log.appendPrediction(record(i));
    for (let i = 0; i < 20; i++) await log.appendLabel(`p${i}`, i < 15 ? i % 10 : (i + 1) % 10); // 5 wrong
    await Deno.writeTextFile(path, "{broken\n", { append: true });
    const report = buildLogReport(await log.read());
    const s = report.summary;
    assertEquals([s.predictions, s.labelled, s.correct, s.skippedLines], [30, 20, 15, 1]);
    assertEquals(s.accuracy, 0.75);
    assertEquals(s.predictedCounts, new Array(10).fill(3));
    assertEquals(s.confusion.flat().reduce((a, b) => a + b, 0), 20);
    assertEquals(s.confusion[6][5], 1); // p15 (a 5) was meant as a 6
    assertEquals(s.byModel.map((g) => g.group), ["cnn", "mlp"]);
    assert(report.figures.confusion && report.figures.wrong && report.figures.leastConfident);
    assert(report.markdown.includes("accuracy 75.0%"));

    const out = `${path}-report`;
    const written = await writeLogReport(path, out);
    const markdown = await Deno.readTextFile(`${out}/REPORT.md`);
    assert(markdown.startsWith("# Prediction log report"));
    for (const figure of ["predicted-counts", "confusion", "confidence", "least-confident", "wrong"]) {
      assert((await Deno.stat(`${out}/figures/${figure}.png`)).size > 0, figure);
      assert(markdown.includes(`figures/${figure}.png`), figure);
    }
    assert(written.files.length >= 9);
    // an empty log still gives a report that says so
    const empty = await writeLogReport(`${path}-missing`, `${out}-empty`);
    assert(empty.markdown.includes("The log is empty"));
  });
});
