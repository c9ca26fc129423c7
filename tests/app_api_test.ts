// The app's HTTP API: predictions in every mode, every kind of bad request, and concurrent requests.
// Quick (tiny) models in a temporary cache, a temporary log, the server on an ephemeral port.
import { createCanvas } from "@napi-rs/canvas";
import { assert, assertEquals } from "./assert.ts";
import { startServer } from "../src/app/server.ts";
import { MAX_PNG_BYTES } from "../src/draw/png.ts";
import { PredictionLog } from "../src/app/log.ts";
import { tf } from "../src/tf.ts";

/** A 280x280 canvas drawing as PNG: black strokes (polylines) on white, as the page sends it. */
function drawingPng(strokes: [number, number][][], size = 280, lineWidth = 18): Uint8Array {
  const canvas = createCanvas(size, size);
  const context = canvas.getContext("2d");
  context.fillStyle = "white";
  context.fillRect(0, 0, size, size);
  context.strokeStyle = "black";
  context.lineWidth = lineWidth;
  context.lineCap = "round";
  context.lineJoin = "round";
  for (const stroke of strokes) {
    context.beginPath();
    context.moveTo(...stroke[0]);
    for (const point of stroke.slice(1)) context.lineTo(...point);
    context.stroke();
  }
  return new Uint8Array(canvas.toBuffer("image/png"));
}

const SEVEN: [number, number][][] = [[[70, 60], [210, 60], [150, 230]]];
const ONE: [number, number][][] = [[[140, 40], [140, 240]]];

