/**
 * Seeded randomness: one seed fixes weight initialisation and shuffling.
 *
 * TensorFlow.js draws from `Math.random` wherever no seed is passed (the
 * default weight initialisers, `model.fit`'s shuffle, dropout). {@link withSeed}
 * swaps in a seeded generator for the duration of a call, so a training run is
 * a pure function of its seed. Our own shuffles take a {@link Rng} explicitly.
 *
 * @module
 */

/** The seed the course uses unless told otherwise. */
export const DEFAULT_SEED = 1234;

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * A small, fast, well-mixed 32-bit generator (mulberry32). The same seed gives
 * the same sequence on every machine.
 *
 * @example
 * const rng = createRng(1234);
 * rng(); // 0.0... (always the same first value for 1234)
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
  let state = (Math.trunc(seed) >>> 0) ^ 0x9e3779b9;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n) drawn from `rng`. */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher–Yates shuffle of `array` in place, driven by `rng`. Returns `array`. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(array: T, rng: Rng): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/** A seeded permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return shuffleInPlace(out, rng);
}

/**
 * Runs `fn` with `Math.random` replaced by a generator seeded with `seed`, and
 * restores it afterwards (also when `fn` throws). Works for async functions:
 * the generator stays in place until the returned promise settles, so do not
 * run two seeded trainings concurrently in one process.
 */
export function withSeed<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = createRng(seed);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    Math.random = original;
    throw error;
  }
  if (result instanceof Promise) {
    return result.finally(() => {
      Math.random = original;
    }) as T;
  }
  Math.random = original;
  return result;
}
