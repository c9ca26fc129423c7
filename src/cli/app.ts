/**
 * `deno task app`: the draw-a-digit web app.
 *
 * ```sh
 * deno task app                 # http://127.0.0.1:8000/
 * deno task app --port 8080     # another port (0: any free one)
 * deno task app --host 0.0.0.0  # reachable from other machines (mind: no authentication)
 * deno task app --no-log        # keep no prediction log at all
 * MNIST_QUICK=1 deno task app   # models trained on quick mode's slices, in seconds (a dry run)
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from "../app/server.ts";
import { DEFAULT_APP_MODEL } from "../app/models.ts";
import { defaultLogPath, MAX_LOG_BYTES, rotatedLogPath } from "../app/log.ts";
import { terminalTrainingDisplay } from "../display/training.ts";
import { backendSummary } from "../tf.ts";

const USAGE = `usage: deno task app [--port N] [--host ADDRESS] [--log FILE | --no-log] [--cache-dir DIR] [--quick]
  --port N         port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host ADDRESS   interface to listen on (default ${DEFAULT_HOST}: this machine only)
  --log FILE       prediction log (default data/logs/predictions.jsonl)
  --no-log         keep no prediction log
  --cache-dir DIR  model cache (default data/models/)
  --quick          models trained on quick mode's small slices, a dry run (same as MNIST_QUICK=1)`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  Deno.exit(2);
}

let args;
try {
  args = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      log: { type: "string" },
      "no-log": { type: "boolean" },
      "cache-dir": { type: "string" },
      quick: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
} catch (error) {
  fail((error as Error).message);
}
if (args.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if (args.port !== undefined && !/^\d{1,5}$/.test(args.port)) {
  fail(`--port must be a port number 0-65535, got ${JSON.stringify(args.port)}`);
}
const port = args.port === undefined ? DEFAULT_PORT : Number(args.port);
if (port > 65535) fail(`--port must be a port number 0-65535, got ${port}`);
if (args["no-log"] && args.log) fail("--log and --no-log contradict each other: give one");
const host = args.host ?? DEFAULT_HOST;
const logPath = args.log ?? defaultLogPath();

let app;
try {
  app = await startServer({
    port,
    host,
    logPath,
    logging: !args["no-log"],
    cacheDir: args["cache-dir"],
    quick: args.quick ? true : undefined,
    warm: [DEFAULT_APP_MODEL],
    display: () => terminalTrainingDisplay(),
  });
} catch (error) {
  if (error instanceof Deno.errors.AddrInUse) fail(`port ${port} is in use; choose another with --port`);
  if (error instanceof Deno.errors.PermissionDenied && port < 1024) {
    fail(`port ${port} needs administrator rights; choose one above 1023 with --port`);
  }
  const message = (error as Error).message;
  if (/lookup address|Name or service|Cannot assign|AddrNotAvailable|invalid/i.test(message)) {
    fail(`--host ${host}: cannot listen there (${message}); give an address of this machine, e.g. ${DEFAULT_HOST}`);
  }
  console.error(`the app could not start: ${message}`);
  Deno.exit(1);
}
console.log(`Draw-a-digit app: ${app.url}`);
console.log(`  ${backendSummary()}${app.registry.quick ? ", quick mode (models trained on small slices)" : ""}`);
console.log(
  args["no-log"]
    ? "  no prediction log is kept (--no-log); Ctrl-C stops the app"
    : `  each Predict (drawing as 28x28, time, model, probabilities, your label) is logged to ${logPath} ` +
      `(owner-only; past ${MAX_LOG_BYTES / 2 ** 20} MiB it moves to ${rotatedLogPath(logPath)}); Ctrl-C stops the app`,
);
