/**
 * `MaxPool` for the wasm backend: 2×2 windows with stride 2 in one SIMD pass.
 *
 * Why it exists: the report's CNN pools `[32,26,26,32]` to `[32,13,13,32]` in
 * every training step. `maxPool2x2` in `simd_kernels.wat` reads each window's
 * four rows of channels as vectors and keeps the maximum as the cpu backend
 * defines it (start at −∞, keep only a greater value: a NaN never wins, an
 * all-NaN window gives −∞; XNNPACK, the stock kernel, propagates NaN instead).
 * On more cores the images are shared out (`kernel_threads.ts`).
 *
 * Only float32, NHWC, 2×2 windows with stride 2 inside the input (no padding
 * used), channels a multiple of 4; anything else goes to the stock kernel.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { backend_util } from "@tensorflow/tfjs-core";
import { type AnyBackend, asWasm, callStock, heapOffset, sizeOf } from "./wasm_util.ts";
import { kernelThreads, PASS_WORK, runInParts } from "./kernel_threads.ts";
import { simdKernels } from "./simd_kernels.ts";
import { isPlain2x2, type PoolAttrs } from "./max_pool_grad.ts";

interface MaxPoolArgs {
  inputs: { x: TensorInfo };
  backend: AnyBackend;
  attrs: PoolAttrs;
}

/** `MaxPool` on wasm: see the module comment. */
export function maxPoolWasm({ inputs, backend, attrs }: MaxPoolArgs): TensorInfo {
  const { x } = inputs;
  if (x.dtype === "float32" && x.shape.length === 4) {
    const info = backend_util.computePool2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const simd = isPlain2x2(info) && info.inChannels % 4 === 0 && info.outHeight > 0 && info.outWidth > 0
      ? simdKernels(backend)
      : null;
    if (simd != null) {
      const wasm = asWasm(backend);
      const out = wasm.makeOutput(info.outShape, "float32");
      const px = heapOffset(backend, x), po = heapOffset(backend, out);
      const inImage = 4 * info.inHeight * info.inWidth * info.inChannels;
      const outImage = 4 * info.outHeight * info.outWidth * info.outChannels;
      // Images are independent: on more threads, each takes blocks of them.
      runInParts(
        kernelThreads(backend),
        "simd.maxPool2x2",
        simd.maxPool2x2,
        info.batchSize,
        1,
        PASS_WORK * sizeOf(x.shape),
        (
          image,
          images,
        ) => [
          px + image * inImage,
          po + image * outImage,
          images,
          info.inHeight,
          info.inWidth,
          info.inChannels,
          info.outHeight,
          info.outWidth,
        ],
      );
      return out;
    }
  }
  return callStock("MaxPool", backend, inputs, attrs);
}

/** Registration record for `MaxPool`. */
export const maxPoolConfig: KernelConfig = {
  kernelName: "MaxPool",
  backendName: "wasm",
  kernelFunc: maxPoolWasm as unknown as KernelFunc,
};
