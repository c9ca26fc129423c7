/**
 * `GatherV2` for the wasm backend: copies whole slices instead of single
 * elements.
 *
 * Why it exists: `model.fit` cuts every batch out of the training set with a
 * gather of rows (`[32,28,28,1]` from `[6000,28,28,1]`). The stock wasm kernel
 * copies element by element with stride arithmetic; one `TypedArray.set` (a
 * memcpy) per row does the same in a small fraction of the time.
 *
 * Same contract as the stock kernel: out-of-range indices throw; any dtype;
 * `batchDims` supported.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { backend_util, util } from "@tensorflow/tfjs-core";
import { type AnyBackend, asWasm, callStock, sizeOf } from "./wasm_util.ts";

interface GatherArgs {
  inputs: { x: TensorInfo; indices: TensorInfo };
  backend: AnyBackend;
  attrs: { axis: number; batchDims: number };
}

/** Slices shorter than this are copied element by element (cheaper than a `set` call). */
const SET_MIN = 16;

/** `GatherV2` on wasm: see the module comment. */
export function gatherWasm({ inputs, backend, attrs }: GatherArgs): TensorInfo {
  const { x, indices } = inputs;
  if (indices.dtype !== "int32" || sizeOf(x.shape) === 0 || sizeOf(indices.shape) === 0) {
    return callStock("GatherV2", backend, inputs, attrs);
  }
  const wasm = asWasm(backend);
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
  const info = backend_util.segment_util.collectGatherOpShapeInfo(
    x as unknown as Parameters<typeof backend_util.segment_util.collectGatherOpShapeInfo>[0],
    indices as unknown as Parameters<typeof backend_util.segment_util.collectGatherOpShapeInfo>[1],
    axis,
    attrs.batchDims ?? 0,
  );
  const { batchSize, outerSize, dimSize, sliceSize } = info;
  const perBatch = sizeOf(indices.shape) / batchSize;
  const idx = wasm.typedArrayFromHeap(indices) as Int32Array;
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (!(v >= 0 && v < dimSize)) throw new Error(`GatherV2: the index value ${v} is not in [0, ${dimSize - 1}]`);
  }
  const out = wasm.makeOutput(info.outputShape, x.dtype);
  const src = wasm.typedArrayFromHeap(x);
  const dst = wasm.typedArrayFromHeap(out);
  const index = wasm.typedArrayFromHeap(indices) as Int32Array; // after the allocation
  let q = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let o = 0; o < outerSize; o++) {
      const base = (b * outerSize + o) * dimSize * sliceSize;
      for (let i = 0; i < perBatch; i++) {
        const p = base + index[b * perBatch + i] * sliceSize;
        if (sliceSize >= SET_MIN) {
          dst.set(src.subarray(p, p + sliceSize), q);
          q += sliceSize;
        } else {
          for (let j = 0; j < sliceSize; j++) dst[q++] = src[p + j];
        }
      }
    }
  }
  return out;
}

/** Registration record for `GatherV2`. */
export const gatherConfig: KernelConfig = {
  kernelName: "GatherV2",
  backendName: "wasm",
  kernelFunc: gatherWasm as unknown as KernelFunc,
};
