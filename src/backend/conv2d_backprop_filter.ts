/**
 * `Conv2DBackpropFilter` for the wasm backend: the gradient of a 2-D
 * convolution with respect to its filter.
 *
 * Why it exists: `@tensorflow/tfjs-backend-wasm` 4.22 ships no kernel of this
 * name, so `model.fit` of any model with a `Conv2D` layer throws on wasm.
 *
 * How (main path, im2col): with `P = batch·outH·outW` output positions and
 * `K = kh·kw·inC` filter taps, the input patches form a matrix `cols [P,K]`
 * (built in JavaScript over the backend's heap; taps that fall in the padding
 * are 0) and the gradient is the product `colsᵀ·dy`, `[K,P]·[P,outC]`, which
 * our `BatchMatMul` (see `mat_mul.ts`) runs on XNNPACK's fast path, choosing
 * which operand to pack. For the report's CNN (`[32,28,28,1]`, 3×3, 32
 * filters) this takes about 1.5 ms per step.
 *
 * Fallback (when `cols` would exceed {@link IM2COL_MAX_FLOATS}): a 2-D
 * convolution over NHWC data is a 3-D convolution of depth 1, and the wasm
 * backend ships `Conv3DBackpropFilterV2` (native C++), so the operands are
 * viewed as `[n,1,h,w,c]` and the filter gradient `[1,kh,kw,ci,co]` is read
 * back as `[kh,kw,ci,co]`. This was the first implementation: about 11 ms per
 * step for the report's CNN.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { backend_util } from "@tensorflow/tfjs-core";
import { batchMatMulWasm } from "./mat_mul.ts";
import { type AnyBackend, asWasm, callStock, heapF32, view } from "./wasm_util.ts";

/** Largest patch matrix (in floats) the im2col path builds: 16 Mi floats = 64 MiB. */
export const IM2COL_MAX_FLOATS = 16 * 1024 * 1024;

/** Attributes of the `Conv2DBackpropFilter` kernel as tfjs-core passes them. */
interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

/** Fills `cols [P,K]` with the input patches of a convolution (exported for tests). */
export function im2colInto(x: Float32Array, cols: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight: kh, filterWidth: kw, dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  const taps = kh * kw * ci;
  let p = 0;
  for (let b = 0; b < batchSize; b++) {
    const xb = b * inHeight * inWidth * ci;
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++, p += taps) {
        let q = p;
        for (let fy = 0; fy < kh; fy++) {
          const iy = oy * strideHeight - top + fy * dh;
          const rowInside = iy >= 0 && iy < inHeight;
          for (let fx = 0; fx < kw; fx++) {
            const ix = ox * strideWidth - left + fx * dw;
            if (rowInside && ix >= 0 && ix < inWidth) {
              const src = xb + (iy * inWidth + ix) * ci;
              if (ci === 1) cols[q] = x[src];
              else cols.set(x.subarray(src, src + ci), q);
            } else {
              cols.fill(0, q, q + ci);
            }
            q += ci;
          }
        }
      }
    }
  }
}

/** The first implementation, through the native 3-D kernel. */
function viaConv3d(
  backend: AnyBackend,
  x: TensorInfo,
  dy: TensorInfo,
  strides: [number, number],
  pad: Conv2DBackpropFilterAttrs["pad"],
  filterShape: [number, number, number, number],
): TensorInfo {
  if (typeof pad === "object") {
    throw new Error("Conv2DBackpropFilter on wasm: explicit padding needs the im2col path, whose matrix is too large");
  }
  const [n, h, w, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const dw5 = callStock("Conv3DBackpropFilterV2", backend, {
    x: view(x, [n, 1, h, w, ci]),
    dy: view(dy, [n, 1, oh, ow, co]),
  }, { strides: [1, strides[0], strides[1]], pad, filterShape: [1, ...filterShape] });
  return { dataId: dw5.dataId, shape: filterShape, dtype: dw5.dtype };
}

/** Computes dL/dW for `y = conv2d(x, W)` given `x` and `dy = dL/dy`. */
export function conv2dBackpropFilterWasm(
  args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: AnyBackend; attrs: Conv2DBackpropFilterAttrs },
): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat !== "NHWC") {
    throw new Error(`Conv2DBackpropFilter on wasm supports dataFormat NHWC only, got ${dataFormat}`);
  }
  const s: [number, number] = typeof strides === "number" ? [strides, strides] : strides;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    s,
    1,
    pad,
    dimRoundingMode,
    false,
    "channelsLast",
  );
  const [kh, kw, ci, co] = filterShape;
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const taps = kh * kw * ci;
  if (positions * taps > IM2COL_MAX_FLOATS) {
    if (dimRoundingMode != null) throw new Error("Conv2DBackpropFilter on wasm: dimRoundingMode needs im2col");
    return viaConv3d(backend, x, dy, s, pad, filterShape);
  }
  const wasm = asWasm(backend);
  const cols = wasm.makeOutput([positions, taps], "float32");
  try {
    im2colInto(heapF32(backend, x), heapF32(backend, cols), info);
    const dw = batchMatMulWasm({
      inputs: { a: cols, b: view(dy, [positions, co]) },
      backend,
      attrs: { transposeA: true, transposeB: false },
    });
    return { dataId: dw.dataId, shape: filterShape, dtype: dw.dtype };
  } finally {
    wasm.disposeData(cols.dataId);
  }
}

/** Kernel registration record for `tf.registerKernel`. */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: conv2dBackpropFilterWasm as unknown as KernelFunc,
};
