/**
 * Registers the project's kernels for the wasm backend. Each kernel lives in
 * its own module with a comment on why it exists; each has a test that
 * compares it with the cpu backend (`tests/backend_kernels_test.ts`).
 *
 * @module
 */
import { getKernel, registerKernel, unregisterKernel } from "@tensorflow/tfjs-core";
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { conv2dBackpropFilterConfig } from "./conv2d_backprop_filter.ts";

/** The kernels this project adds to (or replaces in) the wasm backend. */
export const WASM_OVERRIDES: readonly KernelConfig[] = [conv2dBackpropFilterConfig];

/** Registers {@link WASM_OVERRIDES}, replacing stock kernels of the same name. Idempotent. */
export function registerWasmOverrides(): void {
  for (const config of WASM_OVERRIDES) {
    if (getKernel(config.kernelName, config.backendName) != null) {
      unregisterKernel(config.kernelName, config.backendName);
    }
    registerKernel(config);
  }
}
