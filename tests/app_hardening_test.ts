// The drawing app as a hostile web page and a clumsy user meet it, end to end against a real `deno task app
// --quick` process (temporary log and model cache, a free port): cross-site requests, a torn log, a log write that
// fails, what the log keeps, memory under a burst of large drawings, and damaged weights in the model cache.
import { join } from "node:path";
import { assert, assertEquals } from "./assert.ts";
import { drawingPng, SEVEN } from "./drawings.ts";
import { type AppProcess, peakRssBytes, rawRequest, startAppProcess } from "./processes.ts";
import { parseLog } from "../src/app/log.ts";

const REPO_ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);
/** How long a quick model may take to train on a busy 2-core machine. */
const READY_TIMEOUT_MS = 180_000;
/** The bound on the app's peak memory under 30 concurrent 2000×2000 drawings. */
const PEAK_RSS_LIMIT = 1024 ** 3;
/** The largest side of a preprocessing step image in an answer. */
const MAX_STEP_SIDE = 280;

/** A valid prediction line, as an earlier session (or another writer) would have logged it. */
function loggedLine(id: string): string {
  const probabilities = new Array(10).fill(0.01);
  probabilities[7] = 0.91;
  return JSON.stringify({
    type: "prediction",
    id,
    time: "2026-01-01T00:00:00.000Z",
    model: "cnn-5",
    mode: "v3",
    digit: 7,
    confidence: 0.91,
    probabilities,
    input: new Array(784).fill(0),
  }) + "\n";
}

async function waitReady(app: AppProcess, name: string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { models } = await (await fetch(new URL("/api/models", app.url))).json();
    const model = models.find((m: { name: string }) => m.name === name);
    if (model.status === "ready") return model;
    if (model.status === "failed") throw new Error(`${name} failed: ${model.error}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} was not ready after ${READY_TIMEOUT_MS} ms:\n${app.output()}`);
}

function post(app: AppProcess, path: string, body: BodyInit, type: string, headers: Record<string, string> = {}) {
  return fetch(new URL(path, app.url), { method: "POST", body, headers: { "content-type": type, ...headers } });
}

async function expectError(response: Response, status: number, code: string): Promise<string> {
  const body = await response.json();
  assertEquals([response.status, body.code], [status, code], JSON.stringify(body));
  return body.error;
}

