/**
 * `deno task app`: the draw-a-digit web app.
 *
 * ```sh
 * deno task app                 # http://127.0.0.1:8000/
 * deno task app --port 8080     # another port (0: any free one)
 * deno task app --host 0.0.0.0  # reachable from other machines (mind: no authentication)
 * MNIST_QUICK=1 deno task app   # models trained on quick mode's slices, in seconds (a dry run)
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from "../app/server.ts";
import { DEFAULT_APP_MODEL } from "../app/models.ts";
import { defaultLogPath } from "../app/log.ts";
import { terminalTrainingDisplay } from "../display/training.ts";
import { backendSummary } from "../tf.ts";

const USAGE = `usage: deno task app [--port N] [--host ADDRESS] [--log FILE] [--quick]
  --port N        port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host ADDRESS  interface to listen on (default ${DEFAULT_HOST})
  --log FILE      prediction log (default data/logs/predictions.jsonl)
  --quick         models trained on quick mode's small slices, a dry run (same as MNIST_QUICK=1)`;

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
const port = args.port === undefined ? DEFAULT_PORT : Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number 0-65535, got ${args.port}`);

let app;
try {
  app = await startServer({
    port,
    host: args.host ?? DEFAULT_HOST,
    logPath: args.log,
    quick: args.quick ? true : undefined,
    warm: [DEFAULT_APP_MODEL],
    display: () => terminalTrainingDisplay(),
  });
} catch (error) {
  if (error instanceof Deno.errors.AddrInUse) fail(`port ${port} is in use; choose another with --port`);
  throw error;
}
console.log(`Draw-a-digit app: ${app.url}`);
console.log(`  ${backendSummary()}${app.registry.quick ? ", quick mode (models trained on small slices)" : ""}`);
console.log(`  predictions are logged to ${args.log ?? defaultLogPath()}; Ctrl-C stops the app`);
