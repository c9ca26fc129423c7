// The log report: the numbers (drawings answered by two models, calibration), the number check of a narration, the
// narration through a real local chat-completions server (right, wrong numbers, slow, failing, unreachable), and
// `deno task log-report` on a log made by the app's real API.
import { join } from "node:path";
import { assert, assertEquals } from "./assert.ts";
import { type LoggedPrediction, PredictionLog, type PredictionRecord } from "../src/app/log.ts";
import { groupDrawings, SAME_DRAWING_WINDOW_MS } from "../src/app/log_drawings.ts";
import { analyseLog } from "../src/app/log_summary.ts";
import { logFacts } from "../src/app/log_facts.ts";
import { checkNumbers } from "../src/app/number_check.ts";
import { LLM_ENV, narrationConfig } from "../src/app/narration.ts";
import { writeLogReport } from "../src/app/log_report.ts";
import { startServer } from "../src/app/server.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { drawingSpecs, renderDrawing } from "../src/draw/drawing_set.ts";
import { encodePng } from "../src/draw/png.ts";
import { percent2 } from "../src/tables/models.ts";
import { type ChatStub, completion, factsOf, sleep, startChatStub, type StubRequest } from "./llm_stub.ts";

const T0 = Date.UTC(2026, 0, 1);

function entry(
  id: string,
  options: Partial<Omit<PredictionRecord, "type">> & { seconds?: number; label?: number | null; seed?: number } = {},
): LoggedPrediction {
  const digit = options.digit ?? 7;
  const confidence = options.confidence ?? 0.9;
  const probabilities = new Array(10).fill((1 - confidence) / 9);
  probabilities[digit] = confidence;
  const seed = options.seed ?? 1;
  return {
    type: "prediction",
    id,
    time: new Date(T0 + (options.seconds ?? 0) * 1000).toISOString(),
    model: options.model ?? "cnn-5",
    mode: options.mode ?? "v3",
    digit,
    confidence,
    probabilities,
    input: options.input ?? Array.from({ length: 784 }, (_, p) => (p * seed) % 256),
    ...(options.drawing ? { drawing: options.drawing } : {}),
    label: options.label ?? null,
  };
}

Deno.test("log report: two models on the same drawing are found by identical input or a shared drawing id", () => {
  const { groups, predictions, labelsCarried } = groupDrawings([
    // the same drawing, MLP then CNN a few seconds later; the user labelled only the CNN's answer
    entry("a-mlp", { model: "mlp-5", digit: 1, seconds: 0 }),
    entry("a-cnn", { model: "cnn-5", digit: 7, seconds: 4, label: 7 }),
    // the CNN asked again about the same drawing: one drawing, and its label is not counted twice
    entry("a-cnn-again", { model: "cnn-5", digit: 7, seconds: 6 }),
    // the same input again long after: another drawing
    entry("b-cnn", { model: "cnn-5", seconds: 6 + SAME_DRAWING_WINDOW_MS / 1000 + 1 }),
    // the same input in another preprocessing mode: not the same model input
    entry("c-mlp", { model: "mlp-5", mode: "v2", seconds: 5 }),
    // a side-by-side view's drawing id joins different inputs (as its log lines would carry)
    entry("d-mlp", { model: "mlp-5", seed: 3, drawing: "side-1", seconds: 10, label: 4, digit: 9 }),
    entry("d-cnn", { model: "cnn-5", seed: 5, drawing: "side-1", seconds: 10, digit: 4 }),
  ]);
  assertEquals(groups.map((g) => g.predictions.map((p) => p.id)), [
    ["a-mlp", "a-cnn", "a-cnn-again"],
    ["b-cnn"],
    ["c-mlp"],
    ["d-mlp", "d-cnn"],
  ]);
  assertEquals(labelsCarried, 2);
  assertEquals(predictions.map((p) => p.label), [7, 7, null, null, null, 4, 4]);

  const { summary } = analyseLog({ predictions: groupDrawings([]).predictions, warnings: [] });
  assertEquals([summary.predictions, summary.agreement.length, summary.calibration], [0, 0, null]);
  const analysis = analyseLog({
    predictions: [
      entry("a-mlp", { model: "mlp-5", digit: 1, seconds: 0 }),
      entry("a-cnn", { model: "cnn-5", digit: 7, seconds: 4, label: 7 }),
      entry("d-mlp", { model: "mlp-5", seed: 3, drawing: "side-1", seconds: 10, label: 4, digit: 9 }),
      entry("d-cnn", { model: "cnn-5", seed: 5, drawing: "side-1", seconds: 10, digit: 4 }),
    ],
    warnings: [],
  });
  assertEquals(analysis.summary.agreement, [{
    first: "mlp-5",
    second: "cnn-5",
    drawings: 2,
    agreed: 0,
    agreement: 0,
    labelled: 2,
    bothRight: 0,
    onlyFirstRight: 0,
    onlySecondRight: 2,
    bothWrong: 0,
  }]);
  assertEquals(analysis.summary.models, ["mlp-5", "cnn-5"]);
});

