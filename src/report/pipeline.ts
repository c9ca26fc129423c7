/**
 * Runs `reproduce` as named steps: prints where it is (a line per step, with
 * an ETA taken from the previous run's durations when there was one), times
 * each step, and records a hash of every file it writes, for the manifest.
 *
 * @module
 */
import { relative } from "node:path";

/** What the manifest records of each step. */
export interface StepRecord {
  name: string;
  seconds: number;
}

/** Hex SHA-256 of a file's bytes. */
export async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Steps, their timings and the outputs they wrote. */
export class Pipeline {
  readonly steps: StepRecord[] = [];
  readonly outputs = new Set<string>();
  private readonly started = performance.now();
  private index = 0;

  /**
   * @param total number of steps, for "[k/total]"
   * @param expected seconds each step took last time, by name (for the ETA)
   * @param write where lines go (standard error by default)
   */
  constructor(
    private readonly total: number,
    private readonly expected: Record<string, number> = {},
    private readonly write: (line: string) => void = (line) => console.error(line),
  ) {}

  /** Runs one step, printing its start and end. */
  async step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    this.index++;
    const remaining = this.remainingEstimate(name);
    const eta = remaining === null ? "" : ` (ETA ${formatSeconds(remaining)})`;
    this.write(`[${this.index}/${this.total}] ${name}...${eta}`);
    const t0 = performance.now();
    const result = await fn();
    const seconds = (performance.now() - t0) / 1000;
    this.steps.push({ name, seconds: Math.round(seconds * 10) / 10 });
    this.write(`[${this.index}/${this.total}] ${name}: done in ${formatSeconds(seconds)}`);
    return result;
  }

  /** Records files written by the current step. */
  record(...paths: string[]): void {
    for (const p of paths) this.outputs.add(p);
  }

  /** Seconds since the pipeline started. */
  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Path → SHA-256 of every recorded output, paths relative to `root`, sorted. */
  async hashes(root: string): Promise<Record<string, string>> {
    const entries = await Promise.all(
      [...this.outputs].sort().map(async (p) => [relative(root, p), await sha256File(p)] as const),
    );
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  private remainingEstimate(current: string): number | null {
    const done = new Set(this.steps.map((s) => s.name));
    const names = Object.keys(this.expected);
    if (names.length === 0 || !(current in this.expected)) return null;
    return names.filter((n) => !done.has(n)).reduce((sum, n) => sum + this.expected[n], 0);
  }
}

/** 75 → "1m15s", 8.2 → "8.2s". */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round(seconds - minutes * 60).toString().padStart(2, "0")}s`;
}
