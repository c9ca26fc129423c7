/**
 * The draw-a-digit web app: a page to draw on and the HTTP API it uses,
 * served by `Deno.serve`.
 *
 * API (every answer is JSON; every error is `{ "error": "what was wrong", "code": "…" }` with a 4xx or 5xx;
 * `error` is English, `code` one of {@link API_ERROR_CODES}):
 *
 * | request | answer |
 * | --- | --- |
 * | `GET /api/models` | the models, their status (idle, queued, loading, training with progress, ready, failed) and any notice, the modes, the limits, where the log is |
 * | `POST /api/models/{name}/prepare` | starts loading (or training) a model; 202 with its status |
 * | `POST /api/predict?model=cnn-5&mode=v3` with a PNG body (`Content-Type: image/png`) | `digit`, `confidence`, `probabilities` (10), `input` (the 28×28 the model saw, 784 values in [0, 1]), `id` of the log entry, and `predictions` (one entry, the same) |
 * | `POST /api/predict?model=mlp-5,cnn-5&mode=v3` (side by side) | the drawing preprocessed once and read by each model named: `predictions`, one per model in the order named, each with `model`, `digit`, `confidence`, `probabilities`, `predictMs`, `id`; `ids`; the top-level `digit`, `confidence`, `probabilities` and `id` are the first model's |
 * | `POST /api/label` with `{"id": "…", "label": 7}` or `{"ids": ["…", "…"], "label": 7}` | records the digit the user meant for logged predictions (every model's answer to one drawing) |
 *
 * Side by side: `model` takes up to every model the app offers, separated by
 * commas, each once (`GET /api/models` lists them and the comparisons the page
 * offers, `sideBySide`). The drawing is decoded and preprocessed once; each
 * model's answer is logged as its own prediction, and the answers to one
 * drawing share a `drawing` id in the log. A model that must still be trained
 * makes the whole request answer 503 (all of them are started).
 *
 * `/api/predict` also takes `log=0` (do not log: the page's live preview) and
 * `steps=1` (add the images of each preprocessing step, at most 280 pixels a
 * side). An empty drawing, a dot or an all-dark image answers 422 "draw a digit
 * first". A model that must still be trained answers 503 with its progress and
 * starts the training; one whose preparation failed answers 503 with the reason.
 * A prediction whose log line cannot be written is still answered, with
 * `logged: false` and `logError`.
 *
 * Languages: the page speaks English and Korean (`static/strings.js`): the
 * one a `?lang=en|ko` in its address names, else the one its 한국어 / English
 * switch last chose (remembered by the browser), else the first of the
 * browser's languages it speaks, else English. The API's `error` stays
 * English whatever the request's `Accept-Language`, one wording for every
 * client (scripts, logs, tests), and every error also carries a stable `code`
 * ({@link API_ERROR_CODES}) that the page turns into a message in its own
 * language; what only the system can say (why a model failed, an
 * operating-system error) is passed on as written, and a model's `notice` is
 * in the server's language (`MNIST_LANG`). For the page's choices,
 * `GET /api/models` gives each text it shows in both languages beside the
 * English field: `labelByLanguage` and `descriptionByLanguage` of a model,
 * `descriptionByLanguage` of a mode, `labelByLanguage` of a side-by-side view,
 * `backendByLanguage`. The page's font, Pretendard (Hangul and Latin), is
 * served by the app (`/fonts/`), so Hangul shows on a machine without a Korean font.
 *
 * Who may call it (see `origin.ts`): requests whose `Host` is one of the app's
 * addresses and whose `Origin`, if any, is the app's own page; the label
 * endpoint takes `application/json` only, so no web page can post to it
 * without the browser asking the app first. Bodies must arrive within
 * {@link DEFAULT_BODY_TIMEOUT_MS}; at most {@link MAX_CONCURRENT_IMAGES}
 * drawings are decoded at a time, the next {@link MAX_WAITING_IMAGES} wait,
 * and more are answered 503.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { relative } from "node:path";
import {
  BOX_FILTER,
  checkMode,
  type GreyImage,
  MODE_DESCRIPTIONS,
  MODE_DESCRIPTIONS_KO,
  preprocess,
  PREPROCESS_MODES,
  resample,
} from "../draw/preprocess.ts";
import { decodePng, ImageInputError, MAX_PNG_BYTES, MAX_PNG_PIXELS, MAX_PNG_SIDE } from "../draw/png.ts";
import { drawingProblem } from "../draw/ink.ts";
import {
  APP_MODEL_LABELS,
  APP_MODEL_LABELS_KO,
  type AppModelName,
  BEST_APP_MODEL,
  checkModelName,
  checkModelNames,
  DEFAULT_APP_MODEL,
  type ModelInfo,
  ModelRegistry,
  predictDigit,
  SIDE_BY_SIDE,
} from "./models.ts";
import { inputToGreyLevels, PredictionLog } from "./log.ts";
import { BusyError, Limiter } from "./limiter.ts";
import { type OriginPolicy, originPolicy, refusal } from "./origin.ts";
import type { TrainingDisplay } from "../display/training.ts";
import { backendSummary } from "../tf.ts";
import { repoRoot } from "../fsutil.ts";
import { type Language, language, tr, withLanguage } from "../i18n.ts";
import { COURSE_FONT_FILES } from "../plots/font.ts";

/** Port of `deno task app` unless `--port` says otherwise. */
export const DEFAULT_PORT = 8000;
/** Interface the app listens on: this machine only. */
export const DEFAULT_HOST = "127.0.0.1";
/** The preprocessing a request gets when it names none. */
export const DEFAULT_MODE = "v3";
/** How long a request body may take to arrive (a 2 MiB drawing at 100 KiB/s takes 20 s). */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
/** Drawings decoded and preprocessed at once: each may take tens of MB (4 megapixels, RGBA, copies). */
export const MAX_CONCURRENT_IMAGES = 2;
/** Drawings that may wait for their turn; more are answered 503 at once. */
export const MAX_WAITING_IMAGES = 64;
/** The largest side of a preprocessing step image in an answer (the page's canvas is 280 pixels). */
export const MAX_STEP_IMAGE_SIDE = 280;
/** Largest JSON body `/api/label` reads. */
const MAX_JSON_BYTES = 4096;
/** Decimals of the probabilities and input values in answers (enough for a chart, short on the wire). */
const ANSWER_DECIMALS = 5;
/** Seconds a client is asked to wait before trying again after a 503. */
const RETRY_AFTER_S = 5;
/** Query values that switch a flag (`log`, `steps`) on or off. */
const FLAG_VALUES: Record<string, boolean> = {
  "1": true,
  true: true,
  yes: true,
  on: true,
  "0": false,
  false: false,
  no: false,
  off: false,
};

