/**
 * `Sum` over leading axes for the wasm backend.
 *
 * Why it exists: the gradient of every bias is a sum over all axes but the
 * last (`[32,26,26,32]` → `[32]` for the CNN's convolution). The stock wasm
 * kernel reduces only innermost axes, so it first transposes the whole input
 * and then sums. Here rows are summed over the backend's heap: in JavaScript
 * (float64 accumulators), or for widths that are a multiple of 4 with a
 * hand-written SIMD kernel (`sumRows` in `simd_kernels.wat`: float32 partial
 * sums over 64-row blocks, float64 totals).
 *
 * Any other reduction (innermost or interleaved axes, integer data) goes to
 * the stock kernel.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { backend_util, util } from "@tensorflow/tfjs-core";
import { type AnyBackend, asWasm, callStock, heapF32, heapOffset, sizeOf } from "./wasm_util.ts";
import { simdKernels } from "./simd_kernels.ts";

interface SumArgs {
  inputs: { x: TensorInfo };
  backend: AnyBackend;
  attrs: { axis: number | number[]; keepDims: boolean };
}

/** Sums `rows` rows of `width` floats into `out` (exported for tests). */
export function sumRowsInto(x: Float32Array, rows: number, width: number, out: Float32Array): void {
  const acc = new Float64Array(width);
  for (let r = 0, p = 0; r < rows; r++) {
    for (let j = 0; j < width; j++, p++) acc[j] += x[p];
  }
  out.set(acc);
}

let simdEnabled = true;

/** Turns the SIMD path (widths that are a multiple of 4) on or off; returns the old setting. */
export function setSumSimd(on: boolean): boolean {
  const old = simdEnabled;
  simdEnabled = on;
  return old;
}

/** `Sum` on wasm: see the module comment. */
export function sumWasm({ inputs, backend, attrs }: SumArgs): TensorInfo {
  const { x } = inputs;
  const rank = x.shape.length;
  const axes = util.parseAxisParam(attrs.axis, x.shape).slice().sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  if (x.dtype !== "float32" || !leading || sizeOf(x.shape) === 0) {
    return callStock("Sum", backend, inputs, attrs);
  }
  const rows = sizeOf(x.shape.slice(0, axes.length));
  const outShape = x.shape.slice(axes.length);
  const width = sizeOf(outShape);
  const wasm = asWasm(backend);
  const out = wasm.makeOutput(outShape, "float32");
  const simd = simdEnabled && width % 4 === 0 ? simdKernels(backend) : null;
  if (simd != null) {
    const scratch = wasm.makeOutput([2 * width], "float32"); // room for `width` float64 totals
    simd.sumRows(heapOffset(backend, x), heapOffset(backend, out), heapOffset(backend, scratch), rows, width);
    wasm.disposeData(scratch.dataId);
  } else {
    sumRowsInto(heapF32(backend, x), rows, width, heapF32(backend, out));
  }
  if (attrs.keepDims) out.shape = backend_util.expandShapeToKeepDim(outShape, axes);
  return out;
}

/** Registration record for `Sum`. */
export const sumConfig: KernelConfig = {
  kernelName: "Sum",
  backendName: "wasm",
  kernelFunc: sumWasm as unknown as KernelFunc,
};