Deno.test("log report: calibration bins, expected calibration error and the most confused digits, by hand", () => {
  const predictions = [
    // bin 90–100%: 3 answers at 95%, 2 right
    entry("p1", { confidence: 0.95, digit: 3, label: 3, seed: 1 }),
    entry("p2", { confidence: 0.95, digit: 3, label: 3, seed: 2 }),
    entry("p3", { confidence: 0.95, digit: 5, label: 3, seed: 3 }),
    // bin 50–60%: 1 answer at 55%, right
    entry("p4", { confidence: 0.55, digit: 8, label: 8, seed: 4 }),
    // unlabelled: counts as low confidence, not in calibration
    entry("p5", { confidence: 0.4, digit: 1, seed: 5 }),
  ];
  const { summary } = analyseLog({ predictions, warnings: [] });
  const c = summary.calibration!;
  assertEquals(c.bins.map((b) => [b.from, b.count, b.correct]), [[0.5, 1, 1], [0.9, 3, 2]]);
  // ECE = 1/4 · |1 − 0.55| + 3/4 · |2/3 − 0.95|
  const expected = 0.25 * 0.45 + 0.75 * Math.abs(2 / 3 - 0.95);
  assert(Math.abs(c.expectedCalibrationError - expected) < 1e-12, `${c.expectedCalibrationError} vs ${expected}`);
  assertEquals(summary.confusedPairs, [{ meant: 3, predicted: 5, count: 1, shareOfMeant: 1 / 3 }]);
  assertEquals([summary.lowConfidence.count, summary.lowConfidence.labelled], [2, 1]);
  assertEquals(summary.perClass[3], {
    digit: 3,
    labelled: 3,
    correct: 2,
    accuracy: 2 / 3,
    byModel: { "cnn-5": { labelled: 3, correct: 2, accuracy: 2 / 3 } },
  });
  const facts = logFacts(summary) as { calibration: { expected_calibration_error_points: number } };
  assertEquals(facts.calibration.expected_calibration_error_points, Number((expected * 100).toFixed(2)));
});

Deno.test("log report: the number check allows the usual roundings and nothing else", () => {
  const facts = { labelled: 20, right: 15, accuracy_percent: 66.67, model: "cnn-5", by: [{ errors_points: 4.12 }] };
  const ok = (text: string) => checkNumbers(text, facts).ok;
  assert(ok("15 of 20 labelled drawings were right (66.67%)."));
  assert(ok("Accuracy was 66.7%, about 67 percent, or 0.67 as a fraction."), "roundings and the fraction form");
  assert(ok("The cnn-5 model was off by 4.1 points."), "a number inside a string fact, a points fact");
  assert(ok("1. First: 15 right.\n2. Second: 20 labelled."), "list numbers are not numbers");
  assert(!ok("Accuracy was 66.6%."), "a wrong rounding");
  assert(!ok("Accuracy was 75%."), "a number not in the facts");
  assert(!ok("20% of the drawings"), "a count is not a percentage");
  assert(!ok("66.667% right"), "more decimals than the facts have");
  const check = checkNumbers("It got 15 right and 16 wrong, 1,234 in all.", facts);
  assertEquals(check.unsupported.map((n) => n.text), ["16", "1,234"]);
  assert(check.unsupported[0].context.includes("16 wrong"));
});