Deno.test("app API: predictions, every bad request, concurrency", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "app-api-" });
  const logPath = `${dir}/logs/predictions.jsonl`;
  const app = await startServer({ port: 0, logPath, cacheDir: `${dir}/models`, quick: true });
  const url = (path: string) => new URL(path, app.url).href;
  const post = (path: string, body: Uint8Array | string | null, type: string | null = "image/png") =>
    fetch(url(path), { method: "POST", body: body as BodyInit | null, headers: type ? { "content-type": type } : {} });
  /** Expects a JSON error answer with `status` and `code`; returns its message. */
  const expectError = async (response: Response, status: number, code: string) => {
    const body = await response.json();
    assertEquals([response.status, body.code], [status, code], JSON.stringify(body));
    assert(typeof body.error === "string" && body.error.length > 10, "an error says what was wrong");
    assert(response.headers.get("content-type")!.startsWith("application/json"));
    return body.error as string;
  };
  try {
    await t.step("GET /api/models lists the MLP, the CNN and the best model, none loaded yet", async () => {
      const response = await fetch(url("/api/models"));
      const body = await response.json();
      assertEquals(response.status, 200);
      assertEquals(body.models.map((m: { name: string }) => m.name), ["mlp-5", "cnn-5", "vgg-cnn-augmented"]);
      assertEquals(body.models.map((m: { status: string }) => m.status), ["idle", "idle", "idle"]);
      assertEquals(body.bestModel, "vgg-cnn-augmented");
      assertEquals(body.sideBySide.map((v: { value: string }) => v.value), [
        "mlp-5,cnn-5",
        "mlp-5,cnn-5,vgg-cnn-augmented",
      ]);
      assertEquals(body.sideBySide[0].label, "MLP | CNN");
      assertEquals(body.modes.map((m: { name: string }) => m.name), ["v1", "v2", "v3"]);
      assertEquals(body.quick, true);
      assertEquals(body.limits.maxBytes, MAX_PNG_BYTES);
    });

    await t.step("a model not in the cache answers 503 and starts training", async () => {
      const response = await post("/api/predict?model=mlp-5&mode=v2", drawingPng(SEVEN));
      const body = await response.json();
      assertEquals([response.status, body.code], [503, "model_not_ready"]);
      assertEquals(response.headers.get("retry-after"), "5");
      await app.registry.prepare("mlp-5");
      await app.registry.prepare("cnn-5");
      const models = await (await fetch(url("/api/models"))).json();
      assertEquals(models.models.map((m: { status: string }) => m.status), ["ready", "ready", "idle"]);
    });

    await t.step("POST /api/predict answers digit, confidence, probabilities and the 28x28 input", async () => {
      const before = tf.memory().numTensors;
      for (const model of ["mlp-5", "cnn-5"]) {
        for (const mode of ["v1", "v2", "v3"]) {
          const response = await post(`/api/predict?model=${model}&mode=${mode}`, drawingPng(SEVEN));
          const body = await response.json();
          assertEquals(response.status, 200, JSON.stringify(body));
          assertEquals([body.model, body.mode, body.logged], [model, mode, true]);
          assert(Number.isInteger(body.digit) && body.digit >= 0 && body.digit <= 9);
          assertEquals(body.probabilities.length, 10);
          const total = body.probabilities.reduce((a: number, b: number) => a + b, 0);
          assert(Math.abs(total - 1) < 1e-3, `probabilities sum to ${total}`);
          assertEquals(body.confidence, Math.max(...body.probabilities));
          assertEquals(body.digit, body.probabilities.indexOf(body.confidence));
          assertEquals(body.input.length, 784);
          assert(body.input.every((v: number) => v >= 0 && v <= 1) && Math.max(...body.input) > 0.9);
          assertEquals(body.steps, undefined);
        }
      }
      assertEquals(tf.memory().numTensors, before, "prediction leaves no tensors behind");
      const defaults = await (await post("/api/predict?steps=1&log=0", drawingPng(ONE))).json();
      assertEquals([defaults.model, defaults.mode, defaults.logged, defaults.id], ["cnn-5", "v3", false, null]);
      assertEquals(Object.keys(defaults.steps), ["grey", "inverted", "framed", "final"]);
      assertEquals([defaults.steps.final.width, defaults.steps.final.height], [28, 28]);
      // a larger, non-square image of any size is fine too
      const wide = await post("/api/predict?model=cnn-5&mode=v3", drawingPng(SEVEN, 600, 40));
      assertEquals(wide.status, 200);
      await wide.body?.cancel();
      const { predictions, warnings } = await app.log.read();
      assertEquals(warnings, []);
      assertEquals(predictions.length, 7);
      assertEquals(predictions[0].input.length, 784);
    });

    await t.step("an empty canvas gets 'draw a digit first', not a prediction", async () => {
      const message = await expectError(await post("/api/predict", drawingPng([])), 422, "empty_drawing");
      assert(message.startsWith("draw a digit first"));
    });

    await t.step("bad requests get a 4xx with a JSON error, and the server keeps serving", async () => {
      const png = drawingPng(SEVEN);
      await expectError(await post("/api/predict", png, "text/plain"), 415, "wrong_content_type");
      await expectError(await post("/api/predict", png, null), 415, "wrong_content_type");
      await expectError(await post("/api/predict", png, "image/jpeg"), 415, "wrong_content_type");
      await expectError(await post("/api/predict", new TextEncoder().encode("not an image")), 400, "not_png");
      await expectError(await post("/api/predict", new Uint8Array(0)), 400, "empty_body");
      await expectError(await post("/api/predict", png.slice(0, png.length / 2)), 400, "malformed_png");
      const corrupt = png.slice();
      corrupt[50] ^= 0x55;
      await expectError(await post("/api/predict", corrupt), 400, "malformed_png");
      const huge = new Uint8Array(MAX_PNG_BYTES + 10);
      huge.set(png);
      await expectError(await post("/api/predict", huge), 413, "too_many_bytes");
      await expectError(await post("/api/predict", drawingPng(SEVEN, 4200, 10)), 413, "too_many_pixels");
      const unknownModel = await expectError(await post("/api/predict?model=resnet", png), 400, "unknown_model");
      assert(unknownModel.includes("mlp-5, cnn-5, vgg-cnn-augmented"));
      const twice = await expectError(await post("/api/predict?model=mlp-5,mlp-5", png), 400, "unknown_model");
      assert(twice.includes("'mlp-5' twice"), twice);
      const empty = await expectError(await post("/api/predict?model=mlp-5,", png), 400, "unknown_model");
      assert(empty.includes("empty name"), empty);
      await expectError(await post("/api/predict?model=mlp-5,resnet", png), 400, "unknown_model");
      await expectError(await post("/api/predict?mode=v9", png), 400, "unknown_mode");
      await expectError(await fetch(url("/api/predict")), 405, "method_not_allowed");
      await expectError(await fetch(url("/api/nothing")), 404, "not_found");
      await expectError(await post("/api/models/resnet/prepare", null, null), 404, "unknown_model");
      const after = await post("/api/predict?model=cnn-5&mode=v2", png);
      assertEquals(after.status, 200);
      await after.body?.cancel();
    });

    await t.step(
      "side by side: one drawing, each model's answer as it gives it alone, logged and labelled together",
      async () => {
        const before = (await app.log.read()).predictions.length;
        const png = drawingPng(SEVEN);
        const response = await post("/api/predict?model=mlp-5,cnn-5&mode=v3&steps=1", png);
        const body = await response.json();
        assertEquals(response.status, 200, JSON.stringify(body));
        assertEquals(body.models, ["mlp-5", "cnn-5"]);
        assertEquals(body.predictions.map((p: { model: string }) => p.model), ["mlp-5", "cnn-5"]);
        assertEquals(Object.keys(body.steps), ["grey", "inverted", "framed", "final"]);
        // each answer is the one the model gives alone, on the same input
        for (const p of body.predictions) {
          const alone = await (await post(`/api/predict?model=${p.model}&mode=v3&log=0`, png)).json();
          assertEquals([p.digit, p.confidence, p.probabilities], [alone.digit, alone.confidence, alone.probabilities]);
          assertEquals(body.input, alone.input);
          assert(p.logged && typeof p.id === "string" && p.predictMs >= 0, JSON.stringify(p));
        }
        // the top level is the first model's answer, as a one-model request has it
        assertEquals([body.model, body.digit, body.id], ["mlp-5", body.predictions[0].digit, body.predictions[0].id]);
        assertEquals(body.ids, body.predictions.map((p: { id: string }) => p.id));
        assertEquals(body.logged, true);
        // in the log: one prediction per model, sharing the drawing's id
        const logged = (await app.log.read()).predictions.slice(before);
        assertEquals(logged.map((p) => p.model), ["mlp-5", "cnn-5"]);
        assert(typeof logged[0].drawing === "string" && logged[0].drawing === logged[1].drawing);
        assertEquals(logged[0].input, logged[1].input);
        // one label for the drawing labels both answers
        const labelled = await post("/api/label", JSON.stringify({ ids: body.ids, label: 7 }), "application/json");
        assertEquals([labelled.status, (await labelled.json()).ids], [200, body.ids]);
        const after = (await app.log.read()).predictions.slice(before);
        assertEquals(after.map((p) => p.label), [7, 7]);
        const json = "application/json";
        await expectError(
          await post("/api/label", JSON.stringify({ ids: [body.ids[0], "nope"], label: 1 }), json),
          404,
          "unknown_prediction",
        );
        assertEquals((await app.log.read()).predictions.slice(before).map((p) => p.label), [7, 7], "nothing labelled");
        await expectError(await post("/api/label", JSON.stringify({ ids: [], label: 1 }), json), 400, "malformed_json");
        await expectError(
          await post("/api/label", JSON.stringify({ id: body.ids[0], ids: body.ids, label: 1 }), json),
          400,
          "malformed_json",
        );
        // a one-model answer lists itself in predictions too
        const one = await (await post("/api/predict?model=cnn-5&log=0", png)).json();
        assertEquals([one.models, one.predictions.length, one.predictions[0].digit], [["cnn-5"], 1, one.digit]);
      },
    );

    await t.step("side by side with a model still to train: 503 naming it, and its training starts", async () => {
      const response = await post("/api/predict?model=cnn-5,vgg-cnn-augmented&log=0", drawingPng(SEVEN));
      const body = await response.json();
      assertEquals([response.status, body.code, body.model.name], [503, "model_not_ready", "vgg-cnn-augmented"]);
      await app.registry.prepare("vgg-cnn-augmented");
      const three = await (await post("/api/predict?model=mlp-5,cnn-5,vgg-cnn-augmented&log=0", drawingPng(SEVEN)))
        .json();
      assertEquals(three.predictions.map((p: { model: string }) => p.model), ["mlp-5", "cnn-5", "vgg-cnn-augmented"]);
      const info = app.registry.info("vgg-cnn-augmented");
      assert(
        info.description.includes("augmented images") && info.description.includes("quick mode"),
        info.description,
      );
    });

    await t.step("labels: a user confirms or corrects a logged prediction", async () => {
      const predicted = await (await post("/api/predict?model=cnn-5&mode=v3", drawingPng(ONE))).json();
      const ok = await post("/api/label", JSON.stringify({ id: predicted.id, label: 1 }), "application/json");
      assertEquals(ok.status, 200);
      await ok.body?.cancel();
      const json = "application/json";
      await expectError(
        await post("/api/label", JSON.stringify({ id: "nope", label: 1 }), json),
        404,
        "unknown_prediction",
      );
      await expectError(
        await post("/api/label", JSON.stringify({ id: predicted.id, label: 12 }), json),
        400,
        "bad_label",
      );
      await expectError(await post("/api/label", "{not json", json), 400, "malformed_json");
      await expectError(await post("/api/label", JSON.stringify([1, 2]), json), 400, "malformed_json");
      const { predictions } = await app.log.read();
      assertEquals(predictions.find((p) => p.id === predicted.id)?.label, 1);
    });

    await t.step("concurrent requests all succeed and log whole lines", async () => {
      const before = (await app.log.read()).predictions.length;
      const drawings = [SEVEN, ONE, [[[80, 80], [200, 80], [80, 200], [200, 200]]] as [number, number][][]];
      const responses = await Promise.all(
        Array.from(
          { length: 24 },
          (_, i) =>
            post(`/api/predict?model=${i % 2 ? "mlp-5" : "cnn-5"}&mode=v${1 + (i % 3)}`, drawingPng(drawings[i % 3])),
        ),
      );
      const bodies = await Promise.all(responses.map((r) => r.json()));
      assertEquals(responses.map((r) => r.status), new Array(24).fill(200));
      assertEquals(new Set(bodies.map((b) => b.id)).size, 24);
      const text = await Deno.readTextFile(logPath);
      const contents = await new PredictionLog(logPath).read();
      assertEquals(contents.warnings, []);
      assertEquals(contents.predictions.length, before + 24);
      assert(text.split("\n").filter((l) => l).every((line) => JSON.parse(line)));
    });
  } finally {
    await app.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
