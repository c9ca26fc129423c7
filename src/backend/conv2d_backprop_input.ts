/**
 * `Conv2DBackpropInput` for the wasm backend: the gradient of a convolution
 * with respect to its input, as a forward convolution on our direct SIMD
 * kernel (`conv2d.ts`).
 *
 * Why it exists: the stock wasm kernel is a plain scalar loop. Any CNN with a
 * convolution after its first layer needs it in every training step (the first
 * layer's input is the image, whose gradient nobody asks for); source 001's
 * deeper CNN (`deep-cnn`) spent most of its step in it.
 *
 * How: for stride 1 the input gradient is a convolution of `dy` with the filter
 * turned by 180° in space and with its input and output channels swapped,
 * `W'[i][j][o][c] = W[kh−1−i][kw−1−j][c][o]`, padded by `k − 1 − p` on each side
 * where the forward pass padded by `p`. The filter is small (at most a few
 * thousand floats here), so it is rearranged in JavaScript, and the
 * convolution runs on the direct kernel with explicit padding.
 * Strides other than 1 (which would need `dy` spread out with zeros), NCHW, and
 * input channel counts that are not a multiple of 4 (the direct kernel's
 * output channels) go to the stock kernel.
 *
 * The sums run in another order than the stock kernel's, so the last bits of
 * the gradient differ (checked against the cpu backend in
 * `tests/backend_conv_test.ts`, 1e-4 relative).
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { backend_util } from "@tensorflow/tfjs-core";
import { type AnyBackend, asWasm, callStock, heapF32 } from "./wasm_util.ts";
import { conv2dDirectOnly } from "./conv2d.ts";
import { convKernels } from "./conv_kernels.ts";

interface BackpropInputArgs {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: AnyBackend;
  attrs: {
    strides: [number, number] | number;
    pad: "valid" | "same" | number | backend_util.ExplicitPadding;
    dataFormat: "NHWC" | "NCHW";
    dimRoundingMode?: "floor" | "round" | "ceil";
    inputShape: [number, number, number, number];
  };
}

/** The filter turned by 180° with input and output channels swapped: `[kh,kw,cin,cout]` → `[kh,kw,cout,cin]`. */
export function flipFilterInto(w: Float32Array, out: Float32Array, kh: number, kw: number, cin: number, cout: number) {
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const src = ((kh - 1 - i) * kw + (kw - 1 - j)) * cin * cout, dst = (i * kw + j) * cout * cin;
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) out[dst + o * cin + c] = w[src + c * cout + o];
      }
    }
  }
}

/** `Conv2DBackpropInput` on wasm: see the module comment. */
export function conv2dBackpropInputWasm(args: BackpropInputArgs): TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  const stock = () => callStock("Conv2DBackpropInput", backend, { dy, filter }, { ...attrs });
  const strides = typeof attrs.strides === "number" ? [attrs.strides, attrs.strides] : attrs.strides;
  if (
    attrs.dataFormat !== "NHWC" || strides[0] !== 1 || strides[1] !== 1 || dy.dtype !== "float32" ||
    filter.dtype !== "float32" || filter.shape.length !== 4 || convKernels(backend) == null
  ) return stock();
  const [kh, kw, cin, cout] = filter.shape;
  if (cin % 4 !== 0) return stock();
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    1,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const { top, bottom, left, right } = info.padInfo;
  const pads: [number, number][] = [[0, 0], [kh - 1 - top, kh - 1 - bottom], [kw - 1 - left, kw - 1 - right], [0, 0]];
  if (pads.some(([a, b]) => a < 0 || b < 0)) return stock();
  const wasm = asWasm(backend);
  const flipped = wasm.makeOutput([kh, kw, cout, cin], "float32");
  try {
    flipFilterInto(heapF32(backend, filter), heapF32(backend, flipped), kh, kw, cin, cout);
    const dx = conv2dDirectOnly({
      inputs: { x: dy, filter: flipped },
      backend,
      attrs: { strides: [1, 1], pad: pads as backend_util.ExplicitPadding, dataFormat: "NHWC", dilations: [1, 1] },
    });
    if (dx == null) return stock(); // the direct kernel is switched off
    const want = attrs.inputShape;
    if (dx.shape.length !== 4 || dx.shape.some((d, i) => d !== want[i])) {
      wasm.disposeData(dx.dataId);
      return stock();
    }
    return dx;
  } finally {
    wasm.disposeData(flipped.dataId);
  }
}

/** Registration record for `Conv2DBackpropInput`. */
export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: "Conv2DBackpropInput",
  backendName: "wasm",
  kernelFunc: conv2dBackpropInputWasm as unknown as KernelFunc,
};
