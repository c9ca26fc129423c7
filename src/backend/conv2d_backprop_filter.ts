/**
 * `Conv2DBackpropFilter` for the wasm backend: the gradient of a 2-D
 * convolution with respect to its filter.
 *
 * Why it exists: `@tensorflow/tfjs-backend-wasm` 4.22 ships no kernel of this
 * name, so `model.fit` of any model with a `Conv2D` layer throws on wasm.
 *
 * How (direct, the usual path): `conv2dFilterGrad` in `conv_kernels.wat`, a
 * hand-written WebAssembly SIMD kernel over the backend's heap. For each
 * output row it runs every filter tap `(ky,kx,ci)` over the row's output
 * columns whose input is inside the image, with 32 output channels of sums in
 * eight vector registers (fused multiply-adds, `f32x4.relaxed_madd`), and adds
 * them to the gradient. Taken for NHWC float32 with a multiple of 4 output
 * channels (the kernel has dilation 1, as tfjs's conv2d gradient requires).
 * On more cores the filter's rows are shared out (`kernel_threads.ts`); the
 * batch is not, since splitting it would change the order of the sums.
 *
 * How (im2col, the fallback): with `P = batch·outH·outW` output positions and
 * `K = kh·kw·inC` filter taps, the input patches form a matrix `cols [P,K]`
 * (built in JavaScript over the backend's heap; taps that fall in the padding
 * are 0) and the gradient is the product `colsᵀ·dy`, `[K,P]·[P,outC]`, on our
 * `BatchMatMul` (`mat_mul.ts`). When `cols` would exceed
 * {@link IM2COL_MAX_FLOATS} floats the batch is cut into chunks whose products
 * are added up.
 *
 * An early version viewed the 2-D convolution as a 3-D one of depth 1 and
 * called the stock `Conv3DBackpropFilterV2`: slow, and wrong for stride 2 when
 * (in − k) is odd. `docs/PERFORMANCE.md` has the measurements.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { backend_util } from "@tensorflow/tfjs-core";
import { batchMatMulWasm } from "./mat_mul.ts";
import { type AnyBackend, asWasm, heapF32, heapOffset, sizeOf, view } from "./wasm_util.ts";
import { convKernels } from "./conv_kernels.ts";
import { kernelThreads, runInParts } from "./kernel_threads.ts";

/** Default largest patch matrix (in floats) one im2col chunk builds: 16 Mi floats = 64 MiB. */
export const IM2COL_MAX_FLOATS = 16 * 1024 * 1024;

let im2colLimit = IM2COL_MAX_FLOATS;

/** Sets the largest patch matrix one chunk builds (tests use 0: one image per chunk); returns the old one. */
export function setIm2colLimit(floats: number): number {
  const old = im2colLimit;
  im2colLimit = floats;
  return old;
}

let directEnabled = true;

/** Turns the direct SIMD filter gradient on or off (off: im2col + matrix product); returns the old setting. */
export function setConv2dFilterGradDirect(on: boolean): boolean {
  const old = directEnabled;
  directEnabled = on;
  return old;
}

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
  const wasm = asWasm(backend);
  const direct = directEnabled && co % 4 === 0 && x.dtype === "float32" && dy.dtype === "float32"
    ? convKernels(backend)
    : null;
  if (direct != null) {
    const dw = wasm.makeOutput(filterShape, "float32");
    const px = heapOffset(backend, x), pdy = heapOffset(backend, dy), pdw = heapOffset(backend, dw);
    const tapRowBytes = 4 * kw * ci * co;
    const work = sizeOf(dy.shape) * kh * kw * ci;
    // On more threads, each takes filter rows ky: the taps of rows [k0, k0 + rows) are the filter of a
    // convolution padded by top − k0 (a negative top reads below the first row), written from dw's row k0.
    // Every gradient element still sums the same products in the same order.
    runInParts(kernelThreads(backend), "conv.conv2dFilterGrad", direct.conv2dFilterGrad, kh, 1, work, (k0, rows) => [
      px,
      pdy,
      pdw + k0 * tapRowBytes,
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
      co,
      rows,
      kw,
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top - k0,
      info.padInfo.left,
    ]);
    return dw;
  }
  const taps = kh * kw * ci;
  const perImage = info.outHeight * info.outWidth;
  const [batch, h, w] = x.shape;
  const chunk = Math.max(1, Math.min(batch, Math.floor(im2colLimit / Math.max(1, perImage * taps))));
  let total: TensorInfo | null = null;
  for (let b0 = 0; b0 < batch; b0 += chunk) {
    const images = Math.min(chunk, batch - b0);
    const positions = images * perImage;
    const cols = wasm.makeOutput([positions, taps], "float32");
    let part: TensorInfo;
    try {
      const xAll = heapF32(backend, x);
      im2colInto(xAll.subarray(b0 * h * w * ci, (b0 + images) * h * w * ci), heapF32(backend, cols), {
        ...info,
        batchSize: images,
      });
      const dyChunk = images === batch ? view(dy, [positions, co]) : wasm.makeOutput([positions, co], "float32");
      if (images !== batch) {
        heapF32(backend, dyChunk).set(heapF32(backend, dy).subarray(b0 * perImage * co, (b0 + images) * perImage * co));
      }
      try {
        part = batchMatMulWasm({
          inputs: { a: cols, b: dyChunk },
          backend,
          attrs: { transposeA: true, transposeB: false },
        });
      } finally {
        if (images !== batch) wasm.disposeData(dyChunk.dataId);
      }
    } finally {
      wasm.disposeData(cols.dataId);
    }
    if (total == null) {
      total = part;
    } else {
      const acc = heapF32(backend, total), add = heapF32(backend, part);
      for (let i = 0; i < acc.length; i++) acc[i] += add[i];
      wasm.disposeData(part.dataId);
    }
  }
  if (total == null) {
    total = wasm.makeOutput(filterShape, "float32");
    heapF32(backend, total).fill(0);
  }
  return { dataId: total.dataId, shape: filterShape, dtype: "float32" };
}

/** Kernel registration record for `tf.registerKernel`. */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: conv2dBackpropFilterWasm as unknown as KernelFunc,
};
