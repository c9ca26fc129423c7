/**
 * `Identity` and same-dtype `Cast` for the wasm backend: share the input's
 * data instead of copying it.
 *
 * Why they exist: tensors are immutable in TensorFlow.js (a `Variable`'s
 * `assign` swaps in new data, no kernel writes into its inputs), so the cpu
 * backend's `Identity` just takes another reference to the same data, as the
 * wasm backend's own `Reshape` does. The stock wasm `Identity` and `Cast`
 * allocate and copy instead, and `model.fit` through the engine calls them
 * dozens of times per step (clones of activations and gradients, casts of
 * float32 to float32).
 *
 * Strings, and casts that change the dtype, go to the stock kernels.
 *
 * @module
 */
import type { DataType, KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { type AnyBackend, callStock } from "./wasm_util.ts";

interface SharingBackend {
  incRef(dataId: object): void;
}

/** Another reference to `x`'s data. */
function share(backend: AnyBackend, x: TensorInfo): TensorInfo {
  (backend as unknown as SharingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** `Identity` on wasm: see the module comment. */
export function identityWasm(args: { inputs: { x: TensorInfo }; backend: AnyBackend }): TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype === "string") return callStock("Identity", backend, { x });
  return share(backend, x);
}

/** `Cast` on wasm: see the module comment. */
export function castWasm(
  args: { inputs: { x: TensorInfo }; backend: AnyBackend; attrs: { dtype: DataType } },
): TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  if (x.dtype === "string" || attrs.dtype !== x.dtype) return callStock("Cast", backend, { x }, attrs);
  return share(backend, x);
}

/** Registration record for `Identity`. */
export const identityConfig: KernelConfig = {
  kernelName: "Identity",
  backendName: "wasm",
  kernelFunc: identityWasm as unknown as KernelFunc,
};

/** Registration record for `Cast`. */
export const castConfig: KernelConfig = {
  kernelName: "Cast",
  backendName: "wasm",
  kernelFunc: castWasm as unknown as KernelFunc,
};
