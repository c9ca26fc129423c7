/**
 * Shared plumbing for the project's wasm kernels: a typed view of the parts of
 * the wasm backend the kernels use, calls to the stock kernels (captured before
 * our overrides replace them), 2-D transposes, and heap views.
 *
 * @module
 */
import type { DataId, DataType, KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { getKernel } from "@tensorflow/tfjs-core";
import { isShared, sharedMemoryImport } from "./shared_memory.ts";

/** What a kernel function receives as `backend` (the public `KernelFunc` type says `{}`). */
export type AnyBackend = Parameters<KernelFunc>[0]["backend"];

/** The members of `BackendWasm` (tfjs-backend-wasm 4.22) that our kernels use. */
export interface WasmBackend {
  dataIdMap: { get(dataId: DataId): { id: number; memoryOffset: number; shape: number[]; dtype: DataType } };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: DataId): boolean;
}

/** The backend as a {@link WasmBackend}. */
export function asWasm(backend: AnyBackend): WasmBackend {
  return backend as unknown as WasmBackend;
}

/** The stock wasm kernels, saved the first time an override replaces one. */
const stockKernels = new Map<string, KernelConfig>();

/**
 * Saves the currently registered wasm kernel `name` as the stock one, unless a
 * stock kernel of that name was saved before (so a second registration of our
 * overrides never mistakes an override for the stock kernel).
 */
export function saveStockKernel(name: string): KernelConfig | undefined {
  if (!stockKernels.has(name)) {
    const kernel = getKernel(name, "wasm");
    if (kernel != null) stockKernels.set(name, kernel);
  }
  return stockKernels.get(name);
}

/** Runs a wasm kernel: the stock one if an override replaced it, else the registered one. */
export function callStock(
  name: string,
  backend: AnyBackend,
  inputs: Record<string, TensorInfo | null | undefined>,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  const kernel = stockKernels.get(name) ?? getKernel(name, "wasm");
  if (kernel == null) throw new Error(`the wasm backend has no '${name}' kernel`);
  // deno-lint-ignore no-explicit-any
  return kernel.kernelFunc({ inputs: inputs as any, backend, attrs: attrs as any }) as TensorInfo;
}

/** A view of `info`'s data with another shape of the same size (no copy, no new reference). */
export function view(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** The transpose of the matrix `rows × cols` stored in `info` (a new tensor `cols × rows`). */
export function transpose2d(backend: AnyBackend, info: TensorInfo, rows: number, cols: number): TensorInfo {
  return callStock("Transpose", backend, { x: view(info, [rows, cols]) }, { perm: [1, 0] });
}

/** A float32 view of a tensor's data on the wasm heap. Take it after the last allocation. */
export function heapF32(backend: AnyBackend, info: TensorInfo): Float32Array {
  return asWasm(backend).typedArrayFromHeap(info) as Float32Array;
}

/** Product of the dimensions. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** The byte offset of a tensor's data in the backend's heap (what the hand-written kernels take as a pointer). */
export function heapOffset(backend: AnyBackend, info: TensorInfo): number {
  return asWasm(backend).dataIdMap.get(info.dataId).memoryOffset;
}

/** The backend's `WebAssembly.Memory`, or null where it is not reachable (another build of the backend). */
export function backendMemory(backend: AnyBackend): WebAssembly.Memory | null {
  const memory = (backend as unknown as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** Our hand-written modules by name, compiled for a shared memory (for `kernel_threads.ts`'s workers). */
const sharedModules = new Map<string, () => WebAssembly.Module>();

/** Every module a {@link backendModuleLoader} was made for, compiled to import a shared memory. */
export function sharedKernelModules(): Record<string, WebAssembly.Module> {
  return Object.fromEntries([...sharedModules].map(([name, compile]) => [name, compile()]));
}

/**
 * A loader for one of our hand-written wasm modules: compiled once, instantiated
 * once per backend with the backend's own `WebAssembly.Memory` as its import, so
 * its exports read and write tensors in place. Where that memory is shared
 * (`shared_memory.ts`), the module's memory import is marked shared to match.
 * The loader returns null where the memory is not reachable (another build of
 * the backend): callers then fall back.
 */
export function backendModuleLoader<T>(
  name: string,
  bytes: () => Uint8Array<ArrayBuffer>,
): (backend: AnyBackend) => T | null {
  const modules: { plain?: WebAssembly.Module; shared?: WebAssembly.Module } = {};
  const compile = (shared: boolean): WebAssembly.Module =>
    shared
      ? modules.shared ??= new WebAssembly.Module(sharedMemoryImport(bytes()).bytes)
      : modules.plain ??= new WebAssembly.Module(bytes());
  sharedModules.set(name, () => compile(true));
  const instances = new WeakMap<object, T | null>();
  return (backend) => {
    const key = backend as object;
    if (instances.has(key)) return instances.get(key)!;
    const memory = backendMemory(backend);
    const exports = memory == null
      ? null
      : new WebAssembly.Instance(compile(isShared(memory)), { env: { memory } }).exports as unknown as T;
    instances.set(key, exports);
    return exports;
  };
}
