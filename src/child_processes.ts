/**
 * Child processes that end with their parent: a command told to stop
 * (Ctrl-C, `kill -TERM`) passes the signal on to what it started, waits for
 * it to end, ends by force what is left, and only then exits.
 *
 * Why this is needed: a child does not die with its parent. `reproduce` runs
 * `deno task notebooks`, which runs `jupyter nbconvert`, which starts a Deno
 * kernel in a session of its own; killing `reproduce` used to leave all three
 * running (the kernel at about 500 MB) and writing notebooks. Each child is
 * started in a process group of its own ({@link spawnChild}), so that the
 * terminal's Ctrl-C reaches only the command the user runs, and the command
 * decides how its children stop ({@link stopOnSignals}, {@link endChildren}).
 *
 * On Linux the whole tree below each child is found through `/proc`
 * (grandchildren such as the kernel included); elsewhere only the children's
 * process groups are signalled.
 *
 * @module
 */

/** How long children get to end after SIGTERM before SIGKILL. */
export const TERMINATE_GRACE_MS = 10_000;
/** How often a waiting parent looks whether its children have ended. */
const POLL_MS = 100;
/** Exit status of a process stopped by a signal: 128 + the signal's number. */
const SIGNAL_EXIT: Record<"SIGINT" | "SIGTERM", number> = { SIGINT: 130, SIGTERM: 143 };

/** Children started by {@link spawnChild} and still running (the few there are in one command). */
const running = new Set<Deno.ChildProcess>();

/**
 * Spawns a command in a process group of its own, tracked until it exits,
 * so that {@link endChildren} can end it and everything it started.
 */
export function spawnChild(command: string, options: Deno.CommandOptions): Deno.ChildProcess {
  const child = new Deno.Command(command, { ...options, detached: true }).spawn();
  running.add(child);
  child.status.finally(() => running.delete(child));
  return child;
}

/** A process, identified beyond its pid (pids are reused): its start time in clock ticks. */
interface ProcessId {
  pid: number;
  started: string;
}

/** pid → [parent pid, start time] of every process (Linux), or null without /proc. */
function processTable(): Map<number, [number, string]> | null {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/proc")];
  } catch {
    return null;
  }
  const table = new Map<number, [number, string]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      // fields after the command name (which may hold spaces): state, ppid, ..., starttime is field 22
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      table.set(Number(entry.name), [Number(fields[1]), fields[19]]);
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** Every live process below `pid` (children, grandchildren, ...). */
function descendants(pid: number, table: Map<number, [number, string]>): ProcessId[] {
  const found: ProcessId[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, [ppid, started]] of table) {
      if (ppid === parent) {
        found.push({ pid: child, started });
        queue.push(child);
      }
    }
  }
  return found;
}

function isSameProcessAlive(process: ProcessId, table: Map<number, [number, string]> | null): boolean {
  if (!table) return false;
  return table.get(process.pid)?.[1] === process.started;
}

function signal(pid: number, name: Deno.Signal): void {
  try {
    Deno.kill(pid, name);
  } catch {
    // already gone, or not ours
  }
}

/**
 * Ends every running child and everything below it: SIGTERM to each child's
 * process group and to each process of the tree (a Jupyter kernel sits in a
 * session of its own), then, after `graceMs`, SIGKILL to whatever is left.
 * Processes that appear below a child while it ends are signalled too, and
 * those orphaned on the way (their parent gone) are still waited for.
 */
export async function endChildren(graceMs = TERMINATE_GRACE_MS): Promise<void> {
  const children = [...running];
  if (children.length === 0) return;
  for (const child of children) signal(-child.pid, "SIGTERM");
  const seen = new Map<number, ProcessId>();
  const deadline = Date.now() + graceMs;
  while (true) {
    const table = processTable();
    if (table) {
      for (const process of children.flatMap((child) => descendants(child.pid, table))) {
        if (!seen.has(process.pid)) {
          seen.set(process.pid, process);
          signal(process.pid, "SIGTERM");
        }
      }
    }
    const alive = [...seen.values()].filter((p) => isSameProcessAlive(p, table));
    if (running.size === 0 && alive.length === 0) return;
    if (Date.now() >= deadline) {
      for (const child of running) signal(-child.pid, "SIGKILL");
      for (const process of alive) signal(process.pid, "SIGKILL");
      await Promise.all([...running].map((child) => child.status));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** What {@link stopOnSignals} gives back. */
export interface StopHandle {
  /** True once a stop signal came: the main flow should leave the exit to the handler. */
  readonly requested: boolean;
  /** Never resolves: await it to let the handler finish and exit. */
  readonly finished: Promise<never>;
  /** Removes the listeners (the command is done). */
  remove(): void;
}

/**
 * On SIGINT or SIGTERM (once): ends the children, runs `cleanup` (e.g.
 * removing partial outputs), prints what happened and exits with 128 + the
 * signal's number (130 or 143).
 */
export function stopOnSignals(name: string, cleanup: () => void | Promise<void>): StopHandle {
  let requested = false;
  const signals = Deno.build.os === "windows" ? (["SIGINT"] as const) : (["SIGINT", "SIGTERM"] as const);
  const listeners = signals.map((sig) => {
    const listener = async () => {
      if (requested) return;
      requested = true;
      console.error(`${name}: ${sig} received; stopping what it started and removing partial outputs`);
      try {
        await endChildren();
        await cleanup();
      } finally {
        Deno.exit(SIGNAL_EXIT[sig]);
      }
    };
    Deno.addSignalListener(sig, listener);
    return [sig, listener] as const;
  });
  return {
    get requested() {
      return requested;
    },
    finished: new Promise<never>(() => {}),
    remove() {
      for (const [sig, listener] of listeners) Deno.removeSignalListener(sig, listener);
    },
  };
}
