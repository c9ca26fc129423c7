/**
 * The gradient of ReLU as one kernel on wasm.
 *
 * Why it exists: tfjs-core's gradient of `relu` is `dy · cast(step(x))`, three
 * kernels and two temporaries over the whole activation (`[32,26,26,32]`, 692,224
 * floats, for the report's CNN). One SIMD pass (`reluGrad` in
 * `simd_kernels.wat`: keep `dy` where `x > 0`, NaN where `x` is NaN, else 0)
 * reads two arrays and writes one.
 *
 * What it is: a kernel `MnistReluGrad` for the wasm backend and a replacement
 * of the registered gradient of `Relu` that calls it on wasm (float32) and
 * runs the stock formula on any other backend. The only difference from the
 * stock formula: where `x ≤ 0` the result is always +0, where the stock
 * product gives −0 for a negative `dy`, and NaN for an infinite one.
 * `MNIST_WASM_OVERRIDES_OFF=MnistReluGrad` (or `all`) leaves the stock gradient.
 *
 * @module
 */
import type { GradConfig, KernelConfig, KernelFunc, Tensor, TensorInfo } from "@tensorflow/tfjs-core";
import { cast, engine, getBackend, getKernel, mul, registerGradient, step } from "@tensorflow/tfjs-core";
import { type AnyBackend, asWasm, heapF32, heapOffset, sizeOf } from "./wasm_util.ts";
import { simdKernels } from "./simd_kernels.ts";

/** The kernel's name. */
export const RELU_GRAD = "MnistReluGrad";

function reluGradWasm(
  { inputs, backend }: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: AnyBackend },
): TensorInfo {
  const { dy, x } = inputs;
  const wasm = asWasm(backend);
  const out = wasm.makeOutput(x.shape, "float32");
  const n = sizeOf(x.shape);
  const simd = simdKernels(backend);
  if (simd != null) {
    simd.reluGrad(heapOffset(backend, dy), heapOffset(backend, x), heapOffset(backend, out), n);
  } else {
    const d = heapF32(backend, dy), xs = heapF32(backend, x), o = heapF32(backend, out);
    for (let i = 0; i < n; i++) o[i] = xs[i] > 0 ? d[i] : Number.isNaN(xs[i]) ? NaN : 0;
  }
  return out;
}

/** Registration record for the wasm kernel. */
export const reluGradConfig: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: "wasm",
  kernelFunc: reluGradWasm as unknown as KernelFunc,
};

/** `dy` where `x > 0`: the fused kernel on wasm, the stock formula elsewhere. */
export function reluGrad(dy: Tensor, x: Tensor): Tensor {
  if (
    getBackend() === "wasm" && dy.dtype === "float32" && x.dtype === "float32" &&
    getKernel(RELU_GRAD, "wasm") != null && dy.size === x.size
  ) {
    return engine().runKernel(RELU_GRAD, { dy, x }) as Tensor;
  }
  return mul(dy, cast(step(x), "float32"));
}

/** The gradient of `Relu` through {@link reluGrad}. */
const reluGradientConfig: GradConfig = {
  kernelName: "Relu",
  inputsToSave: ["x"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
    const [x] = saved;
    return { x: () => reluGrad(dy as Tensor, x) };
  },
};

/** Its own gradient, so that second derivatives still work: linear in `dy`, zero in `x`. */
const reluGradGradientConfig: GradConfig = {
  kernelName: RELU_GRAD,
  inputsToSave: ["x"],
  gradFunc: (ddx: Tensor | Tensor[], saved: Tensor[]) => {
    const [x] = saved;
    return { dy: () => reluGrad(ddx as Tensor, x), x: () => mul(x, 0) };
  },
};

/** Registers the replacement gradients (after the kernel is registered). */
export function installReluGrad(): void {
  registerGradient(reluGradientConfig);
  registerGradient(reluGradGradientConfig);
}
