/**
 * Loader of the hand-written SIMD kernels (`simd_kernels.wat`): instantiated
 * once per wasm backend, importing the backend's own memory, so they read and
 * write tensors in place by their heap offsets.
 *
 * @module
 */
import { decodeBase64 } from "./base64.ts";
import { SIMD_KERNELS_WASM_BASE64 } from "./simd_kernels_wasm.ts";
import { type AnyBackend, backendModuleLoader } from "./wasm_util.ts";

/** The exports of `simd_kernels.wat`. */
export interface SimdKernels {
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    w2: number,
    m2: number,
    v2: number,
    n: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    d1: number,
    d2: number,
    eps: number,
    nlr: number,
  ): void;
  maxPoolGrad2x2(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    ch: number,
    outH: number,
    outW: number,
  ): void;
  addBias(x: number, bias: number, out: number, rows: number, ch: number): void;
  sumRows(x: number, out: number, scratch: number, rows: number, width: number): void;
  reluGrad(dy: number, x: number, out: number, n: number): void;
  /** `pre = x + bias` (pre may be x) and `out = ReLU(pre)` as the stock Relu; rows of `ch` floats, ch % 4 = 0. */
  addBiasRelu(x: number, bias: number, pre: number, out: number, rows: number, ch: number): void;
  /** `reluGrad(maxPoolGrad2x2(x, dy), pre)` in one pass; the windows must cover the input exactly. */
  maxPoolReluGrad2x2(
    x: number,
    pre: number,
    dy: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    ch: number,
    outH: number,
    outW: number,
  ): void;
  maxPool2x2(
    x: number,
    out: number,
    batch: number,
    inH: number,
    inW: number,
    ch: number,
    outH: number,
    outW: number,
  ): void;
}

/** The kernels bound to this backend's memory, or null if its memory is not reachable. */
export const simdKernels: (backend: AnyBackend) => SimdKernels | null = backendModuleLoader<SimdKernels>(
  "simd",
  () => decodeBase64(SIMD_KERNELS_WASM_BASE64),
);
