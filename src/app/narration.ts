/**
 * An optional narration of the log report by a language model, as source 001
 * had an LLM write its analysis of the prediction log.
 *
 * It speaks the OpenAI-compatible chat completions API
 * (`POST {base}/chat/completions`), which Ollama, llama.cpp's `llama-server`,
 * vLLM and LM Studio all serve, configured by environment variables:
 *
 * | variable | meaning |
 * | --- | --- |
 * | `MNIST_LLM_BASE_URL` | the API's base, e.g. `http://localhost:11434/v1` (Ollama); unset: no narration |
 * | `MNIST_LLM_MODEL` | the model to ask, e.g. `llama3.2` (any name for a server with one model) |
 * | `MNIST_LLM_API_KEY` | sent as `Authorization: Bearer …` when set |
 * | `MNIST_LLM_TIMEOUT_S` | how long to wait for the answer, in seconds (default {@link DEFAULT_TIMEOUT_S}) |
 *
 * The model is given only the report's facts (`log_facts.ts`: numbers, model
 * and mode names, no images, no log lines). Its answer is checked with
 * `number_check.ts`: a narration that writes a number the facts do not hold
 * is **rejected** (left out of the report, which names the numbers), not
 * shown with a warning, because a reader skims past warnings. Every other
 * outcome (not configured, no answer in time, an error) leaves the report
 * complete without a narration and says why in one line.
 *
 * @module
 */
import { checkNumbers, type WrittenNumber } from "./number_check.ts";

/** The environment variables that configure the narration. */
export const LLM_ENV = {
  baseUrl: "MNIST_LLM_BASE_URL",
  model: "MNIST_LLM_MODEL",
  apiKey: "MNIST_LLM_API_KEY",
  timeout: "MNIST_LLM_TIMEOUT_S",
} as const;
/** How long the narration may take by default: a local model on a CPU writes a few words a second (2 minutes). */
export const DEFAULT_TIMEOUT_S = 120;
/** The most tokens the model may write (about 500 words). */
export const MAX_NARRATION_TOKENS = 700;
/** The most bytes of an answer read (an answer of about 700 tokens is a few KB). */
const MAX_RESPONSE_BYTES = 1024 * 1024;
/** Characters of an error answer quoted in a message. */
const ERROR_SNIPPET_CHARS = 200;

/** The base URLs of the usual local servers, for the help text and the report. */
export const EXAMPLE_ENDPOINTS = [
  ["Ollama", "http://localhost:11434/v1"],
  ["llama.cpp (llama-server)", "http://localhost:8080/v1"],
  ["vLLM", "http://localhost:8000/v1"],
  ["LM Studio", "http://localhost:1234/v1"],
] as const;

/** How to turn the narration on, in one paragraph (Markdown). */
export const HOW_TO_TURN_ON =
  `Set \`${LLM_ENV.baseUrl}\` to the base URL of an OpenAI-compatible chat completions API (` +
  EXAMPLE_ENDPOINTS.map(([name, url]) => `${name}: \`${url}\``).join(", ") +
  `), \`${LLM_ENV.model}\` to the model to ask (e.g. \`llama3.2\`), \`${LLM_ENV.apiKey}\` if the server wants a key, ` +
  `and run \`deno task log-report\` again (\`${LLM_ENV.timeout}\` sets how long it may take, default ` +
  `${DEFAULT_TIMEOUT_S} s).`;

/** Where and what to ask. */
export interface NarrationConfig {
  /** The API's base URL, e.g. `http://localhost:11434/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
}

/** How a narration attempt ended. */
export type NarrationStatus =
  /** Not configured: no base URL. */
  | "off"
  /** Configured wrongly (a variable missing or malformed). */
  | "misconfigured"
  /** Not asked for (`--no-narration`, or an empty log). */
  | "skipped"
  /** Written, and every number checked. */
  | "ok"
  /** Written with a number the facts do not hold: left out. */
  | "rejected"
  /** No answer within the timeout. */
  | "timeout"
  /** Unreachable, an HTTP error, or an answer that is not a chat completion. */
  | "failed";

/** The outcome of {@link narrate}. */
export interface NarrationResult {
  status: NarrationStatus;
  /** One line for the terminal and the report: what happened. */
  message: string;
  /** The narration (only when `status` is `"ok"`). */
  text?: string;
  /** The model asked, and the endpoint without credentials (when one was asked). */
  model?: string;
  endpoint?: string;
  /** The numbers that made a narration `"rejected"`. */
  unsupported?: WrittenNumber[];
  /** Seconds the request took (when one was made). */
  seconds?: number;
}

/** What the model is told: the task and the rules its numbers are checked against. */
export const SYSTEM_PROMPT = [
  "You write a short analysis of the prediction log of a handwritten-digit app for a student of machine learning.",
  "You are given only a JSON object of facts computed from the log.",
  "Write three short paragraphs of plain prose (no headings, lists, tables or code): how accurate the models were",
  "and on which digits, which digits they confused, whether their confidence matched their accuracy, and how",
  "often the models agreed when both read the same drawing. Say where the data are too few to conclude.",
  "Use only numbers that appear in the facts, as they are or rounded to fewer decimals, and write them as digits.",
  "Never compute a new number (no differences, sums or ratios of your own); if a number is not in the facts,",
  "describe it in words instead. Stay under 250 words.",
].join(" ");

/** An endpoint as shown in a report: without a user name, password, query or fragment. */
export function shownEndpoint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(not a URL)";
  }
}

/**
 * The narration's configuration from the environment, or why there is none.
 *
 * @param getEnv reads a variable (default `Deno.env.get`)
 */
