/**
 * Training progress for people: a Keras-like line per epoch and, in a
 * terminal, a bar that fills as batches complete. Notebooks plug in their own
 * display through the same {@link ProgressReporter} interface.
 *
 * @module
 */

/** What a training run reports while it goes. */
export interface ProgressReporter {
  /** An epoch starts; `batches` batches will follow. */
  epochStart(epoch: number, epochs: number, batches: number): void;
  /** Batch `batch` (0-based) of the current epoch is done. */
  batchEnd(batch: number): void;
  /** The epoch is done; `logs` holds its metrics (loss, acc, val_loss, val_acc). */
  epochEnd(epoch: number, logs: Record<string, number>, seconds: number): void;
}

/** Formats an epoch's metrics the way Keras prints them. */
export function formatEpochLine(
  epoch: number,
  epochs: number,
  batches: number,
  logs: Record<string, number>,
  seconds: number,
): string {
  const metric = (name: string) => (logs[name] === undefined ? "" : ` - ${name}: ${logs[name].toFixed(4)}`);
  const msPerStep = batches > 0 ? Math.round((seconds * 1000) / batches) : 0;
  return `Epoch ${epoch}/${epochs} - ${batches}/${batches} - ${seconds.toFixed(1)}s ${msPerStep}ms/step` +
    metric("acc").replace("acc:", "accuracy:") + metric("loss") +
    metric("val_acc").replace("val_acc:", "val_accuracy:") + metric("val_loss");
}

/** A reporter that prints nothing (tests, benchmarks). */
export const silentProgress: ProgressReporter = {
  epochStart() {},
  batchEnd() {},
  epochEnd() {},
};

/**
 * Prints to standard error: a redrawn bar with ETA when it is a terminal,
 * and just one line per epoch when it is not (logs, CI).
 */
export function terminalProgress(
  write: (text: string) => void = (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
): ProgressReporter {
  const interactive = Deno.stderr.isTerminal();
  let total = 0;
  let epochNo = 0;
  let epochCount = 0;
  let started = 0;
  let lastDraw = 0;
  return {
    epochStart(epoch, epochs, batches) {
      epochNo = epoch;
      epochCount = epochs;
      total = batches;
      started = performance.now();
      lastDraw = 0;
    },
    batchEnd(batch) {
      if (!interactive) return;
      const now = performance.now();
      if (now - lastDraw < 100 && batch + 1 < total) return;
      lastDraw = now;
      const done = batch + 1;
      const width = 30;
      const filled = Math.round((done / total) * width);
      const elapsed = (now - started) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
      write(
        `\rEpoch ${epochNo}/${epochCount} [${"=".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ETA ${
          eta.toFixed(0)
        }s `,
      );
    },
    epochEnd(epoch, logs, seconds) {
      write(`${interactive ? "\r\x1b[2K" : ""}${formatEpochLine(epoch, epochCount, total, logs, seconds)}\n`);
    },
  };
}
