/**
 * Helpers for the end-to-end tests: a real `deno task app` process on a free
 * port with a temporary log and model cache, raw HTTP requests (for headers a
 * fetch would not let us send, and for uploads that stall), and what `/proc`
 * says about a process (its peak memory, its children, the processes that
 * carry a marker in their environment).
 *
 * @module
 */
const REPO_ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);
/** Seconds an app gets to print its address. */
const START_TIMEOUT_MS = 60_000;

/** A running `deno task app`. */
export interface AppProcess {
  /** e.g. `http://127.0.0.1:40123/` */
  url: string;
  port: number;
  /** The pid of the app's own Deno process (the child of `deno task`). */
  pid: number;
  /** Everything the app printed so far (standard output and error). */
  output(): string;
  /** Stops the app (SIGTERM, as Ctrl-C would) and waits for it to exit. */
  stop(): Promise<void>;
}

/** The pids of the direct children of `pid` (Linux). */
export function childPids(pid: number): number[] {
  const pids: number[] = [];
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    const text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`).trim();
    if (text) pids.push(...text.split(/\s+/).map(Number));
  }
  return pids;
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The peak resident memory of a process in bytes (VmHWM). */
export function peakRssBytes(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = status.match(/^VmHWM:\s+(\d+) kB/m);
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Live processes whose environment holds `NAME=value` (Linux), with their command lines. */
export function processesWithEnv(name: string, value: string): { pid: number; command: string }[] {
  const wanted = `${name}=${value}`;
  const found: { pid: number; command: string }[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    try {
      const env = Deno.readTextFileSync(`/proc/${pid}/environ`).split("\0");
      if (!env.includes(wanted) || !isAlive(pid)) continue;
      const command = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").join(" ").trim();
      found.push({ pid, command });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Collects a stream's lines into `sink` as they come; resolves when it ends. */
async function collect(stream: ReadableStream<Uint8Array>, sink: string[], onLine?: (line: string) => void) {
  let pending = "";
  for await (
    const text of stream.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
  ) {
    const parts = (pending + text).split("\n");
    pending = parts.pop()!;
    for (const line of parts) {
      sink.push(line);
      onLine?.(line);
    }
  }
  if (pending) sink.push(pending);
}

/**
 * Starts `deno task app --port 0 ...args` from the repository root and
 * resolves once it prints its address.
 */
export async function startAppProcess(args: string[], env: Record<string, string> = {}): Promise<AppProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "app", "--port", "0", ...args],
    cwd: REPO_ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let resolveUrl: (url: string) => void;
  const urlSeen = new Promise<string>((resolve) => (resolveUrl = resolve));
  const watch = (line: string) => {
    const match = line.match(/Draw-a-digit app: (http:\/\/\S+)/);
    if (match) resolveUrl(match[1]);
  };
  const done = Promise.all([collect(child.stdout, lines, watch), collect(child.stderr, lines, watch)]);
  const status = child.status;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = await Promise.race([
    urlSeen,
    status.then((s) => {
      throw new Error(`the app exited (code ${s.code}) before listening:\n${lines.join("\n")}`);
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the app did not start:\n${lines.join("\n")}`)), START_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  const [pid] = childPids(child.pid);
  return {
    url,
    port: Number(new URL(url).port),
    pid,
    output: () => lines.join("\n"),
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      await status;
      await done;
      if (pid && isAlive(pid)) Deno.kill(pid, "SIGKILL");
    },
  };
}

/** What {@link rawRequest} got back. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` (request line and headers, without the blank line) and `body` over a fresh TCP connection. */
export async function rawRequest(port: number, head: string, body = ""): Promise<RawResponse> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const bytes = new TextEncoder().encode(body);
    await writeAll(connection, new TextEncoder().encode(`${head}\r\ncontent-length: ${bytes.length}\r\n\r\n`));
    await writeAll(connection, bytes);
    return parseResponse(await readAll(connection));
  } finally {
    try {
      connection.close();
    } catch {
      // closed by the server
    }
  }
}

/** Writes all of `bytes`. */
export async function writeAll(connection: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await connection.write(bytes.subarray(written));
}

/** Reads until the server closes the connection or a whole response with its content-length is in. */
export async function readAll(connection: Deno.Conn): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(65536);
  const decoder = new TextDecoder();
  while (true) {
    const n = await connection.read(buffer);
    if (n === null) break;
    chunks.push(buffer.slice(0, n));
    const text = decoder.decode(concat(chunks));
    const end = text.indexOf("\r\n\r\n");
    const length = text.match(/^content-length:\s*(\d+)/im);
    if (end >= 0 && length && new TextEncoder().encode(text.slice(end + 4)).length >= Number(length[1])) break;
  }
  return decoder.decode(concat(chunks));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Splits a raw HTTP/1.1 response into status, headers (lower-case names) and body. */
export function parseResponse(text: string): RawResponse {
  const end = text.indexOf("\r\n\r\n");
  const head = end >= 0 ? text.slice(0, end) : text;
  const [statusLine, ...headerLines] = head.split("\r\n");
  const status = Number(statusLine.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: end >= 0 ? text.slice(end + 4) : "" };
}
