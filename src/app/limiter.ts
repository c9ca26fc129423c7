/**
 * A bound on how many requests do a memory-hungry thing at once (decoding a
 * PNG of up to 4 megapixels takes tens of MB): the rest wait their turn in
 * order, and past a queue length they are turned away at once instead of
 * piling up.
 *
 * @module
 */

/** Thrown by {@link Limiter.run} when the queue is full. */
export class BusyError extends Error {
  constructor(readonly waiting: number) {
    super(`the app is busy: ${waiting} requests are already waiting; try again in a moment`);
    this.name = "BusyError";
  }
}

/** Runs at most `maxActive` tasks at a time, with at most `maxWaiting` waiting. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /**
   * @param maxActive tasks that run at once
   * @param maxWaiting tasks that may wait; more are refused with {@link BusyError}
   */
  constructor(readonly maxActive: number, readonly maxWaiting: number) {
    if (!Number.isInteger(maxActive) || maxActive < 1) throw new RangeError(`maxActive must be >= 1, got ${maxActive}`);
  }

  /** Runs `task` when a slot is free. */
  async run<T>(task: () => Promise<T> | T): Promise<T> {
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxWaiting) throw new BusyError(this.waiting.length);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next task
      else this.active--;
    }
  }
}
