/**
 * Shared by the kernel tests: seeded inputs, and the comparison of a function
 * run on the wasm backend (our kernels) with the same function run on the cpu
 * backend (the reference), values and gradients.
 *
 * Tolerance: |wasm − cpu| ≤ 1e-4 · (|cpu| + max|cpu|), i.e. 1e-4 relative to
 * the larger of the element and the tensor's scale (float32 sums of thousands
 * of products differ in their last bits between the two backends).
 */
import { assert, assertEquals } from "./assert.ts";
import { tf } from "../src/tf.ts";
import { createRng } from "../src/random.ts";

export const RTOL = 1e-4;

/** Seeded data of a shape: normal-ish values, or a custom generator. */
export function data(shape: number[], seed: number, gen?: (rng: () => number) => number): Float32Array {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = gen ? gen(rng) : (rng() + rng() + rng() - 1.5) * 2;
  return out;
}

export interface Input {
  shape: number[];
  values: Float32Array;
}

export function input(shape: number[], seed: number, gen?: (rng: () => number) => number): Input {
  return { shape, values: data(shape, seed, gen) };
}

/**
 * Runs `f` on `backend` with fresh tensors made from `inputs`; returns the
 * output followed by the gradient of sum(output · weights) with respect to
 * each input (weights: fixed pseudo-random, so every output element matters).
 */
export async function run(
  backend: "cpu" | "wasm",
  inputs: Input[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  grads = true,
): Promise<Float32Array[]> {
  assert(await tf.setBackend(backend));
  const results = tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
    const y = f(...xs);
    const w = tf.tensor(data(y.shape, 99), y.shape);
    const out = [y];
    if (grads) out.push(...tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(...args), w)))(xs));
    return out;
  });
  const arrays = results.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(results);
  return arrays;
}

export function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assertEquals(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (const v of expected) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i], a = actual[i];
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (!(Math.abs(a - e) <= RTOL * (Math.abs(e) + scale))) {
      throw new Error(`${what}: element ${i} is ${a} on wasm but ${e} on cpu (scale ${scale})`);
    }
  }
}

/** Compares wasm with cpu for `f` on `inputs` (values and input gradients). */
export async function compare(
  what: string,
  inputs: Input[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  grads = true,
  values = true,
) {
  const expected = await run("cpu", inputs, f, grads);
  const actual = await run("wasm", inputs, f, grads);
  assert(await tf.setBackend("wasm"));
  if (values) assertClose(actual[0], expected[0], `${what}: value`);
  for (let i = 1; i < expected.length; i++) assertClose(actual[i], expected[i], `${what}: gradient ${i}`);
}