export function narrationConfig(
  getEnv: (name: string) => string | undefined = (name) => Deno.env.get(name),
): NarrationConfig | { status: "off" | "misconfigured"; message: string } {
  const baseUrl = getEnv(LLM_ENV.baseUrl)?.trim();
  if (!baseUrl) {
    return { status: "off", message: `no language model is configured (${LLM_ENV.baseUrl} is not set)` };
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return {
      status: "misconfigured",
      message: `${LLM_ENV.baseUrl} is not a URL; give the API's base, e.g. ${EXAMPLE_ENDPOINTS[0][1]}`,
    };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { status: "misconfigured", message: `${LLM_ENV.baseUrl} must be an http:// or https:// URL` };
  }
  const model = getEnv(LLM_ENV.model)?.trim();
  if (!model) {
    return {
      status: "misconfigured",
      message: `${LLM_ENV.baseUrl} is set but ${LLM_ENV.model} is not; name the model to ask (e.g. llama3.2; ` +
        "any name for a server that serves one model)",
    };
  }
  const timeoutText = getEnv(LLM_ENV.timeout)?.trim();
  const timeoutSeconds = timeoutText ? Number(timeoutText) : DEFAULT_TIMEOUT_S;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    return {
      status: "misconfigured",
      message: `${LLM_ENV.timeout} must be a number of seconds above 0, got '${timeoutText}'`,
    };
  }
  const apiKey = getEnv(LLM_ENV.apiKey)?.trim() || undefined;
  return { baseUrl: baseUrl.replace(/\/+$/, ""), model, apiKey, timeoutMs: Math.round(timeoutSeconds * 1000) };
}

/** Reads at most `limit` bytes of a body as text; rejects when it is longer. */
async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new Error(`the answer is longer than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

/** The text of a chat completion, without a reasoning model's `<think>` part; `null` when it has none. */
export function completionText(answer: unknown): string | null {
  const choice = (answer as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0];
  const content = choice?.message?.content;
  if (typeof content !== "string") return null;
  const text = content.replace(/<think>[\s\S]*?<\/think>/g, "").trim();
  return text === "" ? null : text;
}

/** The wait for the answer ran out. */
class Timeout extends Error {}
/** The server answered, but its answer could not be read (too long, cut off). */
class AnswerError extends Error {}

/**
 * Asks the model to narrate `facts` and checks its numbers against them.
 * Never throws: every failure is a {@link NarrationResult} saying what happened.
 */
export async function narrate(facts: unknown, config: NarrationConfig): Promise<NarrationResult> {
  const endpoint = shownEndpoint(`${config.baseUrl}/chat/completions`);
  const base = { model: config.model, endpoint };
  const seconds = config.timeoutMs / 1000;
  const started = performance.now();
  const elapsed = () => Number(((performance.now() - started) / 1000).toFixed(1));
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Timeout());
    }, config.timeoutMs);
  });
  const request = async () => {
    const response = await fetch(`${config.baseUrl}/chat/completions`, {
      method: "POST",
      signal: controller.signal,
      headers: {
        "content-type": "application/json",
        ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: config.model,
        messages: [
          { role: "system", content: SYSTEM_PROMPT },
          { role: "user", content: `Facts (JSON):\n${JSON.stringify(facts)}` },
        ],
        temperature: 0,
        max_tokens: MAX_NARRATION_TOKENS,
        stream: false,
      }),
    });
    try {
      return { status: response.status, ok: response.ok, body: await readLimited(response, MAX_RESPONSE_BYTES) };
    } catch (error) {
      if (controller.signal.aborted) throw error;
      throw new AnswerError(`reading the answer of ${endpoint} failed: ${(error as Error).message}`);
    }
  };
  let answer: { status: number; ok: boolean; body: string };
  try {
    answer = await Promise.race([request(), deadline]);
  } catch (error) {
    if (error instanceof Timeout) {
      return {
        status: "timeout",
        message: `the language model at ${endpoint} did not answer within ${seconds} s (${LLM_ENV.timeout}); ` +
          "the report is complete without its narration",
        seconds: elapsed(),
        ...base,
      };
    }
    return {
      status: "failed",
      message: error instanceof AnswerError
        ? error.message
        : `could not reach the language model at ${endpoint}: ${(error as Error).message}`,
      seconds: elapsed(),
      ...base,
    };
  } finally {
    clearTimeout(timer);
  }
  if (!answer.ok) {
    return {
      status: "failed",
      message: `the language model at ${endpoint} answered HTTP ${answer.status}: ` +
        answer.body.slice(0, ERROR_SNIPPET_CHARS).replace(/\s+/g, " ").trim(),
      seconds: elapsed(),
      ...base,
    };
  }
  let text: string | null = null;
  try {
    text = completionText(JSON.parse(answer.body));
  } catch {
    // not JSON: said below
  }
  if (text === null) {
    return {
      status: "failed",
      message: `the answer of ${endpoint} is not a chat completion with text (choices[0].message.content)`,
      seconds: elapsed(),
      ...base,
    };
  }
  const check = checkNumbers(text, facts);
  if (!check.ok) {
    return {
      status: "rejected",
      message: `the narration was rejected: it writes ${check.unsupported.length} number` +
        `${check.unsupported.length === 1 ? "" : "s"} that the facts do not hold (` +
        check.unsupported.map((n) => n.text).join(", ") + ")",
      unsupported: check.unsupported,
      seconds: elapsed(),
      ...base,
    };
  }
  return {
    status: "ok",
    message:
      `narrated by ${config.model} at ${endpoint} in ${elapsed().toFixed(1)} s; its ${check.numbers.length} numbers ` +
      "all match the facts",
    text,
    seconds: elapsed(),
    ...base,
  };
}
