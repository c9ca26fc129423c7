/**
 * The gradient of softmax (over the last axis) as one kernel on wasm.
 *
 * Why it exists: tfjs-core's gradient of `softmax` is
 * `dy·y − sum(dy·y, last axis)·y`: four kernels (`Multiply`, `Sum`,
 * `Multiply`, `Sub`) on a `[32,10]` batch, where each kernel's bookkeeping
 * (a few µs) costs far more than its 320 multiplications. Both report models
 * end in a softmax, so every training step pays it. One pass over the rows of
 * the heap does the same arithmetic (row sums in float64, each result rounded
 * to float32 once; the op chain rounds after every op).
 *
 * What it is: a kernel `MnistSoftmaxGrad` for the wasm backend and a
 * replacement of the registered gradient of `Softmax` that calls it on wasm
 * (float32, softmax over the last axis) and runs the stock formula otherwise.
 * `MNIST_WASM_OVERRIDES_OFF=MnistSoftmaxGrad` (or `all`) leaves the stock gradient.
 *
 * @module
 */
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from "@tensorflow/tfjs-core";
import { engine, getBackend, getKernel, mul, registerGradient, sub, sum } from "@tensorflow/tfjs-core";
import { type AnyBackend, asWasm, heapF32, sizeOf } from "./wasm_util.ts";

/** The kernel's name. */
export const SOFTMAX_GRAD = "MnistSoftmaxGrad";

/** `dx = dy·y − (Σ_row dy·y)·y` for rows of `width` values (exported for tests). */
export function softmaxGradInto(dy: Float32Array, y: Float32Array, dx: Float32Array, width: number): void {
  for (let o = 0; o < y.length; o += width) {
    let s = 0;
    for (let j = o; j < o + width; j++) s += Math.fround(dy[j] * y[j]);
    for (let j = o; j < o + width; j++) dx[j] = dy[j] * y[j] - s * y[j];
  }
}

function softmaxGradWasm(
  { inputs, backend }: { inputs: { dy: TensorInfo; y: TensorInfo }; backend: AnyBackend },
): TensorInfo {
  const { dy, y } = inputs;
  const out = asWasm(backend).makeOutput(y.shape, "float32");
  // Views only after the allocation (it can grow the heap).
  softmaxGradInto(heapF32(backend, dy), heapF32(backend, y), heapF32(backend, out), y.shape[y.shape.length - 1]);
  return out;
}

/** Registration record for the wasm kernel. */
export const softmaxGradConfig: KernelConfig = {
  kernelName: SOFTMAX_GRAD,
  backendName: "wasm",
  kernelFunc: softmaxGradWasm as unknown as KernelFunc,
};

/** The gradient of softmax over `dim`: the fused kernel on wasm for the last axis, the stock formula otherwise. */
export function softmaxGrad(dy: Tensor, y: Tensor, dim: number): Tensor {
  const last = dim === -1 || dim === y.rank - 1;
  if (
    last && getBackend() === "wasm" && dy.dtype === "float32" && y.dtype === "float32" &&
    sizeOf(dy.shape) === sizeOf(y.shape) && y.rank >= 1 && getKernel(SOFTMAX_GRAD, "wasm") != null
  ) {
    return engine().runKernel(SOFTMAX_GRAD, { dy, y }) as Tensor;
  }
  const dyTimesY = mul(dy, y);
  return sub(dyTimesY, mul(sum(dyTimesY, [dim], true), y));
}

/** The gradient of `Softmax` through {@link softmaxGrad} (tfjs-core's own config, other than the kernel). */
const softmaxGradientConfig: GradConfig = {
  kernelName: "Softmax",
  outputsToSave: [true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [y] = saved;
    const dim = (attrs as unknown as { dim: number }).dim;
    return { logits: () => softmaxGrad(dy as Tensor, y, dim) };
  },
};

/** Registers the replacement gradient (after the kernel is registered). */
export function installSoftmaxGrad(): void {
  registerGradient(softmaxGradientConfig);
}
