/**
 * `reproduce`'s output folder as one whole run: everything a run writes goes
 * into a hidden sibling folder (`.reports.new-<pid>-<time>`, on the same
 * filesystem, so moving it is a rename), and only when the run is complete
 * does it take the place of the previous set. A run that fails, is stopped or
 * is killed leaves the previous set exactly as it was.
 *
 * The folder may hold more than the set (`deno task log-report` writes
 * `reports/log-report/`): what the set does not own is carried over. The set
 * is the run's: a run without notebooks gives a set without `notebooks/`,
 * rather than keeping executed notebooks of another run beside its tables.
 *
 * A killed run cannot clean up after itself; the next run does: a staging
 * folder whose process is gone is removed, and a previous set moved aside by
 * a swap that was cut short is put back (on Linux, where `/proc` says which
 * processes are alive; elsewhere such folders are left alone).
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { trackTemp, untrackTemp } from "../fsutil.ts";

/** The hidden siblings of `name`: a staging folder being filled, or a previous set moved aside. */
function siblingPattern(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^\\.${escaped}\\.(new|old)-(\\d+)-\\d+$`);
}

function isAlive(pid: number): boolean | null {
  if (pid === Deno.pid) return true;
  try {
    Deno.statSync("/proc/self");
  } catch {
    return null; // no /proc: cannot tell
  }
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Moves the entries of `from` that the set does not own, and `to` lacks, into `to`. */
async function carryOver(from: string, to: string, owned: readonly string[]): Promise<void> {
  for await (const entry of Deno.readDir(from)) {
    if (owned.includes(entry.name) || await exists(join(to, entry.name))) continue;
    await Deno.rename(join(from, entry.name), join(to, entry.name));
  }
}

/** Cleans up after runs that were killed (see the module comment). */
async function recover(parent: string, name: string, owned: readonly string[]): Promise<void> {
  const outDir = join(parent, name);
  const pattern = siblingPattern(name);
  const stale: { path: string; kind: string }[] = [];
  for await (const entry of Deno.readDir(parent)) {
    const match = entry.name.match(pattern);
    if (match && isAlive(Number(match[2])) === false) stale.push({ path: join(parent, entry.name), kind: match[1] });
  }
  // the previous set first: with no set in place, it is the set again
  for (const { path } of stale.filter((s) => s.kind === "old")) {
    if (!(await exists(outDir))) await Deno.rename(path, outDir);
    else {
      await carryOver(path, outDir, owned);
      await Deno.remove(path, { recursive: true });
    }
  }
  for (const { path } of stale.filter((s) => s.kind === "new")) await Deno.remove(path, { recursive: true });
}

/**
 * Writes an output set: `fill(dir)` writes everything into a fresh staging
 * folder, which then replaces the entries `owned` of `outDir` (entries it
 * does not own stay). When `fill` fails, `outDir` is left as it was and the
 * staging folder is removed. If the process is stopped by a signal, the
 * staging folder is removed on the way out (`fsutil.removePendingTempsSync`).
 *
 * @param outDir the folder the set lives in (created if missing)
 * @param owned the top-level entries a set consists of
 * @param fill writes the set into the folder it is given
 */
export async function writeOutputSet(
  outDir: string,
  owned: readonly string[],
  fill: (dir: string) => Promise<void>,
): Promise<void> {
  const target = resolve(outDir);
  const parent = dirname(target), name = basename(target);
  await Deno.mkdir(parent, { recursive: true });
  try {
    if (!(await Deno.stat(target)).isDirectory) {
      throw new Error(`${target} is a file; give a folder for the reports (--out DIR)`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await recover(parent, name, owned);
  const stamp = `${Deno.pid}-${Date.now()}`;
  const staged = join(parent, `.${name}.new-${stamp}`);
  const aside = join(parent, `.${name}.old-${stamp}`);
  trackTemp(staged);
  try {
    await Deno.mkdir(staged);
    await fill(staged);
    let hadPrevious = true;
    try {
      await Deno.rename(target, aside);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      hadPrevious = false;
    }
    await Deno.rename(staged, target);
    untrackTemp(staged);
    if (hadPrevious) {
      await carryOver(aside, target, owned);
      await Deno.remove(aside, { recursive: true });
    }
  } catch (error) {
    await Deno.remove(staged, { recursive: true }).catch(() => {});
    // a swap that failed half-way puts the previous set back
    if (!(await exists(target)) && await exists(aside)) await Deno.rename(aside, target);
    // (staged stays tracked: if a signal stopped the run, something may still write into it until the process exits)
    throw error;
  }
}