/**
 * Every `code` an error answer may carry (the codes of `png.ts`, `ink.ts` and
 * `origin.ts` are passed on, so the type checker holds them to this list). The
 * page has a message for each in every language it speaks (`static/strings.js`;
 * a test checks), so a new one is added here and there.
 */
export const API_ERROR_CODES = [
  "bad_label",
  "bad_parameter",
  "bad_path",
  "body_aborted",
  "body_timeout",
  "busy",
  "empty_body",
  "empty_drawing",
  "forbidden_host",
  "forbidden_origin",
  "internal_error",
  "log_unavailable",
  "logging_off",
  "malformed_json",
  "malformed_png",
  "method_not_allowed",
  "model_failed",
  "model_not_ready",
  "not_found",
  "not_png",
  "starting",
  "too_many_bytes",
  "too_many_pixels",
  "too_much_ink",
  "unknown_mode",
  "unknown_model",
  "unknown_prediction",
  "wrong_content_type",
] as const;
/** One of {@link API_ERROR_CODES}. */
export type ApiErrorCode = typeof API_ERROR_CODES[number];

const STATIC_DIR = new URL("./static/", import.meta.url);
/** How long a browser may keep the fonts without asking again (they change only with the repository). */
const FONT_CACHE_CONTROL = "max-age=86400";
const STATIC_FILES: Record<string, { file: URL; type: string; cache?: string }> = {
  "/": { file: new URL("index.html", STATIC_DIR), type: "text/html; charset=utf-8" },
  "/index.html": { file: new URL("index.html", STATIC_DIR), type: "text/html; charset=utf-8" },
  "/app.js": { file: new URL("app.js", STATIC_DIR), type: "text/javascript; charset=utf-8" },
  "/strings.js": { file: new URL("strings.js", STATIC_DIR), type: "text/javascript; charset=utf-8" },
  "/style.css": { file: new URL("style.css", STATIC_DIR), type: "text/css; charset=utf-8" },
  // the course's font (the figures' one), so Hangul shows where the system has no Korean font
  "/fonts/Pretendard-Regular.otf": { file: COURSE_FONT_FILES.regular, type: "font/otf", cache: FONT_CACHE_CONTROL },
  "/fonts/Pretendard-Bold.otf": { file: COURSE_FONT_FILES.bold, type: "font/otf", cache: FONT_CACHE_CONTROL },
};

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Port to listen on (default 8000; 0 picks a free one). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** The prediction log file (default `data/logs/predictions.jsonl`). */
  logPath?: string;
  /** Keep the prediction log (default true); `false` logs nothing at all. */
  logging?: boolean;
  /** The log's size cap in bytes (default `MAX_LOG_BYTES` of `log.ts`). */
  logMaxBytes?: number;
  /** Model cache folder (default `data/models/`). */
  cacheDir?: string;
  /** Quick mode: tiny models for tests and dry runs (default: `MNIST_QUICK`). */
  quick?: boolean;
  /** Largest PNG accepted, in bytes (default {@link MAX_PNG_BYTES}). */
  maxBodyBytes?: number;
  /** How long a request body may take to arrive, in milliseconds (default {@link DEFAULT_BODY_TIMEOUT_MS}). */
  bodyTimeoutMs?: number;
  /** Models to load (or train) as soon as the server starts. */
  warm?: AppModelName[];
  /** Where each model's training progress goes besides the page (e.g. `terminalTrainingDisplay`). */
  display?: (name: AppModelName) => TrainingDisplay;
  /** Where notices and failures are printed (default: standard error). */
  log?: (line: string) => void;
  /** A registry to share (tests); one is created otherwise. */
  registry?: ModelRegistry;
}

