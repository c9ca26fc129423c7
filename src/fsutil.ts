/**
 * Writing files whole: a crash or Ctrl-C leaves either the old file or the new
 * one, never half of one. Everything the project saves goes through here.
 *
 * @module
 */
import { dirname } from "node:path";

let counter = 0;
/**
 * Temporary files and folders being written right now. A process told to stop
 * (SIGINT, SIGTERM) removes them before it exits (see `child_processes.ts`),
 * so an interrupted run leaves no half-written file behind.
 */
const pendingTemps = new Set<string>();

function tempSibling(path: string): string {
  counter++;
  return `${path}.tmp-${Deno.pid}-${Date.now()}-${counter}`;
}

/** Marks `path` as temporary: removed if the process is stopped before {@link untrackTemp}. */
export function trackTemp(path: string): void {
  pendingTemps.add(path);
}

/** `path` is no longer temporary (renamed into place, or removed). */
export function untrackTemp(path: string): void {
  pendingTemps.delete(path);
}

/**
 * Removes every temporary file and folder still being written, synchronously
 * (called last, just before a stopped process exits, so nothing can write
 * into them again).
 */
export function removePendingTempsSync(): void {
  for (const path of pendingTemps) {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch {
      // already gone
    }
  }
  pendingTemps.clear();
}

/** Writes `data` to `path` atomically (temp file in the same folder, then rename). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = tempSibling(path);
  trackTemp(temp);
  try {
    if (typeof data === "string") await Deno.writeTextFile(temp, data);
    else await Deno.writeFile(temp, data);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  } finally {
    untrackTemp(temp);
  }
}

/** JSON, pretty-printed, written atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Fills a fresh folder with `fill(tempDir)` and then moves it to `path` in one
 * rename, replacing an older folder of that name only once the new one is complete.
 */
export async function writeDirAtomic(path: string, fill: (dir: string) => Promise<void>): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = tempSibling(path);
  trackTemp(temp);
  await Deno.mkdir(temp, { recursive: true });
  try {
    await fill(temp);
    const old = `${temp}.old`;
    let hadOld = false;
    try {
      await Deno.rename(path, old);
      hadOld = true;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    await Deno.rename(temp, path);
    if (hadOld) await Deno.remove(old, { recursive: true });
  } catch (error) {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
    throw error;
  } finally {
    untrackTemp(temp);
  }
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Path of the repository root, found from this file's location. */
export function repoRoot(): string {
  return decodeURIComponent(new URL("../", import.meta.url).pathname).replace(/\/$/, "");
}
