/**
 * Loader of the hand-written convolution kernels (`conv_kernels.wat`):
 * instantiated once per wasm backend, importing the backend's own memory, so
 * they read and write tensors in place by their heap offsets.
 *
 * @module
 */
import { decodeBase64 } from "./base64.ts";
import { CONV_KERNELS_WASM_BASE64 } from "./conv_kernels_wasm.ts";
import { type AnyBackend, backendModuleLoader } from "./wasm_util.ts";

/** Flags of {@link ConvKernels.conv2dForward}: add the bias. */
export const CONV_BIAS = 1;
/** Flags of {@link ConvKernels.conv2dForward}: apply ReLU. */
export const CONV_RELU = 2;
/**
 * Flags of {@link ConvKernels.conv2dForward}, instead of the two above: add the
 * bias after the sums and apply ReLU as the stock wasm `Relu` does, bit for bit
 * `Conv2D`, then `Add`, then `Relu` (the two above start the sums from the bias
 * and take ReLU as a float maximum, as `FusedConv2D` may).
 */
export const CONV_BIAS_RELU_AFTER = 4;

/**
 * The exports of `conv_kernels.wat` (NHWC, float32, dilation 1, `outC` a
 * multiple of 4; pointers are byte offsets into the backend's heap).
 */
export interface ConvKernels {
  /** `out = conv(x, w)`, plus `bias` if `flags & CONV_BIAS`, then ReLU if `flags & CONV_RELU`. */
  conv2dForward(
    x: number,
    w: number,
    bias: number,
    out: number,
    batch: number,
    inH: number,
    inW: number,
    inC: number,
    outH: number,
    outW: number,
    outC: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
    flags: number,
  ): void;
  /** The filter gradient `dw [kh,kw,inC,outC]` (overwritten) of the same convolution. */
  conv2dFilterGrad(
    x: number,
    dy: number,
    dw: number,
    batch: number,
    inH: number,
    inW: number,
    inC: number,
    outH: number,
    outW: number,
    outC: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
  ): void;
}

/** The kernels bound to this backend's memory, or null if its memory is not reachable. */
export const convKernels: (backend: AnyBackend) => ConvKernels | null = backendModuleLoader<ConvKernels>(
  "conv",
  () => decodeBase64(CONV_KERNELS_WASM_BASE64),
);
