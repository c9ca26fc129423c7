/**
 * `Conv2D` and `FusedConv2D` for the wasm backend: a direct convolution in
 * hand-written WebAssembly SIMD (`conv2dForward` in `conv_kernels.wat`).
 *
 * Why it exists: the report's CNN convolves `[32,28,28,1]` with 32 filters of
 * 3×3 in every training step and every prediction. With one input channel the
 * stock kernel (XNNPACK's) spends much of its time on setup and indirection
 * rather than arithmetic. The direct kernel keeps the accumulators in vector
 * registers (two neighbouring output pixels × 16 channels, or one pixel × 32
 * channels at the borders), adds `x · w` with fused multiply-adds
 * (`f32x4.relaxed_madd`) and clips the taps to the input instead of padding it.
 * On more cores the images are shared out (`kernel_threads.ts`).
 *
 * Handled: NHWC, float32, dilation 1, output channels a multiple of 4, and
 * for `FusedConv2D` activation `linear` or `relu` with no bias or a bias of
 * `outC` values (leading 1s allowed) and no PReLU weights. Anything else goes
 * to the stock kernel.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { backend_util, getKernel } from "@tensorflow/tfjs-core";
import { type AnyBackend, asWasm, callStock, heapOffset, sizeOf } from "./wasm_util.ts";
import { CONV_BIAS, CONV_BIAS_RELU_AFTER, CONV_RELU, convKernels } from "./conv_kernels.ts";
import { kernelThreads, runInParts } from "./kernel_threads.ts";

/** Attributes of `Conv2D` and `FusedConv2D` as tfjs-core passes them. */
interface ConvAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dilations: [number, number] | number;
  dimRoundingMode?: "floor" | "round" | "ceil";
  activation?: string;
  leakyreluAlpha?: number;
}

interface ConvArgs {
  inputs: { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo | null; preluActivationWeights?: TensorInfo | null };
  backend: AnyBackend;
  attrs: ConvAttrs;
}

let directEnabled = true;

/** Turns the direct SIMD convolution on or off (off: the stock kernels); returns the old setting. */
export function setConv2dDirect(on: boolean): boolean {
  const old = directEnabled;
  directEnabled = on;
  return old;
}

function isDilation1(d: [number, number] | number | undefined): boolean {
  return d == null || (typeof d === "number" ? d === 1 : d[0] === 1 && d[1] === 1);
}

/** The direct convolution, or null if it does not apply (the caller then uses the stock kernel). */
function directConv2d(
  { inputs, backend, attrs }: ConvArgs,
  bias: TensorInfo | null,
  relu: boolean,
  biasReluAfter = false,
): TensorInfo | null {
  const { x, filter } = inputs;
  if (!directEnabled || attrs.dataFormat !== "NHWC" || !isDilation1(attrs.dilations)) return null;
  if (x.dtype !== "float32" || filter.dtype !== "float32" || x.shape.length !== 4 || filter.shape.length !== 4) {
    return null;
  }
  const outC = filter.shape[3];
  if (outC % 4 !== 0 || filter.shape[2] !== x.shape[3]) return null;
  if (bias != null && (bias.dtype !== "float32" || sizeOf(bias.shape) !== outC || bias.shape.length === 0)) {
    return null;
  }
  if (bias != null && bias.shape[bias.shape.length - 1] !== outC) return null;
  const kernels = convKernels(backend);
  if (kernels == null) return null;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const wasm = asWasm(backend);
  const out = wasm.makeOutput(info.outShape, "float32");
  if (sizeOf(info.outShape) === 0) return out;
  const px = heapOffset(backend, x), pw = heapOffset(backend, filter), pout = heapOffset(backend, out);
  const pbias = bias != null ? heapOffset(backend, bias) : 0;
  const inImage = 4 * info.inHeight * info.inWidth * info.inChannels;
  const outImage = 4 * info.outHeight * info.outWidth * info.outChannels;
  const work = sizeOf(info.outShape) * info.filterHeight * info.filterWidth * info.inChannels;
  // Images are independent: on more threads, each takes blocks of them.
  runInParts(kernelThreads(backend), "conv.conv2dForward", kernels.conv2dForward, info.batchSize, 1, work, (
    image,
    images,
  ) => [
    px + image * inImage,
    pw,
    pbias,
    pout + image * outImage,
    images,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    biasReluAfter ? CONV_BIAS_RELU_AFTER : (bias != null ? CONV_BIAS : 0) | (relu ? CONV_RELU : 0),
  ]);
  return out;
}

/** The direct convolution (no bias, no activation), or null where it does not apply; never the stock kernel. */
export function conv2dDirectOnly(args: ConvArgs): TensorInfo | null {
  return directConv2d(args, null, false);
}

/**
 * `Conv2D`, then `Add` of a bias of `outC` values, then `Relu`, in one pass of
 * the direct kernel, bit for bit the three kernels (for the direct training
 * step); null where the direct kernel does not apply or the registered
 * `Conv2D` is not this module's (then the caller runs the three kernels).
 */
export function conv2dBiasReluDirect(args: ConvArgs & { inputs: { bias: TensorInfo } }): TensorInfo | null {
  if (getKernel("Conv2D", "wasm")?.kernelFunc !== conv2dConfig.kernelFunc) return null;
  const outC = args.inputs.filter.shape[3];
  if (args.inputs.bias.shape.length !== 1 || args.inputs.bias.shape[0] !== outC) return null;
  return directConv2d(args, args.inputs.bias, true, true);
}

/** `Conv2D` on wasm: see the module comment. */
export function conv2dWasm(args: ConvArgs): TensorInfo {
  return directConv2d(args, null, false) ??
    callStock("Conv2D", args.backend, { x: args.inputs.x, filter: args.inputs.filter }, { ...args.attrs });
}

/** `FusedConv2D` on wasm: see the module comment. */
export function fusedConv2dWasm(args: ConvArgs): TensorInfo {
  const { activation } = args.attrs;
  const { bias, preluActivationWeights } = args.inputs;
  if ((activation === "linear" || activation === "relu" || activation == null) && preluActivationWeights == null) {
    const out = directConv2d(args, bias ?? null, activation === "relu");
    if (out != null) return out;
  }
  return callStock("FusedConv2D", args.backend, args.inputs, { ...args.attrs });
}

/** Registration record for `Conv2D`. */
export const conv2dConfig: KernelConfig = {
  kernelName: "Conv2D",
  backendName: "wasm",
  kernelFunc: conv2dWasm as unknown as KernelFunc,
};

/** Registration record for `FusedConv2D`. */
export const fusedConv2dConfig: KernelConfig = {
  kernelName: "FusedConv2D",
  backendName: "wasm",
  kernelFunc: fusedConv2dWasm as unknown as KernelFunc,
};
