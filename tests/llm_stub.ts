/**
 * A local language-model server for the log report's tests: a real HTTP
 * server speaking the OpenAI-compatible chat completions protocol
 * (`POST /v1/chat/completions`), whose answer is a function of the request.
 *
 * @module
 */

/** One request the stub received. */
export interface StubRequest {
  path: string;
  authorization: string | null;
  /** The parsed JSON body. */
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    temperature?: number;
    max_tokens?: number;
    stream?: boolean;
  };
  /** The body's size in bytes. */
  bytes: number;
}

/** What the stub does with a request: answer text as a completion, or a raw response. */
export type StubBehaviour = (
  request: StubRequest,
  signal: AbortSignal,
) => Promise<string | Response> | string | Response;

/** A running stub. */
export interface ChatStub {
  /** The API's base URL, e.g. `http://127.0.0.1:41234/v1`. */
  baseUrl: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

/** A chat completion answer with `text` as the assistant's message, as OpenAI's API shapes it. */
export function completion(text: string, model = "stub-model"): Response {
  return Response.json({
    id: "chatcmpl-stub",
    object: "chat.completion",
    created: 0,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
}

/** The facts the report sent: the JSON after "Facts (JSON):" in the user message. */
export function factsOf(request: StubRequest): Record<string, unknown> {
  const user = request.body.messages?.find((m) => m.role === "user")?.content ?? "";
  return JSON.parse(user.slice(user.indexOf("{")));
}

/** Waits `ms`, or less when `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** Starts a stub on a free port of 127.0.0.1. */
export function startChatStub(behaviour: StubBehaviour): ChatStub {
  const requests: StubRequest[] = [];
  const closing = new AbortController();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const path = new URL(request.url).pathname;
    if (request.method !== "POST" || path !== "/v1/chat/completions") {
      return Response.json({ error: { message: `no route ${request.method} ${path}` } }, { status: 404 });
    }
    const text = await request.text();
    const received: StubRequest = {
      path,
      authorization: request.headers.get("authorization"),
      body: JSON.parse(text),
      bytes: new TextEncoder().encode(text).length,
    };
    requests.push(received);
    const answer = await behaviour(received, closing.signal);
    return typeof answer === "string" ? completion(answer, received.body.model) : answer;
  });
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    close: async () => {
      closing.abort();
      await server.shutdown();
    },
  };
}
