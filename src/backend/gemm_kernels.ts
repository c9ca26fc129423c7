/**
 * Loader of the matrix-product kernels (`gemm_kernels.wat`, written by
 * `gen_gemm_kernels.ts`): instantiated once per wasm backend, importing the
 * backend's own memory, so they read and write tensors in place.
 *
 * @module
 */
import { decodeBase64 } from "./base64.ts";
import { GEMM_KERNELS_WASM_BASE64 } from "./gemm_kernels_wasm.ts";
import { type AnyBackend, backendModuleLoader } from "./wasm_util.ts";

/** The exports of `gemm_kernels.wat`; pointers and strides in bytes, `acc` 1 adds to C. */
export interface GemmKernels {
  /** `C (+)= A·B` with `A(i,p)` at `a + i·sai + p·sap` and `B(p,j)` at `b + p·ldb + 4j`; `kc` steps per block. */
  gemm_bcast(
    a: number,
    sai: number,
    sap: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    m: number,
    n: number,
    k: number,
    kc: number,
    acc: number,
  ): void;
  /** `C (+)= A·Bᵀ` with `A(i,p)` at `a + i·lda + 4p` and `B(j,p)` at `b + j·ldb + 4p`. */
  gemm_dot(
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    m: number,
    n: number,
    k: number,
    acc: number,
  ): void;
  /** Number of entries equal to 0 among `n` floats at `p`. */
  count_zeros(p: number, n: number): number;
  /** Lists each row's nonzero entries of A (`A(i,p)` at `a + i·sai + p·sap`) at `lists`, `m·(8k + 4)` bytes. */
  sparse_lists(a: number, sai: number, sap: number, ldb: number, m: number, k: number, lists: number): void;
  /** `C = A·B` from the lists, skipping A's zeros (bit for bit `gemm_bcast`'s result); `b` may point at a panel. */
  sparse_rows(lists: number, k: number, b: number, c: number, ldc: number, m: number, n: number): void;
}

/** The kernels bound to this backend's memory, or null if its memory is not reachable. */
export const gemmKernels: (backend: AnyBackend) => GemmKernels | null = backendModuleLoader<GemmKernels>(
  "gemm",
  () => decodeBase64(GEMM_KERNELS_WASM_BASE64),
);