Deno.test("log report: the narration's configuration comes from the environment, with clear errors", () => {
  const env = (values: Record<string, string>) => (name: string) => values[name];
  assertEquals(narrationConfig(env({})), {
    status: "off",
    message: `no language model is configured (${LLM_ENV.baseUrl} is not set)`,
  });
  const noModel = narrationConfig(env({ [LLM_ENV.baseUrl]: "http://localhost:11434/v1" }));
  assert("status" in noModel && noModel.status === "misconfigured" && noModel.message.includes(LLM_ENV.model));
  const badUrl = narrationConfig(env({ [LLM_ENV.baseUrl]: "localhost:11434", [LLM_ENV.model]: "m" }));
  assert("status" in badUrl && badUrl.status === "misconfigured", JSON.stringify(badUrl));
  const badTimeout = narrationConfig(
    env({ [LLM_ENV.baseUrl]: "http://x/v1", [LLM_ENV.model]: "m", [LLM_ENV.timeout]: "soon" }),
  );
  assert("status" in badTimeout && badTimeout.message.includes("soon"));
  assertEquals(
    narrationConfig(env({
      [LLM_ENV.baseUrl]: "http://localhost:8080/v1/",
      [LLM_ENV.model]: "llama3.2",
      [LLM_ENV.apiKey]: "sk-test",
      [LLM_ENV.timeout]: "2.5",
    })),
    { baseUrl: "http://localhost:8080/v1", model: "llama3.2", apiKey: "sk-test", timeoutMs: 2500 },
  );
});

/** A narration that quotes the facts it was sent (rounded as a model would), and tries some HTML. */
function honestNarration(request: StubRequest): string {
  const f = factsOf(request) as { predictions: number; labelled: number; right: number; accuracy_percent: number };
  return `<think>I should count.</think>The app logged ${f.predictions} predictions; ${f.right} of the ` +
    `${f.labelled} labelled ones were right (${f.accuracy_percent.toFixed(1)}%).\n\n` +
    `<script>alert("x")</script> [a link](https://example.invalid) **bold**`;
}

async function withStub(behaviour: Parameters<typeof startChatStub>[0], fn: (stub: ChatStub) => Promise<void>) {
  const stub = startChatStub(behaviour);
  try {
    await fn(stub);
  } finally {
    await stub.close();
  }
}

/**
 * A small log on disk: 12 predictions of 6 drawings by both models, all labelled through the MLP's answer; the MLP
 * reads drawings 0 and 3 as a 1, so 10 of 12 are right.
 */
async function smallLog(dir: string): Promise<string> {
  const path = join(dir, "predictions.jsonl");
  const log = new PredictionLog(path);
  for (let i = 0; i < 6; i++) {
    const input = Array.from({ length: 784 }, (_, p) => (p * (i + 2)) % 256);
    const time = new Date(T0 + i * 60_000).toISOString();
    await log.appendPrediction({ ...entry(`m${i}`, { model: "mlp-5", digit: i % 3 === 0 ? 1 : i, input }), time });
    await log.appendPrediction({ ...entry(`c${i}`, { model: "cnn-5", digit: i, confidence: 0.6, input }), time });
    await log.appendLabel(`m${i}`, i);
  }
  return path;
}

