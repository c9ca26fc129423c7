/**
 * Seeded randomness: one seed fixes weight initialisation and shuffling.
 *
 * TensorFlow.js draws from `Math.random` wherever no seed is passed (the
 * default weight initialisers, `model.fit`'s shuffle, dropout). {@link setSeed}
 * replaces `Math.random` with a seeded generator for the rest of the process,
 * as Keras's `keras.utils.set_random_seed` does, so building a model and
 * training it after `setSeed(1234)` gives the same numbers on every run; the
 * model cache (`src/train.ts`) reads and restores the generator's state
 * ({@link randomState}) so that a restored run leaves it where training would
 * have. {@link withSeed} does the same for one call only. Our own shuffles
 * take a {@link Rng} explicitly.
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
  const generator = new SeededRandom(seed);
  return () => generator.next();
}

/** mulberry32 with its 32-bit state readable and settable (what {@link setSeed} installs). */
export class SeededRandom {
  /** The generator's whole state: the same state gives the same sequence from here on. */
  state: number;
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
    this.state = (Math.trunc(seed) >>> 0) ^ 0x9e3779b9;
  }
  /** The next number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** The generator {@link setSeed} installed, while `Math.random` is still it. */
let installed: { generator: SeededRandom; random: () => number } | null = null;

/**
 * Seeds everything TensorFlow.js draws without an explicit seed (weight
 * initialisers, `fit`'s shuffling, dropout): `Math.random` becomes a
 * generator seeded with `seed`, for the rest of the process or until the next
 * call. Call it just before building a model, as the notebooks do.
 *
 * @example
 * setSeed(1234);
 * const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2 })] }); // same weights every run
 */
export function setSeed(seed: number): void {
  const generator = new SeededRandom(seed);
  const random = () => generator.next();
  Math.random = random;
  installed = { generator, random };
}

/**
 * The state of the generator {@link setSeed} installed, or `null` when
 * `Math.random` is not seeded (never set, or replaced since).
 */
export function randomState(): number | null {
  return installed && Math.random === installed.random ? installed.generator.state : null;
}

/** Puts the seeded generator in `state` (a value {@link randomState} returned); fails when none is installed. */
export function setRandomState(state: number): void {
  if (!installed || Math.random !== installed.random) {
    throw new Error("Math.random is not the seeded generator: call setSeed(seed) first");
  }
  installed.generator.state = state >>> 0;
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

/**
 * Runs `fn` (synchronously) and then puts `Math.random` and the seeded
 * generator back as they were, so code that seeds for its own purpose (e.g.
 * to compute a run's cache key) cannot disturb a training that is under way.
 */
export function preservingRandom<T>(fn: () => T): T {
  const random = Math.random;
  const saved = installed ? { ...installed, state: installed.generator.state } : null;
  try {
    return fn();
  } finally {
    Math.random = random;
    if (saved) {
      installed = { generator: saved.generator, random: saved.random };
      saved.generator.state = saved.state;
    } else {
      installed = null;
    }
  }
}
