/**
 * `Add` of a bias vector to every row (`[..., C] + [C]`) for the wasm backend.
 *
 * Why it exists: a convolution layer adds its bias as `Add([32,26,26,32], [32])`
 * in every training step through the engine; the stock wasm kernel takes its
 * general broadcasting path for that. A hand-written SIMD loop (`addBias` in
 * `simd_kernels.wat`, four channels at a time) is several times faster.
 *
 * Only float32, a bias of `C` values (any leading 1s) against an operand whose
 * last dimension is `C`, `C` a multiple of 4, in either order; anything else
 * goes to the stock kernel.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { type AnyBackend, asWasm, callStock, heapOffset, sizeOf } from "./wasm_util.ts";
import { simdKernels } from "./simd_kernels.ts";

interface AddArgs {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: AnyBackend;
}

/** `C` if `bias` is a vector of `C` values (leading 1s allowed) matching the last dimension of `x`, else 0. */
function biasChannels(x: TensorInfo, bias: TensorInfo): number {
  if (x.shape.length < 2 || bias.shape.length > x.shape.length) return 0;
  const c = x.shape[x.shape.length - 1];
  if (bias.shape.length === 0 || bias.shape[bias.shape.length - 1] !== c) return 0;
  if (bias.shape.slice(0, -1).some((d) => d !== 1)) return 0;
  return c;
}

/** `Add` on wasm: see the module comment. */
export function addWasm({ inputs, backend }: AddArgs): TensorInfo {
  const { a, b } = inputs;
  if (a.dtype === "float32" && b.dtype === "float32") {
    for (const [x, bias] of [[a, b], [b, a]]) {
      const c = biasChannels(x, bias);
      const simd = c > 0 && c % 4 === 0 && sizeOf(x.shape) > c ? simdKernels(backend) : null;
      if (simd != null) {
        const wasm = asWasm(backend);
        const out = wasm.makeOutput(x.shape, "float32");
        simd.addBias(
          heapOffset(backend, x),
          heapOffset(backend, bias),
          heapOffset(backend, out),
          sizeOf(x.shape) / c,
          c,
        );
        return out;
      }
    }
  }
  return callStock("Add", backend, inputs);
}

/** Registration record for `Add`. */
export const addConfig: KernelConfig = {
  kernelName: "Add",
  backendName: "wasm",
  kernelFunc: addWasm as unknown as KernelFunc,
};