Deno.test({
  name: "app end to end: websites refused, torn and failing log, private bounded log, memory, damaged weights",
  sanitizeResources: false, // the app's pipes are closed by stop()
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "app-hardening-" });
    const logPath = join(dir, "logs", "predictions.jsonl");
    const cacheDir = join(dir, "models");
    await Deno.mkdir(join(dir, "logs"));
    // a log an earlier session left, readable by everyone (as the app used to create it)
    await Deno.writeTextFile(logPath, loggedLine("earlier"), { mode: 0o644 });
    await Deno.chmod(logPath, 0o644);
    let app = await startAppProcess(["--quick", "--log", logPath, "--cache-dir", cacheDir]);
    const seven = drawingPng(SEVEN);
    const json = "application/json";
    try {
      await waitReady(app, "cnn-5");
      const own = `http://127.0.0.1:${app.port}`;

      await t.step("a website cannot use the API: JSON only, foreign Origin and Host refused", async () => {
        const first = await (await post(app, "/api/predict?model=cnn-5", seven, "image/png", { origin: own })).json();
        assertEquals(first.logged, true, JSON.stringify(first));
        const label = JSON.stringify({ id: first.id, label: 7 });
        // a form or a no-cors fetch from any website sends text/plain without a preflight
        await expectError(await post(app, "/api/label", label, "text/plain"), 415, "wrong_content_type");
        await expectError(
          await post(app, "/api/label", label, "application/x-www-form-urlencoded"),
          415,
          "wrong_content_type",
        );
        const evil = { origin: "http://evil.example" };
        await expectError(await post(app, "/api/label", label, json, evil), 403, "forbidden_origin");
        await expectError(await post(app, "/api/predict", seven, "image/png", evil), 403, "forbidden_origin");
        await expectError(await post(app, "/api/models/mlp/prepare", "", json, evil), 403, "forbidden_origin");
        await expectError(await post(app, "/api/label", label, json, { origin: "null" }), 403, "forbidden_origin");
        await expectError(
          await post(app, "/api/label", label, json, { origin: `http://127.0.0.1:${app.port + 1}` }),
          403,
          "forbidden_origin",
        );
        // DNS rebinding: a foreign name that resolves to 127.0.0.1 arrives with its own Host header
        for (const host of ["evil.example", `evil.example:${app.port}`, `127.0.0.1:${app.port + 1}`]) {
          const answer = await rawRequest(app.port, `GET /api/models HTTP/1.1\r\nhost: ${host}\r\nconnection: close`);
          assertEquals(answer.status, 403, `Host ${host}: ${answer.body}`);
          assertEquals(JSON.parse(answer.body).code, "forbidden_host");
        }
        for (const host of [`localhost:${app.port}`, `127.0.0.1:${app.port}`]) {
          const answer = await rawRequest(app.port, `GET /api/models HTTP/1.1\r\nhost: ${host}\r\nconnection: close`);
          assertEquals(answer.status, 200, `Host ${host}: ${answer.body}`);
        }
        // the page itself, same origin, labels as before
        const ok = await post(app, "/api/label", label, json, { origin: own });
        assertEquals(ok.status, 200, await ok.text());
        // ids are looked up in memory: those in the log at start are known ...
        const earlier = await post(app, "/api/label", JSON.stringify({ id: "earlier", label: 7 }), json);
        assertEquals(earlier.status, 200, await earlier.text());
        // ... and a label for an unknown id never re-reads the log (a line written behind the app's back stays unknown)
        await Deno.writeTextFile(logPath, loggedLine("written-outside"), { append: true });
        await expectError(
          await post(app, "/api/label", JSON.stringify({ id: "written-outside", label: 1 }), json),
          404,
          "unknown_prediction",
        );
      });

      await t.step("a torn last line written while the app runs costs no later entry", async () => {
        await Deno.writeTextFile(logPath, '{"x', { append: true });
        const answer = await (await post(app, "/api/predict?model=cnn-5", seven, "image/png")).json();
        assertEquals(answer.logged, true, JSON.stringify(answer));
        const labelled = await post(app, "/api/label", JSON.stringify({ id: answer.id, label: 7 }), json);
        assertEquals(labelled.status, 200, await labelled.text());
        const { predictions, warnings } = parseLog(await Deno.readTextFile(logPath), logPath);
        assertEquals(predictions.find((p) => p.id === answer.id)?.label, 7);
        assertEquals(warnings.length, 1, warnings.join("\n"));
        assert(warnings[0].includes('{"x'), warnings[0]);
        const report = await new Deno.Command(Deno.execPath(), {
          args: ["task", "log-report", "--log", logPath, "--out", join(dir, "log-report")],
          cwd: REPO_ROOT,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const said = new TextDecoder().decode(report.stdout);
        assert(report.success, new TextDecoder().decode(report.stderr));
        assert(said.includes("4 predictions (3 labelled"), said);
      });

      await t.step("the log is private and says what it keeps; log=false does not log", async () => {
        assertEquals((await Deno.stat(logPath)).mode! & 0o777, 0o600, "the log is readable by its owner only");
        const models = await (await fetch(new URL("/api/models", app.url))).json();
        assertEquals(models.log.enabled, true);
        assertEquals(models.log.path, logPath);
        assert(models.log.maxBytes > 0 && models.log.rotatedPath.endsWith(".1.jsonl"), JSON.stringify(models.log));
        const lines = async () => (await Deno.readTextFile(logPath)).split("\n").length;
        const before = await lines();
        for (const off of ["0", "false", "no"]) {
          const answer = await (await post(app, `/api/predict?log=${off}`, seven, "image/png")).json();
          assertEquals([answer.logged, answer.id], [false, null], `log=${off}`);
        }
        assertEquals(await lines(), before, "log=0/false/no wrote nothing");
        await expectError(await post(app, "/api/predict?log=maybe", seven, "image/png"), 400, "bad_parameter");
      });

      await t.step("a log write that fails still answers the prediction, with logged: false", async () => {
        await Deno.rename(logPath, `${logPath}.saved`);
        await Deno.mkdir(logPath); // the write fails (as it would on a full disk)
        const response = await post(app, "/api/predict?model=cnn-5", seven, "image/png");
        const answer = await response.json();
        assertEquals([response.status, answer.logged, answer.id], [200, false, null], JSON.stringify(answer));
        assert(answer.digit === 7 && answer.logError.includes(logPath), JSON.stringify(answer.logError));
        await Deno.remove(logPath);
        const again = await (await post(app, "/api/predict?model=cnn-5", seven, "image/png")).json();
        assertEquals(again.logged, true);
        assertEquals((await Deno.stat(logPath)).mode! & 0o777, 0o600, "a new log file is created 0600");
      });

      await t.step(
        "30 concurrent 2000x2000 drawings with steps: small step images, peak memory under 1 GiB",
        async () => {
          const big = drawingPng(SEVEN, 2000, 120);
          const responses = await Promise.all(
            Array.from(
              { length: 30 },
              () => post(app, "/api/predict?model=cnn-5&mode=v1&steps=1&log=0", big, "image/png"),
            ),
          );
          const bodies = await Promise.all(responses.map((r) => r.json()));
          assertEquals(
            responses.map((r) => r.status),
            new Array(30).fill(200),
            JSON.stringify(bodies[0]).slice(0, 300),
          );
          for (const body of bodies) {
            for (
              const [name, image] of Object.entries(body.steps as Record<string, { width: number; height: number }>)
            ) {
              assert(Math.max(image.width, image.height) <= MAX_STEP_SIDE, `${name} is ${image.width}x${image.height}`);
            }
          }
          const peak = peakRssBytes(app.pid);
          console.log(
            `app peak RSS after 30 concurrent 2000x2000 v1 predictions with steps: ${(peak / 2 ** 20).toFixed(0)} MiB`,
          );
          assert(peak < PEAK_RSS_LIMIT, `peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
        },
      );

      await t.step("damaged weights in the model cache are retrained, announced, and predict as before", async () => {
        const before = await (await post(app, "/api/predict?model=cnn-5&log=0", seven, "image/png")).json();
        await app.stop();
        const folders = [...Deno.readDirSync(cacheDir)].filter((e) => e.isDirectory);
        assertEquals(folders.length, 1, folders.map((f) => f.name).join(", "));
        const folder = join(cacheDir, folders[0].name);
        const weights = await Deno.readFile(join(folder, "weights.bin"));
        const half = Math.floor(weights.length / 8) * 4;
        new Float32Array(weights.buffer, half, (weights.length - half) / 4).fill(0.5); // finite, plausible, wrong
        await Deno.writeFile(join(folder, "weights.bin"), weights);

        app = await startAppProcess(["--quick", "--log", logPath, "--cache-dir", cacheDir]);
        const model = await waitReady(app, "cnn-5");
        assertEquals(model.fromCache, false, JSON.stringify(model));
        assert(model.notice?.includes(folder) && /retrain/.test(model.notice), JSON.stringify(model.notice));
        assert(app.output().includes(folder), `the terminal names the damaged folder:\n${app.output()}`);
        const after = await (await post(app, "/api/predict?model=cnn-5&log=0", seven, "image/png")).json();
        assertEquals(after.probabilities, before.probabilities, "the retrained model is the model it was");
        assert(after.notice?.includes(folder), JSON.stringify(after.notice));
      });
    } finally {
      await app.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("app and log-report: bad command lines get a message, not a stack trace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "app-cli-" });
  const run = async (args: string[]) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["task", ...args],
      cwd: REPO_ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    return { code: output.code, text };
  };
  try {
    const file = join(dir, "a-file");
    await Deno.writeTextFile(file, "x");
    const log = join(dir, "log.jsonl");
    const cases: [string[], RegExp][] = [
      [["app", "--host", "not-a-host", "--port", "0", "--log", log], /--host.*not-a-host/],
      [["app", "--port", "", "--log", log], /--port must be/],
      [["app", "--port", "80x", "--log", log], /--port must be/],
      [["log-report", "--log", log, "--out", file], /--out .*a-file.* is a file/],
      [["log-report", "--log", dir], /--log .* is a folder/],
      [["reproduce", "--bogus"], /bogus/],
    ];
    for (const [args, message] of cases) {
      const { code, text } = await run(args);
      assert(code !== 0, `${args.join(" ")} exited 0:\n${text}`);
      assert(message.test(text), `${args.join(" ")} does not say ${message}:\n${text}`);
      assert(
        !/^\s+at .*:\d+:\d+/m.test(text) && !text.includes("Uncaught"),
        `${args.join(" ")} shows a stack:\n${text}`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
