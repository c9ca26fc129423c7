/**
 * Class rebalancing by removal: train without a random share of one digit's
 * images. Source 001 proposes it for a model that answers one digit too often
 * (its example: drop a random 10–20% of the 8s, the fraction itself drawn at
 * random). Here both draws come from one seeded generator, so the same seed
 * removes the same images on every machine, and the images that stay keep
 * their order (as NumPy's `np.delete` keeps it).
 *
 * @module
 */
import { createRng } from "../random.ts";
import { type MnistSplit, NUM_CLASSES } from "./mnist.ts";
import { selectIndices } from "./splits.ts";

/** Which digit loses images, and between which fractions of them the share removed is drawn. */
export interface ClassReduction {
  digit: number;
  /** Smallest share removed (0.1 = 10%). */
  minFraction: number;
  /** Largest share removed. */
  maxFraction: number;
}

/** Source 001's rebalancing: a random 10–20% of the 8s go. */
export const SOURCE_001_REDUCTION: Readonly<ClassReduction> = { digit: 8, minFraction: 0.1, maxFraction: 0.2 };

/** A split with part of one digit's images removed, and what was removed. */
export interface ReducedSplit {
  /** The images that stay, in their original order. */
  split: MnistSplit;
  /** The share drawn (between `minFraction` and `maxFraction`). */
  fraction: number;
  /** Indices (into the original split) of the removed images, ascending. */
  removed: number[];
  /** How many images of the digit there were, and are now. */
  before: number;
  after: number;
}

/** Fails with a message on a digit that is not 0–9 or fractions outside 0 ≤ min ≤ max ≤ 1. */
export function checkReduction(reduction: ClassReduction): void {
  const { digit, minFraction, maxFraction } = reduction;
  if (!(Number.isInteger(digit) && digit >= 0 && digit < NUM_CLASSES)) {
    throw new RangeError(`class reduction: digit must be one of 0-9, got ${digit}`);
  }
  if (!(minFraction >= 0 && minFraction <= maxFraction && maxFraction <= 1)) {
    throw new RangeError(
      `class reduction: need 0 <= minFraction <= maxFraction <= 1, got ${minFraction} and ${maxFraction}`,
    );
  }
}

/**
 * Removes a random share of `reduction.digit`'s images from `split`: the share
 * is drawn uniformly between the two fractions, then that many of the digit's
 * images (rounded down, as source 001's `int(...)`) are drawn without
 * replacement. Everything is seeded by `seed`.
 *
 * @example
 * const { split, fraction, before, after } = removeRandomShare(train, SOURCE_001_REDUCTION, 1234);
 */
export function removeRandomShare(split: MnistSplit, reduction: ClassReduction, seed: number): ReducedSplit {
  checkReduction(reduction);
  const rng = createRng(seed);
  const fraction = reduction.minFraction + (reduction.maxFraction - reduction.minFraction) * rng();
  const candidates: number[] = [];
  for (let i = 0; i < split.count; i++) if (split.labels[i] === reduction.digit) candidates.push(i);
  const count = Math.floor(candidates.length * fraction);
  // a partial Fisher–Yates shuffle: the first `count` places end up a uniform sample without replacement
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng() * (candidates.length - i));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  const removed = candidates.slice(0, count).sort((a, b) => a - b);
  const gone = new Set(removed);
  const kept: number[] = [];
  for (let i = 0; i < split.count; i++) if (!gone.has(i)) kept.push(i);
  return {
    split: selectIndices(split, kept),
    fraction,
    removed,
    before: candidates.length,
    after: candidates.length - count,
  };
}
