/**
 * The draw-a-digit web app: a page to draw on and the HTTP API it uses,
 * served by `Deno.serve`.
 *
 * API (every answer is JSON; every error is `{ "error": "what was wrong", "code": "…" }` with a 4xx or 5xx):
 *
 * | request | answer |
 * | --- | --- |
 * | `GET /api/models` | the models, their status (idle, loading, training with progress, ready, failed), the modes, the limits |
 * | `POST /api/models/{name}/prepare` | starts loading (or training) a model; 202 with its status |
 * | `POST /api/predict?model=cnn-5&mode=v3` with a PNG body (`Content-Type: image/png`) | `digit`, `confidence`, `probabilities` (10), `input` (the 28×28 the model saw, 784 values in [0, 1]), `id` of the log entry |
 * | `POST /api/label` with `{"id": "…", "label": 7}` | records the digit the user meant for a logged prediction |
 *
 * `/api/predict` also takes `log=0` (do not log: the page's live preview) and
 * `steps=1` (add the images of each preprocessing step). An empty drawing
 * answers 422 "draw a digit first". A model that must still be trained answers
 * 503 with its progress and starts the training.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { checkMode, type GreyImage, MODE_DESCRIPTIONS, preprocess, PREPROCESS_MODES } from "../draw/preprocess.ts";
import { decodePng, ImageInputError, MAX_PNG_BYTES, MAX_PNG_PIXELS, MAX_PNG_SIDE } from "../draw/png.ts";
import { type AppModelName, checkModelName, DEFAULT_APP_MODEL, ModelRegistry, predictDigit } from "./models.ts";
import { inputToGreyLevels, PredictionLog } from "./log.ts";
import type { TrainingDisplay } from "../display/training.ts";
import { backendSummary } from "../tf.ts";

/** Port of `deno task app` unless `--port` says otherwise. */
export const DEFAULT_PORT = 8000;
/** Interface the app listens on: this machine only. */
export const DEFAULT_HOST = "127.0.0.1";
/** The preprocessing a request gets when it names none. */
export const DEFAULT_MODE = "v3";
/** Largest JSON body `/api/label` reads. */
const MAX_JSON_BYTES = 4096;
/** Decimals of the probabilities and input values in answers (enough for a chart, short on the wire). */
const ANSWER_DECIMALS = 5;

const STATIC_DIR = new URL("./static/", import.meta.url);
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Port to listen on (default 8000; 0 picks a free one). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** The prediction log file (default `data/logs/predictions.jsonl`). */
  logPath?: string;
  /** Model cache folder (default `data/models/`). */
  cacheDir?: string;
  /** Quick mode: tiny models for tests and dry runs (default: `MNIST_QUICK`). */
  quick?: boolean;
  /** Largest PNG accepted, in bytes (default {@link MAX_PNG_BYTES}). */
  maxBodyBytes?: number;
  /** Models to load (or train) as soon as the server starts. */
  warm?: AppModelName[];
  /** Where each model's training progress goes besides the page (e.g. `terminalTrainingDisplay`). */
  display?: (name: AppModelName) => TrainingDisplay;
  /** A registry to share (tests); one is created otherwise. */
  registry?: ModelRegistry;
}

/** A running app. */
export interface AppServer {
  /** e.g. `http://127.0.0.1:8000/` */
  url: string;
  port: number;
  registry: ModelRegistry;
  log: PredictionLog;
  /** Stops listening and frees the models. */
  shutdown(): Promise<void>;
}

/** An error a client caused, with the status and code it answers with. */
class RequestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly extra: object = {}) {
    super(message);
  }
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

const IMAGE_ERROR_STATUS: Record<ImageInputError["code"], number> = {
  empty_body: 400,
  not_png: 400,
  too_many_bytes: 413,
  too_many_pixels: 413,
  malformed_png: 400,
};

