/**
 * `Conv2DBackpropFilter` for the wasm backend: the gradient of a 2-D
 * convolution with respect to its filter.
 *
 * Why it exists: `@tensorflow/tfjs-backend-wasm` 4.22 ships no kernel of this
 * name, so `model.fit` of any model with a `Conv2D` layer throws on wasm.
 *
 * How: a 2-D convolution over NHWC data is a 3-D convolution whose depth is 1.
 * The wasm backend does ship `Conv3DBackpropFilterV2` (native C++), so the
 * input and the output gradient are viewed as `[n,1,h,w,c]` (a reshape shares
 * memory on wasm, no copy) and the filter gradient `[1,kh,kw,ci,co]` is read
 * back as `[kh,kw,ci,co]`.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { backend_util, getKernel } from "@tensorflow/tfjs-core";

/** Attributes of the `Conv2DBackpropFilter` kernel as tfjs-core passes them. */
interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

type WasmBackendLike = Parameters<KernelFunc>[0]["backend"];

function callKernel(
  name: string,
  backend: WasmBackendLike,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown>,
): TensorInfo {
  const kernel = getKernel(name, "wasm");
  if (kernel == null) {
    throw new Error(`the wasm backend has no '${name}' kernel, which Conv2DBackpropFilter needs`);
  }
  // deno-lint-ignore no-explicit-any
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as any }) as TensorInfo;
}

/** Computes dL/dW for `y = conv2d(x, W)` given `x` and `dy = dL/dy`. */
export function conv2dBackpropFilterWasm(
  args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: WasmBackendLike; attrs: Conv2DBackpropFilterAttrs },
): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat !== "NHWC") {
    throw new Error(`Conv2DBackpropFilter on wasm supports dataFormat NHWC only, got ${dataFormat}`);
  }
  if (typeof pad === "object" || dimRoundingMode != null) {
    throw new Error("Conv2DBackpropFilter on wasm supports pad 'same', 'valid' or a number, without dimRoundingMode");
  }
  const [strideHeight, strideWidth] = typeof strides === "number" ? [strides, strides] : strides;
  const [n, h, w, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const x5 = callKernel("Reshape", backend, { x }, { shape: [n, 1, h, w, ci] });
  const dy5 = callKernel("Reshape", backend, { x: dy }, { shape: [n, 1, oh, ow, co] });
  try {
    const dw5 = callKernel("Conv3DBackpropFilterV2", backend, { x: x5, dy: dy5 }, {
      strides: [1, strideHeight, strideWidth],
      pad,
      filterShape: [1, ...filterShape],
    });
    const dw = callKernel("Reshape", backend, { x: dw5 }, { shape: filterShape });
    backend.disposeData(dw5.dataId);
    return dw;
  } finally {
    backend.disposeData(x5.dataId);
    backend.disposeData(dy5.dataId);
  }
}

/** Kernel registration record for `tf.registerKernel`. */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: conv2dBackpropFilterWasm as unknown as KernelFunc,
};