Deno.test("log report: a narration through a local chat completions server, labelled, its HTML shown as text", async () => {
  const dir = await Deno.makeTempDir({ prefix: "log-narration-" });
  try {
    const path = await smallLog(dir);
    await withStub(honestNarration, async (stub) => {
      const env: Record<string, string> = {
        [LLM_ENV.baseUrl]: stub.baseUrl,
        [LLM_ENV.model]: "stub-llm",
        [LLM_ENV.apiKey]: "sk-local",
      };
      const report = await writeLogReport(path, join(dir, "report"), { getEnv: (name) => env[name] });
      assertEquals(report.narration?.status, "ok", report.narration?.message);
      // the request: the chat completions protocol, the key, and only the facts (no images, no log lines)
      assertEquals(stub.requests.length, 1);
      const request = stub.requests[0];
      assertEquals([request.path, request.authorization, request.body.model], [
        "/v1/chat/completions",
        "Bearer sk-local",
        "stub-llm",
      ]);
      assertEquals(request.body.messages?.map((m) => m.role), ["system", "user"]);
      assertEquals(factsOf(request), JSON.parse(JSON.stringify(report.facts)));
      const sent = JSON.stringify(request.body);
      assert(!sent.includes('"input"') && !sent.includes('"probabilities"') && request.bytes < 16_000, sent);
      // the report: labelled as generated, the model's text there without its <think> part, its HTML inert
      const markdown = await Deno.readTextFile(join(dir, "report", "REPORT.md"));
      assert(markdown.includes("**Generated text, not computed.** Written by the language model stub-llm at "));
      assert(markdown.includes("> The app logged 12 predictions; 10 of the 12 labelled ones were right (83.3%)."));
      assert(!markdown.includes("<script") && !markdown.includes("I should count"), markdown);
      assert(markdown.includes("&#60;script&#62;") && !markdown.includes("](https://example.invalid)"));
      const facts = JSON.parse(await Deno.readTextFile(join(dir, "report", "facts.json")));
      assertEquals([facts.predictions, facts.labelled, facts.right, facts.accuracy_percent], [12, 12, 10, 83.33]);
    });

    // --no-narration: nothing is asked
    await withStub(honestNarration, async (stub) => {
      const env: Record<string, string> = { [LLM_ENV.baseUrl]: stub.baseUrl, [LLM_ENV.model]: "stub-llm" };
      const report = await writeLogReport(path, join(dir, "report"), { narrate: false, getEnv: (n) => env[n] });
      assertEquals([report.narration?.status, stub.requests.length], ["skipped", 0]);
      assert(report.markdown.includes("**Narration: skipped.** --no-narration was given."));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("log report: a narration with a wrong number, a slow one, a failing and an unreachable server", async () => {
  const dir = await Deno.makeTempDir({ prefix: "log-narration-" });
  try {
    const path = await smallLog(dir);
    const out = join(dir, "report");
    const run = (baseUrl: string, timeout = "30") => {
      const env: Record<string, string> = {
        [LLM_ENV.baseUrl]: baseUrl,
        [LLM_ENV.model]: "stub-llm",
        [LLM_ENV.timeout]: timeout,
      };
      return writeLogReport(path, out, { getEnv: (name) => env[name] });
    };

    await withStub((request) => {
      const f = factsOf(request) as { right: number };
      return `Of all drawings, ${f.right} were right, an accuracy of 93.5%.`;
    }, async (stub) => {
      const report = await run(stub.baseUrl);
      assertEquals(report.narration?.status, "rejected");
      assertEquals(report.narration?.unsupported?.map((n) => n.text), ["93.5"]);
      const markdown = await Deno.readTextFile(join(out, "REPORT.md"));
      assert(markdown.includes("**Narration: rejected.**") && markdown.includes("- 93.5 in “…"), markdown);
      assert(!markdown.includes("> Of all drawings"), "a rejected narration is left out");
    });

    await withStub(async (_request, closing) => {
      await sleep(10_000, closing);
      return "too late";
    }, async (stub) => {
      const started = performance.now();
      const report = await run(stub.baseUrl, "0.3");
      assert(performance.now() - started < 5_000, "the timeout ends the wait");
      assertEquals(report.narration?.status, "timeout");
      assert(report.narration!.message.includes("did not answer within 0.3 s"), report.narration!.message);
      assert(report.markdown.includes("**Narration: timed out.**"));
      assert(report.markdown.includes("The report above is complete without it."));
      assert(report.figures.reliability !== null && report.summary.predictions === 12, "the report is whole");
    });

    await withStub(
      () => Response.json({ error: { message: "model 'stub-llm' not found, try pulling it first" } }, { status: 404 }),
      async (stub) => {
        const report = await run(stub.baseUrl);
        assertEquals(report.narration?.status, "failed");
        assert(report.narration!.message.includes("answered HTTP 404") && report.narration!.message.includes("pull"));
      },
    );
    await withStub(() => Response.json({ not: "a completion" }), async (stub) => {
      const report = await run(stub.baseUrl);
      assertEquals(report.narration?.status, "failed");
      assert(report.narration!.message.includes("not a chat completion"), report.narration!.message);
    });
    await withStub(() => completion(""), async (stub) => {
      assertEquals((await run(stub.baseUrl)).narration?.status, "failed");
    });
    await withStub(() => completion("x".repeat(2 * 1024 * 1024)), async (stub) => {
      const report = await run(stub.baseUrl);
      assertEquals(report.narration?.status, "failed");
      assert(report.narration!.message.includes("answer is longer than 1048576 bytes"), report.narration!.message);
    });

    // a server that is not there: a port that was free a moment ago
    const gone = startChatStub(() => "");
    const baseUrl = gone.baseUrl;
    await gone.close();
    const report = await run(baseUrl);
    assertEquals(report.narration?.status, "failed");
    assert(report.narration!.message.startsWith("could not reach the language model at http://127.0.0.1:"));
    assert(report.markdown.includes("**Narration: failed.**"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** `deno task log-report` as a process, with exactly `env` for the MNIST_LLM_* variables. */
async function logReportCli(args: string[], env: Record<string, string>) {
  const inherited = Object.fromEntries(Object.entries(Deno.env.toObject()).filter(([k]) => !k.startsWith("MNIST_LLM")));
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../src/cli/log_report.ts", import.meta.url).pathname, ...args],
    env: { ...inherited, ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("deno task log-report on a log made by the app's API: the numbers, the narration on, timed out and off", async () => {
  const dir = await Deno.makeTempDir({ prefix: "log-report-cli-" });
  const logPath = join(dir, "logs", "predictions.jsonl");
  const app = await startServer({ port: 0, logPath, cacheDir: join(dir, "models"), quick: true, log: () => {} });
  try {
    await app.registry.prepare("mlp-5");
    await app.registry.prepare("cnn-5");
    const mnist = await loadMnist();
    const specs = drawingSpecs(mnist.test, { count: 16 });
    const post = async (path: string, body: BodyInit, type: string) => {
      const response = await fetch(new URL(path, app.url), {
        method: "POST",
        body,
        headers: { "content-type": type },
      });
      const json = await response.json();
      assertEquals(response.status, 200, JSON.stringify(json));
      return json;
    };
    // every drawing read by both models (v3); the user labels the MLP's answer of 12 of them
    let right = 0, labelled = 0, agreed = 0;
    for (const [i, spec] of specs.entries()) {
      const png = encodePng(renderDrawing(mnist.test, spec));
      const mlp = await post("/api/predict?model=mlp-5&mode=v3", png as BodyInit, "image/png");
      const cnn = await post("/api/predict?model=cnn-5&mode=v3", png as BodyInit, "image/png");
      if (mlp.digit === cnn.digit) agreed++;
      if (i % 4 === 3) continue;
      await post("/api/label", JSON.stringify({ id: mlp.id, label: spec.label }), "application/json");
      labelled += 2; // the label holds for the CNN's answer to the same drawing too
      right += Number(mlp.digit === spec.label) + Number(cnn.digit === spec.label);
    }
    await app.log.flush();
    const out = join(dir, "report");

    await withStub(honestNarration, async (stub) => {
      const run = await logReportCli(["--log", logPath, "--out", out], {
        [LLM_ENV.baseUrl]: stub.baseUrl,
        [LLM_ENV.model]: "stub-llm",
      });
      assertEquals(run.code, 0, run.stderr);
      assert(run.stdout.includes("32 predictions (24 labelled"), run.stdout);
      assert(run.stdout.includes("; 16 drawings, 12 labels carried"), run.stdout);
      assert(run.stdout.includes("narration: ok: narrated by stub-llm"), run.stdout);
      const markdown = await Deno.readTextFile(join(out, "REPORT.md"));
      // the computed report: the numbers counted here from the API's answers
      assert(markdown.includes(`| right on the labelled ones | ${right} |`), markdown);
      assert(markdown.includes(`| accuracy on the labelled ones | ${percent2(right / labelled)} |`));
      assert(markdown.includes(`| mlp-5 / cnn-5 | 16 | ${agreed} | ${percent2(agreed / 16)} | 12 |`), markdown);
      for (const figure of ["per-class-accuracy", "confusion", "reliability", "confidence"]) {
        assert((await Deno.stat(join(out, "figures", `${figure}.png`))).size > 1000, figure);
      }
      // the narration, labelled, from the facts only
      assert(markdown.includes("**Generated text, not computed.**"));
      assert(markdown.includes(`> The app logged 32 predictions; ${right} of the ${labelled} labelled ones`));
      assertEquals((factsOf(stub.requests[0]) as { drawings: number }).drawings, 16);
    });

    await withStub(async (_request, closing) => {
      await sleep(10_000, closing);
      return "too late";
    }, async (stub) => {
      const run = await logReportCli(["--log", logPath, "--out", out], {
        [LLM_ENV.baseUrl]: stub.baseUrl,
        [LLM_ENV.model]: "stub-llm",
        [LLM_ENV.timeout]: "0.5",
      });
      assertEquals(run.code, 0, run.stderr);
      assert(run.stderr.includes("narration: timeout: the language model at http://127.0.0.1:"), run.stderr);
      assert(run.stderr.includes("did not answer within 0.5 s (MNIST_LLM_TIMEOUT_S)"), run.stderr);
    });

    const off = await logReportCli(["--log", logPath, "--out", out], {});
    assertEquals(off.code, 0, off.stderr);
    assert(off.stdout.includes("narration: off: no language model is configured"), off.stdout);
    const markdown = await Deno.readTextFile(join(out, "REPORT.md"));
    assert(markdown.includes("**Narration: off.**") && markdown.includes("Set `MNIST_LLM_BASE_URL`"), markdown);
    assert(!markdown.includes("Generated text"), "the previous run's narration is gone");
    assert(markdown.includes(`| right on the labelled ones | ${right} |`), "the same computed report");

    const help = await logReportCli(["--help"], {});
    for (const name of Object.values(LLM_ENV)) assert(help.stdout.includes(name), name);
  } finally {
    await app.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
