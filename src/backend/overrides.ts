/**
 * Registers the project's kernels for the wasm backend. Each kernel lives in
 * its own module with a comment on why it exists and what it gained; each has
 * a test that compares it with the cpu backend (`tests/backend_kernels_test.ts`).
 * `docs/PERFORMANCE.md` has the measurements.
 *
 * An override that replaces a stock kernel keeps the stock kernel's setup
 * (which binds its C++ function) and can still call it, through
 * {@link callStock} in `wasm_util.ts`.
 *
 * @module
 */
import { getKernel, registerKernel, unregisterKernel } from "@tensorflow/tfjs-core";
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { conv2dBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2dBackpropInputConfig } from "./conv2d_backprop_input.ts";
import { conv2dConfig, fusedConv2dConfig } from "./conv2d.ts";
import { batchMatMulConfig, fusedMatMulConfig } from "./mat_mul.ts";
import { gatherConfig } from "./gather.ts";
import { castConfig, identityConfig } from "./identity.ts";
import { addConfig } from "./add_bias.ts";
import { installFusedAdam } from "./fused_adam.ts";
import { maxPoolGradConfig } from "./max_pool_grad.ts";
import { maxPoolConfig } from "./max_pool.ts";
import { sumConfig } from "./sum.ts";
import { installReluGrad, RELU_GRAD, reluGradConfig } from "./relu_grad.ts";
import { installSoftmaxGrad, SOFTMAX_GRAD, softmaxGradConfig } from "./softmax_grad.ts";
import { saveStockKernel } from "./wasm_util.ts";
import { disabledOverrides } from "./switches.ts";

export { callStock } from "./wasm_util.ts";
export {
  directStepEnabled,
  disabledOverrides,
  fusedLossEnabled,
  OVERRIDES_OFF_ENV_VAR,
  threadsWanted,
} from "./switches.ts";

/** The kernels this project adds to (or replaces in) the wasm backend. */
export const WASM_OVERRIDES: readonly KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  conv2dConfig,
  fusedConv2dConfig,
  batchMatMulConfig,
  fusedMatMulConfig,
  maxPoolGradConfig,
  sumConfig,
  gatherConfig,
  identityConfig,
  castConfig,
  addConfig,
  reluGradConfig,
  maxPoolConfig,
  softmaxGradConfig,
];

/**
 * Registers {@link WASM_OVERRIDES}, replacing stock kernels of the same name,
 * and installs the fused Adam update, except those named in
 * {@link OVERRIDES_OFF_ENV_VAR}. Idempotent. Call it before the wasm backend
 * initialises (as `src/tf.ts` does), so that the stock kernels' setup still runs.
 */
export function registerWasmOverrides(): void {
  const off = disabledOverrides();
  const all = off.has("all");
  // Not a kernel: Adam's update as one pass per variable, see fused_adam.ts.
  if (!all && !off.has("Adam")) installFusedAdam();
  // Not a kernel either: the gradient of Relu, through the MnistReluGrad kernel on wasm, see relu_grad.ts.
  if (!all && !off.has(RELU_GRAD)) installReluGrad();
  if (!all && !off.has(SOFTMAX_GRAD)) installSoftmaxGrad();
  for (const config of WASM_OVERRIDES) {
    // Conv2DBackpropFilter stays: the stock backend has none.
    if ((all || off.has(config.kernelName)) && config.kernelName !== "Conv2DBackpropFilter") continue;
    const stock = saveStockKernel(config.kernelName);
    if (getKernel(config.kernelName, config.backendName) != null) {
      unregisterKernel(config.kernelName, config.backendName);
    }
    registerKernel({
      ...config,
      setupFunc: config.setupFunc ?? stock?.setupFunc,
      disposeFunc: config.disposeFunc ?? stock?.disposeFunc,
    });
  }
}
