/**
 * `MaxPoolGrad` for the wasm backend: the gradient of a 2-D max pool, which
 * routes each output gradient to the input position that won its window.
 *
 * Why it exists:
 * - correctness: the stock wasm kernel (4.22) starts its running maximum at
 *   the smallest positive float instead of −∞, so a window whose values are all
 *   ≤ 0 passes no gradient at all;
 * - speed: the stock kernel is slow; a plain JavaScript loop over the
 *   backend's heap is the path for any pool, and for 2×2 stride-2 windows with
 *   a multiple of 4 channels a hand-written SIMD kernel (`simd_kernels.wat`,
 *   four channels at a time, branch-free) runs instead.
 *
 * Semantics are those of the cpu backend: within a window the first maximum in
 * row-major order wins (ties go to the earliest position), NaN never wins, and
 * gradients of overlapping windows add up.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { backend_util } from "@tensorflow/tfjs-core";
import { type AnyBackend, asWasm, callStock, heapF32, heapOffset } from "./wasm_util.ts";
import { simdKernels } from "./simd_kernels.ts";

/** Attributes of `MaxPool` and `MaxPoolGrad` as tfjs-core passes them. */
export type PoolAttrs = {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: "valid" | "same" | number | backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
};

interface MaxPoolGradArgs {
  inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  backend: AnyBackend;
  attrs: PoolAttrs;
}

/** 2×2 windows, stride 2, all inside the input (no padding used). */
export function isPlain2x2(info: backend_util.Conv2DInfo): boolean {
  return info.effectiveFilterHeight === 2 && info.effectiveFilterWidth === 2 && info.strideHeight === 2 &&
    info.strideWidth === 2 && info.padInfo.top === 0 && info.padInfo.left === 0 &&
    2 * info.outHeight <= info.inHeight && 2 * info.outWidth <= info.inWidth;
}

let simdEnabled = true;

/** Turns the SIMD path (2×2, stride 2, channels a multiple of 4) on or off; returns the old setting. */
export function setMaxPoolGradSimd(on: boolean): boolean {
  const old = simdEnabled;
  simdEnabled = on;
  return old;
}

/**
 * The gradient, computed from plain arrays (exported for tests).
 * `x` is NHWC `[batch, inH, inW, ch]`, `dy` is `[batch, outH, outW, ch]`; `dx` is overwritten.
 */
export function maxPoolGradInto(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, strideHeight, strideWidth } = info;
  const fh = info.effectiveFilterHeight, fw = info.effectiveFilterWidth;
  const padTop = info.padInfo.top, padLeft = info.padInfo.left;
  dx.fill(0);
  const fast = isPlain2x2(info);
  const rowStride = inWidth * ch;
  for (let b = 0; b < batchSize; b++) {
    const xBase = b * inHeight * rowStride;
    for (let yr = 0; yr < outHeight; yr++) {
      for (let yc = 0; yc < outWidth; yc++) {
        const dyBase = ((b * outHeight + yr) * outWidth + yc) * ch;
        if (fast) {
          // 2×2 windows, stride 2, fully inside the input: four candidates.
          const p0 = xBase + (2 * yr) * rowStride + 2 * yc * ch;
          const p1 = p0 + ch, p2 = p0 + rowStride, p3 = p2 + ch;
          for (let d = 0; d < ch; d++) {
            // As cpu: start below everything, strict ">" (NaN and a −∞-only window never win).
            let best = -Infinity, at = -1;
            let v = x[p0 + d];
            if (v > best) best = v, at = p0 + d;
            v = x[p1 + d];
            if (v > best) best = v, at = p1 + d;
            v = x[p2 + d];
            if (v > best) best = v, at = p2 + d;
            v = x[p3 + d];
            if (v > best) best = v, at = p3 + d;
            if (at >= 0) dx[at] += dy[dyBase + d];
          }
          continue;
        }
        const rCorner = yr * strideHeight - padTop, cCorner = yc * strideWidth - padLeft;
        const r0 = Math.max(0, rCorner), r1 = Math.min(inHeight, rCorner + fh);
        const c0 = Math.max(0, cCorner), c1 = Math.min(inWidth, cCorner + fw);
        for (let d = 0; d < ch; d++) {
          let best = -Infinity, at = -1;
          for (let r = r0; r < r1; r++) {
            for (let c = c0, p = xBase + r * rowStride + c0 * ch + d; c < c1; c++, p += ch) {
              const v = x[p];
              if (v > best) best = v, at = p;
            }
          }
          if (at >= 0) dx[at] += dy[dyBase + d];
        }
      }
    }
  }
}

/** `MaxPoolGrad` on wasm: see the module comment. */
export function maxPoolGradWasm({ inputs, backend, attrs }: MaxPoolGradArgs): TensorInfo {
  const { dy, input } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  if (input.dtype !== "float32" || dy.dtype !== "float32") {
    return callStock("MaxPoolGrad", backend, inputs, attrs);
  }
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const wasm = asWasm(backend);
  const dx = wasm.makeOutput(input.shape, "float32");
  const simd = simdEnabled ? simdKernels(backend) : null;
  const { inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  if (simd != null && isPlain2x2(info) && inChannels % 4 === 0) {
    if (inHeight !== 2 * outHeight || inWidth !== 2 * outWidth) heapF32(backend, dx).fill(0);
    simd.maxPoolGrad2x2(
      heapOffset(backend, input),
      heapOffset(backend, dy),
      heapOffset(backend, dx),
      info.batchSize,
      inHeight,
      inWidth,
      inChannels,
      outHeight,
      outWidth,
    );
    return dx;
  }
  // Views only after the last allocation: an allocation can grow (and detach) the heap.
  maxPoolGradInto(heapF32(backend, input), heapF32(backend, dy), heapF32(backend, dx), info);
  return dx;
}

/** Registration record for `MaxPoolGrad`. */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: "MaxPoolGrad",
  backendName: "wasm",
  kernelFunc: maxPoolGradWasm as unknown as KernelFunc,
};