/** Reads a request body, refusing it as soon as it passes `limit` bytes. */
async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    throw new RequestError(
      413,
      "too_many_bytes",
      `the body is ${declared} bytes; the limit is ${limit} bytes (send a smaller PNG, e.g. 280x280)`,
    );
  }
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new RequestError(413, "too_many_bytes", `the body is over the limit of ${limit} bytes; send a smaller PNG`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

function round(value: number): number {
  return Number(value.toFixed(ANSWER_DECIMALS));
}

function imageForAnswer(image: GreyImage) {
  return { width: image.width, height: image.height, data: Buffer.from(image.data).toString("base64") };
}

/**
 * Starts the app and resolves once it listens.
 *
 * @example
 * const app = await startServer({ port: 0, logPath: "/tmp/log.jsonl", quick: true });
 * console.log(app.url);
 * await app.shutdown();
 */
export async function startServer(options: ServerOptions = {}): Promise<AppServer> {
  const registry = options.registry ??
    new ModelRegistry({ cacheDir: options.cacheDir, quick: options.quick, display: options.display });
  const log = new PredictionLog(options.logPath);
  const maxBodyBytes = options.maxBodyBytes ?? MAX_PNG_BYTES;
  const loggedIds = new Set<string>();

  async function modelFor(name: AppModelName) {
    const ready = registry.ready(name);
    if (ready) return ready;
    const info = registry.info(name);
    if (info.status === "idle" || info.status === "failed") {
      if (await registry.isCached(name)) return await registry.prepare(name);
      registry.prepare(name).catch(() => {}); // its failure shows in /api/models
    } else if (info.status === "loading" && await registry.isCached(name)) {
      return await registry.prepare(name);
    }
    const now = registry.info(name);
    const progress = now.progress ? ` (epoch ${now.progress.epoch}/${now.progress.epochs})` : "";
    throw new RequestError(
      503,
      "model_not_ready",
      `model '${name}' is not trained yet and is being trained now${progress}; ` +
        `try again when GET /api/models says it is ready`,
      { model: now },
    );
  }

  async function predict(request: Request, url: URL): Promise<Response> {
    if (request.method !== "POST") {
      throw new RequestError(405, "method_not_allowed", "use POST with a PNG body for /api/predict");
    }
    let model: AppModelName;
    let mode;
    try {
      model = checkModelName(url.searchParams.get("model") ?? DEFAULT_APP_MODEL);
    } catch (error) {
      throw new RequestError(400, "unknown_model", (error as Error).message);
    }
    try {
      mode = checkMode(url.searchParams.get("mode") ?? DEFAULT_MODE);
    } catch (error) {
      throw new RequestError(400, "unknown_mode", (error as Error).message);
    }
    const contentType = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (contentType !== "image/png") {
      throw new RequestError(
        415,
        "wrong_content_type",
        `the body must be a PNG image with Content-Type: image/png, got ${contentType ? `'${contentType}'` : "none"}`,
      );
    }
    const body = await readBody(request, maxBodyBytes);
    let image;
    try {
      image = await decodePng(body, { maxBytes: maxBodyBytes });
    } catch (error) {
      if (error instanceof ImageInputError) {
        throw new RequestError(IMAGE_ERROR_STATUS[error.code], error.code, error.message);
      }
      throw error;
    }
    const started = performance.now();
    const prepared = preprocess(image, mode);
    const preprocessMs = performance.now() - started;
    const steps = url.searchParams.get("steps") === "1"
      ? Object.fromEntries(Object.entries(prepared.steps).map(([k, v]) => [k, imageForAnswer(v)]))
      : undefined;
    if (prepared.empty) {
      throw new RequestError(422, "empty_drawing", "draw a digit first: the image has no dark pixels", {
        empty: true,
        steps,
      });
    }
    const network = await modelFor(model);
    const predictStarted = performance.now();
    const prediction = predictDigit(network, prepared.input);
    const predictMs = performance.now() - predictStarted;
    const id = crypto.randomUUID();
    const shouldLog = url.searchParams.get("log") !== "0";
    if (shouldLog) {
      await log.appendPrediction({
        id,
        time: new Date().toISOString(),
        model,
        mode,
        digit: prediction.digit,
        confidence: prediction.confidence,
        probabilities: prediction.probabilities,
        input: inputToGreyLevels(prepared.input),
      });
      loggedIds.add(id);
    }
    return json({
      id: shouldLog ? id : null,
      logged: shouldLog,
      model,
      mode,
      empty: false,
      digit: prediction.digit,
      confidence: round(prediction.confidence),
      probabilities: prediction.probabilities.map(round),
      input: Array.from(prepared.input, round),
      inputShape: [28, 28],
      box: prepared.box,
      timing: { preprocessMs: round(preprocessMs), predictMs: round(predictMs) },
      steps,
    });
  }

  async function label(request: Request): Promise<Response> {
    if (request.method !== "POST") throw new RequestError(405, "method_not_allowed", "use POST for /api/label");
    const text = new TextDecoder().decode(await readBody(request, MAX_JSON_BYTES));
    let value: { id?: unknown; label?: unknown };
    try {
      value = JSON.parse(text);
    } catch {
      throw new RequestError(400, "malformed_json", 'the body must be JSON like {"id": "…", "label": 7}');
    }
    if (!value || typeof value !== "object" || typeof value.id !== "string") {
      throw new RequestError(400, "malformed_json", 'the body needs a string "id" of a logged prediction');
    }
    const digit = value.label;
    if (typeof digit !== "number" || !Number.isInteger(digit) || digit < 0 || digit > 9) {
      throw new RequestError(400, "bad_label", `"label" must be a digit 0-9, got ${JSON.stringify(digit)}`);
    }
    if (!loggedIds.has(value.id) && !(await log.has(value.id))) {
      throw new RequestError(404, "unknown_prediction", `no logged prediction has id '${value.id}'`);
    }
    await log.appendLabel(value.id, digit);
    return json({ ok: true, id: value.id, label: digit });
  }

  function models(): Response {
    return json({
      models: registry.list(),
      defaultModel: DEFAULT_APP_MODEL,
      modes: PREPROCESS_MODES.map((name) => ({ name, description: MODE_DESCRIPTIONS[name] })),
      defaultMode: DEFAULT_MODE,
      quick: registry.quick,
      backend: backendSummary(),
      limits: { maxBytes: maxBodyBytes, maxSide: MAX_PNG_SIDE, maxPixels: MAX_PNG_PIXELS },
    });
  }

  function prepareModel(request: Request, name: string): Response {
    if (request.method !== "POST") {
      throw new RequestError(405, "method_not_allowed", "use POST to prepare a model");
    }
    let model: AppModelName;
    try {
      model = checkModelName(name);
    } catch (error) {
      throw new RequestError(404, "unknown_model", (error as Error).message);
    }
    registry.prepare(model).catch(() => {});
    return json({ model: registry.info(model) }, 202);
  }

  async function staticFile(path: string): Promise<Response | null> {
    const entry = STATIC_FILES[path];
    if (!entry) return null;
    const body = await Deno.readFile(new URL(entry.file, STATIC_DIR));
    return new Response(body, { headers: { "content-type": entry.type, "cache-control": "no-cache" } });
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/api/predict") return await predict(request, url);
      if (url.pathname === "/api/label") return await label(request);
      if (url.pathname === "/api/models") {
        if (request.method !== "GET") throw new RequestError(405, "method_not_allowed", "use GET for /api/models");
        return models();
      }
      const prepareMatch = url.pathname.match(/^\/api\/models\/([^/]+)\/prepare$/);
      if (prepareMatch) return prepareModel(request, decodeURIComponent(prepareMatch[1]));
      if (request.method === "GET" && url.pathname === "/favicon.ico") return new Response(null, { status: 204 });
      if (request.method === "GET") {
        const file = await staticFile(url.pathname);
        if (file) return file;
      }
      throw new RequestError(404, "not_found", `nothing at ${request.method} ${url.pathname}; the API is under /api/`);
    } catch (error) {
      if (error instanceof RequestError) {
        const headers: Record<string, string> = error.status === 503 ? { "retry-after": "5" } : {};
        return json({ error: error.message, code: error.code, ...error.extra }, error.status, headers);
      }
      console.error(`app: ${request.method} ${url.pathname} failed:`, error);
      return json({ error: `internal error: ${(error as Error).message}`, code: "internal_error" }, 500);
    }
  }

  const hostname = options.host ?? DEFAULT_HOST;
  let resolveListening: (addr: Deno.NetAddr) => void;
  const listening = new Promise<Deno.NetAddr>((resolve) => (resolveListening = resolve));
  const server = Deno.serve({
    port: options.port ?? DEFAULT_PORT,
    hostname,
    onListen: (addr) => resolveListening(addr as Deno.NetAddr),
  }, handle);
  const addr = await listening;
  for (const name of options.warm ?? []) registry.prepare(name).catch(() => {});
  const shownHost = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    url: `http://${shownHost}:${addr.port}/`,
    port: addr.port,
    registry,
    log,
    async shutdown() {
      await server.shutdown();
      await log.flush();
      if (!options.registry) registry.dispose();
    },
  };
}

/** The folder of the page's files (for tests and documentation). */
export function staticDir(): string {
  return decodeURIComponent(STATIC_DIR.pathname);
}

/** Height of the app's frame inside a notebook, in CSS pixels. */
const FRAME_HEIGHT = 1000;

/**
 * The running app shown inside a notebook (an iframe), with a note for
 * readers of a static copy (GitHub, an exported HTML file), where no server
 * runs behind the frame.
 */
export function appFrame(app: AppServer): { [key: symbol]: () => Record<string, string> } {
  const note = `The app runs at ${app.url} while this notebook's kernel runs. ` +
    "In a static copy of the notebook the frame below stays empty: run `deno task app` and open " +
    `http://127.0.0.1:${DEFAULT_PORT}/ instead.`;
  return {
    [Symbol.for("Jupyter.display")]: () => ({
      "text/html": `<p style="color:#555">${note.replace(/`([^`]+)`/g, "<code>$1</code>")}</p>` +
        `<iframe src="${app.url}" width="100%" height="${FRAME_HEIGHT}" style="border:1px solid #ccc;border-radius:6px"` +
        ` title="draw-a-digit app"></iframe>`,
      "text/plain": note,
    }),
  };
}
