/**
 * Test helper: a real Jupyter Notebook server (the classic `jupyter-notebook`,
 * Debian's 6.4) on a free local port, with its own temporary configuration,
 * so a browser test can open notebooks the way a teacher does.
 *
 * Every notebook it serves opens **untrusted**: the notary's signature
 * database is in memory and starts empty, and its secret lives in the temp
 * folder, so neither the user's trust database nor their `~/.jupyter` config
 * plays a part. With `trusted`, those notebooks are signed first with
 * nbformat's notary into a database of the temp folder, and open trusted. The kernel specs stay visible (they live in the data dir).
 *
 * @module
 */
import { join } from "node:path";

/** The classic notebook server's command. */
export const JUPYTER_NOTEBOOK = "jupyter-notebook";
/** How long the server may take to answer its first request. */
const STARTUP_TIMEOUT_MS = 30_000;
/** Pause between readiness probes. */
const PROBE_INTERVAL_MS = 200;

/** A running notebook server. */
export interface NotebookServer {
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** The token every request needs (`?token=`). */
  token: string;
  /** The URL that opens `relativePath` (relative to the served folder) in the notebook UI. */
  notebookUrl(relativePath: string): string;
  /** Stops the server (and any kernel it started) and removes its temp folder. */
  close(): Promise<void>;
}

/** True when Debian's `jupyter-notebook` can be run. */
export async function hasJupyterNotebook(): Promise<boolean> {
  try {
    const output = await new Deno.Command(JUPYTER_NOTEBOOK, { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return output.success;
  } catch {
    return false;
  }
}

/** A TCP port that was free a moment ago (the OS picks it). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Starts `jupyter-notebook` serving `rootDir` and waits until it answers.
 * Throws with the server's log when it does not start.
 */
export async function startNotebookServer(
  rootDir: string,
  options: { trusted?: string[] } = {},
): Promise<NotebookServer> {
  const trusted = options.trusted ?? [];
  const home = await Deno.makeTempDir({ prefix: "jupyter-notebook-test-" });
  const configDir = join(home, "config");
  const runtimeDir = join(home, "runtime");
  const notaryDir = join(home, "notary");
  for (const dir of [configDir, runtimeDir, notaryDir]) await Deno.mkdir(dir, { recursive: true });
  const token = crypto.randomUUID().replaceAll("-", "");
  const port = freePort();
  const config = {
    NotebookApp: {
      ip: "127.0.0.1",
      port,
      port_retries: 0,
      token,
      open_browser: false,
      notebook_dir: rootDir,
      // CI containers run as root, which the server refuses without this
      allow_root: true,
    },
    // an empty, in-memory signature database: every notebook opens untrusted; or one in the temp folder where
    // nbformat's notary signed the notebooks asked for, as a teacher who trusts them does
    NotebookNotary: {
      db_file: trusted.length > 0 ? join(notaryDir, "signatures.db") : ":memory:",
      data_dir: notaryDir,
    },
  };
  await Deno.writeTextFile(join(configDir, "jupyter_notebook_config.json"), JSON.stringify(config, null, 1));
  if (trusted.length > 0) {
    // nbformat's notary, the one the server checks with (Debian ships no `jupyter trust` command)
    const sign = "import sys, nbformat\nfrom nbformat.sign import NotebookNotary\n" +
      "notary = NotebookNotary(db_file=sys.argv[1], data_dir=sys.argv[2])\n" +
      "for path in sys.argv[3:]: notary.sign(nbformat.read(path, as_version=4))\n";
    const signed = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", sign, config.NotebookNotary.db_file, notaryDir, ...trusted.map((path) => join(rootDir, path))],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!signed.success) throw new Error(`signing the notebooks failed:\n${new TextDecoder().decode(signed.stderr)}`);
  }
  const child = new Deno.Command(JUPYTER_NOTEBOOK, {
    args: [],
    cwd: rootDir,
    env: { JUPYTER_CONFIG_DIR: configDir, JUPYTER_RUNTIME_DIR: runtimeDir },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // the server's log is kept in memory and shown only when it fails to start
  const logChunks: Uint8Array[] = [];
  const keep = new WritableStream<Uint8Array>({ write: (chunk) => void logChunks.push(chunk) });
  const keepErr = new WritableStream<Uint8Array>({ write: (chunk) => void logChunks.push(chunk) });
  const copied = Promise.all([child.stdout.pipeTo(keep), child.stderr.pipeTo(keepErr)]).catch(() => {});
  const logText = () => logChunks.map((chunk) => new TextDecoder().decode(chunk)).join("");
  const baseUrl = `http://127.0.0.1:${port}`;
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const close = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
    }
    await status;
    await copied;
    await Deno.remove(home, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (true) {
    if (exited) break;
    try {
      const response = await fetch(`${baseUrl}/api/status?token=${token}`);
      await response.body?.cancel();
      if (response.ok) {
        return {
          baseUrl,
          token,
          notebookUrl: (path) =>
            `${baseUrl}/notebooks/${path.split("/").map(encodeURIComponent).join("/")}?token=${token}`,
          close,
        };
      }
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
  await close().catch(() => {});
  throw new Error(`jupyter-notebook did not start on ${baseUrl} within ${STARTUP_TIMEOUT_MS / 1000} s:\n${logText()}`);
}