/** A running app. */
export interface AppServer {
  /** e.g. `http://127.0.0.1:8000/` */
  url: string;
  port: number;
  registry: ModelRegistry;
  /** The prediction log (written only when logging is on). */
  log: PredictionLog;
  /** Stops listening and frees the models. */
  shutdown(): Promise<void>;
}

/** An error a client caused, with the status and code it answers with. */
class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: object = {},
    readonly headers: Record<string, string> = {},
  ) {
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

/** Fails with 405 (and the methods that are allowed) unless the request uses one of `methods`. */
function allowMethods(request: Request, path: string, methods: string[]): void {
  if (methods.includes(request.method)) return;
  throw new RequestError(405, "method_not_allowed", `use ${methods.join(" or ")} for ${path}`, {}, {
    allow: methods.join(", "),
  });
}

/** The media type of a request body, lower case, without parameters. */
function mediaType(request: Request): string {
  return (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
}

/** A yes/no query parameter, or its default when absent; anything else is a 400. */
function flag(url: URL, name: string, fallback: boolean): boolean {
  const value = url.searchParams.get(name);
  if (value === null) return fallback;
  const parsed = FLAG_VALUES[value.toLowerCase()];
  if (parsed === undefined) {
    throw new RequestError(400, "bad_parameter", `${name}=${value} is not understood; use ${name}=1 or ${name}=0`);
  }
  return parsed;
}

/**
 * Reads a request body, refusing it as soon as it passes `limit` bytes, and
 * when it has not arrived within `timeoutMs` (an upload that stalls would
 * otherwise hold its connection open for ever).
 */
async function readBody(request: Request, limit: number, timeoutMs: number, what: string): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  const tooLarge = (size: string) =>
    new RequestError(413, "too_many_bytes", `the body is ${size} bytes; the limit is ${limit} bytes (${what})`);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(String(declared));
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new RequestError(
          408,
          "body_timeout",
          `the body did not arrive within ${timeoutMs / 1000} s; send the request again`,
          {},
          { connection: "close" },
        ),
      );
    }, timeoutMs);
  });
  try {
    while (true) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) break;
      total += value.length;
      if (total > limit) throw tooLarge(`over ${limit}`);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (error instanceof RequestError) throw error;
    throw new RequestError(400, "body_aborted", `the body could not be read: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
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

/** A step image as the answer carries it: at most {@link MAX_STEP_IMAGE_SIDE} a side (area-averaged), base64. */
function imageForAnswer(image: GreyImage) {
  const side = Math.max(image.width, image.height);
  const shown = side <= MAX_STEP_IMAGE_SIDE ? image : resample(
    image,
    Math.max(1, Math.round((image.width * MAX_STEP_IMAGE_SIDE) / side)),
    Math.max(1, Math.round((image.height * MAX_STEP_IMAGE_SIDE) / side)),
    BOX_FILTER,
  );
  return { width: shown.width, height: shown.height, data: Buffer.from(shown.data).toString("base64") };
}

/** Most predictions one label request may name: one drawing read by every model. */
const MAX_LABEL_IDS = 8;

/** The prediction ids a label request names: `"id": "…"` or `"ids": ["…", …]`. */
function labelIds(value: { id?: unknown; ids?: unknown }): string[] {
  if ("id" in value && "ids" in value) {
    throw new RequestError(400, "malformed_json", 'give either "id" or "ids", not both');
  }
  const ids = "ids" in value ? value.ids : [value.id];
  if (
    !Array.isArray(ids) || ids.length === 0 || ids.length > MAX_LABEL_IDS ||
    !ids.every((id) => typeof id === "string" && id !== "")
  ) {
    throw new RequestError(
      400,
      "malformed_json",
      `the body needs a string "id" of a logged prediction, or "ids": a list of 1 to ${MAX_LABEL_IDS} of them`,
    );
  }
  return ids;
}

/** A path as the page shows it: relative to the repository when inside it. */
function shownPath(path: string): string {
  const inside = relative(repoRoot(), path);
  return inside && !inside.startsWith("..") ? inside : path;
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
  const print = options.log ?? ((line: string) => console.error(line));
  const registry = options.registry ??
    new ModelRegistry({ cacheDir: options.cacheDir, quick: options.quick, display: options.display, log: print });
  const logging = options.logging ?? true;
  const log = new PredictionLog(options.logPath, { maxBytes: options.logMaxBytes });
  if (logging) await log.open();
  const maxBodyBytes = options.maxBodyBytes ?? MAX_PNG_BYTES;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const images = new Limiter(MAX_CONCURRENT_IMAGES, MAX_WAITING_IMAGES);
  let policy: OriginPolicy | null = null;

  async function modelFor(name: AppModelName) {
    const ready = registry.ready(name);
    if (ready) return ready;
    registry.prepare(name).catch(() => {}); // starts it, or joins the preparation under way
    const info: ModelInfo = await registry.settled(name);
    const model = registry.ready(name);
    if (info.status === "ready" && model) return model;
    if (info.status === "failed") {
      throw new RequestError(
        503,
        "model_failed",
        `model '${name}' could not be prepared: ${info.error}; fix that and predict again (the app tries again)`,
        { model: info },
      );
    }
    const progress = info.progress ? ` (epoch ${info.progress.epoch}/${info.progress.epochs})` : "";
    const state = info.status === "queued"
      ? "waits for another model's training to finish"
      : `is not trained yet and is being trained now${progress}`;
    throw new RequestError(
      503,
      "model_not_ready",
      `model '${name}' ${state}${info.notice ? ` (${info.notice})` : ""}; ` +
        `try again when GET /api/models says it is ready`,
      { model: info },
    );
  }

  /** Decodes and preprocesses a drawing, a bounded number at a time. */
  async function prepareDrawing(body: Uint8Array, mode: ReturnType<typeof checkMode>, withSteps: boolean) {
    try {
      return await images.run(async () => {
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
        const steps = withSteps
          ? Object.fromEntries(Object.entries(prepared.steps).map(([k, v]) => [k, imageForAnswer(v)]))
          : undefined;
        return { prepared, preprocessMs, steps, problem: drawingProblem(prepared.steps.inverted, prepared.box) };
      });
    } catch (error) {
      if (error instanceof BusyError) {
        throw new RequestError(503, "busy", error.message, {}, { "retry-after": "1" });
      }
      throw error;
    }
  }

  async function predict(request: Request, url: URL): Promise<Response> {
    allowMethods(request, "/api/predict", ["POST"]);
    let models: AppModelName[];
    let mode;
    try {
      models = checkModelNames(url.searchParams.get("model") ?? DEFAULT_APP_MODEL);
    } catch (error) {
      throw new RequestError(400, "unknown_model", (error as Error).message);
    }
    try {
      mode = checkMode(url.searchParams.get("mode") ?? DEFAULT_MODE);
    } catch (error) {
      throw new RequestError(400, "unknown_mode", (error as Error).message);
    }
    const shouldLog = flag(url, "log", true);
    const withSteps = flag(url, "steps", false);
    const contentType = mediaType(request);
    if (contentType !== "image/png") {
      throw new RequestError(
        415,
        "wrong_content_type",
        `the body must be a PNG image with Content-Type: image/png, got ${contentType ? `'${contentType}'` : "none"}`,
      );
    }
    const body = await readBody(request, maxBodyBytes, bodyTimeoutMs, "send a smaller PNG, e.g. 280x280");
    const { prepared, preprocessMs, steps, problem } = await prepareDrawing(body, mode, withSteps);
    if (problem) throw new RequestError(422, problem.code, problem.message, { empty: true, steps });
    // every model named starts loading (or training) at once; the first one not ready answers for all
    for (const name of models) if (!registry.ready(name)) registry.prepare(name).catch(() => {});
    const networks = [];
    for (const name of models) networks.push(await modelFor(name));
    const drawing = models.length > 1 ? crypto.randomUUID() : undefined;
    const time = new Date().toISOString();
    const input = shouldLog && logging ? inputToGreyLevels(prepared.input) : [];
    const predictions = [];
    for (const [i, name] of models.entries()) {
      const predictStarted = performance.now();
      const prediction = predictDigit(networks[i], prepared.input);
      const predictMs = performance.now() - predictStarted;
      const id = crypto.randomUUID();
      let logged = false;
      let logError: string | undefined;
      if (shouldLog && logging) {
        try {
          await log.appendPrediction({
            id,
            time,
            model: name,
            mode,
            digit: prediction.digit,
            confidence: prediction.confidence,
            probabilities: prediction.probabilities,
            input,
            ...(drawing ? { drawing } : {}),
          });
          logged = true;
        } catch (error) {
          // the prediction is still good: answer it, and say it was not kept
          logError = `the prediction was not logged: writing ${log.path} failed: ${(error as Error).message}`;
          print(`app: ${logError}`);
        }
      }
      const notice = registry.info(name).notice;
      predictions.push({
        model: name,
        id: logged ? id : null,
        logged,
        ...(logError ? { logError } : {}),
        digit: prediction.digit,
        confidence: round(prediction.confidence),
        probabilities: prediction.probabilities.map(round),
        predictMs: round(predictMs),
        ...(notice ? { notice } : {}),
      });
    }
    const first = predictions[0];
    const logError = predictions.find((p) => p.logError)?.logError;
    const notice = predictions.find((p) => p.notice)?.notice;
    return json({
      id: first.id,
      ids: predictions.map((p) => p.id).filter((id) => id !== null),
      logged: predictions.every((p) => p.logged),
      ...(logError ? { logError } : {}),
      model: first.model,
      models,
      mode,
      empty: false,
      digit: first.digit,
      confidence: first.confidence,
      probabilities: first.probabilities,
      predictions,
      input: Array.from(prepared.input, round),
      inputShape: [28, 28],
      box: prepared.box,
      timing: {
        preprocessMs: round(preprocessMs),
        predictMs: round(predictions.reduce((sum, p) => sum + p.predictMs, 0)),
      },
      ...(notice ? { notice } : {}),
      steps,
    });
  }

  async function label(request: Request): Promise<Response> {
    allowMethods(request, "/api/label", ["POST"]);
    if (mediaType(request) !== "application/json") {
      throw new RequestError(
        415,
        "wrong_content_type",
        `the body must be JSON with Content-Type: application/json, like {"id": "…", "label": 7}`,
      );
    }
    const text = new TextDecoder().decode(
      await readBody(
        request,
        MAX_JSON_BYTES,
        bodyTimeoutMs,
        'a label is a small JSON object like {"id": "…", "label": 7}',
      ),
    );
    let value: { id?: unknown; ids?: unknown; label?: unknown };
    try {
      value = JSON.parse(text);
    } catch {
      throw new RequestError(400, "malformed_json", 'the body must be JSON like {"id": "…", "label": 7}');
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      throw new RequestError(400, "malformed_json", 'the body must be a JSON object like {"id": "…", "label": 7}');
    }
    const ids = labelIds(value);
    const digit = value.label;
    if (typeof digit !== "number" || !Number.isInteger(digit) || digit < 0 || digit > 9) {
      throw new RequestError(400, "bad_label", `"label" must be a digit 0-9, got ${JSON.stringify(digit)}`);
    }
    if (!logging) {
      throw new RequestError(409, "logging_off", "the app runs with --no-log: it keeps no predictions to label");
    }
    const unknown = ids.find((id) => !log.has(id));
    if (unknown !== undefined) {
      throw new RequestError(404, "unknown_prediction", `no logged prediction has id '${unknown}'`);
    }
    try {
      for (const id of ids) await log.appendLabel(id, digit);
    } catch (error) {
      print(`app: a label could not be logged to ${log.path}: ${(error as Error).message}`);
      throw new RequestError(
        503,
        "log_unavailable",
        `the label was not logged: writing the log failed: ${(error as Error).message}`,
      );
    }
    return json({ ok: true, ...("ids" in value ? { ids } : { id: ids[0] }), label: digit });
  }

  function models(): Response {
    return json({
      models: registry.list(),
      defaultModel: DEFAULT_APP_MODEL,
      bestModel: BEST_APP_MODEL,
      sideBySide: SIDE_BY_SIDE.map((list) => ({
        models: list,
        value: list.join(","),
        label: list.map((name) => APP_MODEL_LABELS[name]).join(" | "),
        labelByLanguage: {
          en: list.map((name) => APP_MODEL_LABELS[name]).join(" | "),
          ko: list.map((name) => APP_MODEL_LABELS_KO[name]).join(" | "),
        },
      })),
      modes: PREPROCESS_MODES.map((name) => ({
        name,
        description: MODE_DESCRIPTIONS[name],
        descriptionByLanguage: { en: MODE_DESCRIPTIONS[name], ko: MODE_DESCRIPTIONS_KO[name] },
      })),
      defaultMode: DEFAULT_MODE,
      quick: registry.quick,
      backend: backendSummary(),
      backendByLanguage: { en: withLanguage("en", backendSummary), ko: withLanguage("ko", backendSummary) },
      limits: { maxBytes: maxBodyBytes, maxSide: MAX_PNG_SIDE, maxPixels: MAX_PNG_PIXELS },
      log: {
        enabled: logging,
        path: log.path,
        shownPath: shownPath(log.path),
        rotatedPath: log.rotatedPath,
        maxBytes: log.maxBytes,
      },
    });
  }

  function prepareModel(request: Request, name: string): Response {
    allowMethods(request, `/api/models/${name}/prepare`, ["POST"]);
    let model: AppModelName;
    try {
      model = checkModelName(name);
    } catch (error) {
      throw new RequestError(404, "unknown_model", (error as Error).message);
    }
    registry.prepare(model).catch(() => {});
    return json({ model: registry.info(model) }, 202);
  }

  async function staticFile(request: Request, path: string): Promise<Response | null> {
    const entry = STATIC_FILES[path];
    if (!entry) return null;
    allowMethods(request, path, ["GET", "HEAD"]);
    const body = await Deno.readFile(entry.file);
    const headers = { "content-type": entry.type, "cache-control": entry.cache ?? "no-cache" };
    return new Response(request.method === "HEAD" ? null : body, { headers });
  }

  async function route(request: Request, url: URL): Promise<Response> {
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      throw new RequestError(400, "bad_path", `the path ${url.pathname} has a malformed percent-escape`);
    }
    if (path === "/api/predict") return await predict(request, url);
    if (path === "/api/label") return await label(request);
    if (path === "/api/models") {
      allowMethods(request, path, ["GET", "HEAD"]);
      const answer = models();
      return request.method === "HEAD" ? new Response(null, { headers: answer.headers }) : answer;
    }
    const prepareMatch = path.match(/^\/api\/models\/([^/]+)\/prepare$/);
    if (prepareMatch) return prepareModel(request, prepareMatch[1]);
    if (path === "/favicon.ico") {
      allowMethods(request, path, ["GET", "HEAD"]);
      return new Response(null, { status: 204 });
    }
    const file = await staticFile(request, path);
    if (file) return file;
    throw new RequestError(404, "not_found", `nothing at ${request.method} ${url.pathname}; the API is under /api/`);
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (!policy) throw new RequestError(503, "starting", "the app is starting; try again in a moment");
      const refused = refusal(request, policy);
      if (refused) throw new RequestError(403, refused.code, refused.message);
      return await route(request, url);
    } catch (error) {
      if (error instanceof RequestError) {
        const headers: Record<string, string> = error.status === 503
          ? { "retry-after": String(RETRY_AFTER_S), ...error.headers }
          : error.headers;
        return json({ error: error.message, code: error.code, ...error.extra }, error.status, headers);
      }
      print(`app: ${request.method} ${url.pathname} failed: ${(error as Error).stack ?? error}`);
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
  policy = originPolicy(hostname, addr.port);
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

/** Options of {@link appFrame}. */
export interface AppFrameOptions {
  /** The page's language (default: the course's, `setLanguage` or `MNIST_LANG`), so it matches the notebook's prose. */
  language?: Language;
}

/** The page's address in one language: `?lang=` overrides the browser's languages and the page's remembered switch. */
export function appPageUrl(app: AppServer | string, lang: Language): string {
  const url = new URL(typeof app === "string" ? app : app.url);
  url.searchParams.set("lang", lang);
  return url.href;
}

/**
 * The running app shown inside a notebook (an iframe), in the notebook's
 * language, with a note for readers of a static copy (GitHub, an exported
 * HTML file), where no server runs behind the frame.
 */
export function appFrame(
  app: AppServer,
  options: AppFrameOptions = {},
): { [key: symbol]: () => Record<string, string> } {
  const lang = options.language ?? language();
  const note = withLanguage(lang, () =>
    tr({
      en: `The app runs at ${app.url} while this notebook's kernel runs. ` +
        "In a static copy of the notebook the frame below stays empty: run `deno task app` and open " +
        `http://127.0.0.1:${DEFAULT_PORT}/ instead.`,
      ko: `이 노트북의 커널이 실행되는 동안 앱은 ${app.url} 에서 실행됩니다. ` +
        "노트북의 정적 사본에서는 아래 틀이 비어 있습니다. 그럴 때는 `deno task app`을 실행하고 " +
        `http://127.0.0.1:${DEFAULT_PORT}/ 주소를 여세요.`,
    }));
  const title = withLanguage(lang, () => tr({ en: "draw-a-digit app", ko: "숫자 그리기 앱" }));
  return {
    [Symbol.for("Jupyter.display")]: () => ({
      "text/html": `<p style="color:#555">${note.replace(/`([^`]+)`/g, "<code>$1</code>")}</p>` +
        `<iframe src="${appPageUrl(app, lang)}" width="100%" height="${FRAME_HEIGHT}" ` +
        `style="border:1px solid #ccc;border-radius:6px" title="${title}"></iframe>`,
      "text/plain": note,
    }),
  };
}
