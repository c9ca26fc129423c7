/**
 * `BatchMatMul` and `_FusedMatMul` for the wasm backend: our own FMA kernels
 * for every product they can compute, training and inference alike.
 *
 * Why: the stock kernel hands a product to XNNPACK only when neither operand
 * is transposed, and takes a scalar loop (10–20× slower) otherwise, while
 * training needs `xᵀ·dy` and `dy·Wᵀ` in every backward pass; XNNPACK also
 * re-packs a right operand it has not seen, and weights are new every step.
 *
 * Direct plan (the default): `gemm_kernels.wat` (written by
 * `gen_gemm_kernels.ts`) reads both operands where they lie, transposed or not,
 * with fused multiply-adds (relaxed SIMD) in 4×8 register tiles, and writes the
 * result: no packing and no transposes. On more cores the product is cut into
 * chunks of rows or columns (`kernel_threads.ts`), each computed as on one
 * thread. Sparse A: when at least half of A's entries are exact zeros (an
 * MNIST batch: 81% of the pixels) and B is small enough to stay in cache, the
 * broadcast form runs `gemm_sparse`, which lists each row's nonzero entries
 * once and skips the rest; `fma(0, b, acc)` is `acc` for any finite `b`, so
 * the result is bit for bit the dense kernel's (tested).
 *
 * A product's result depends only on its operands: XNNPACK's cached packed
 * product (which rounds differently) is never used where our kernels can run,
 * so an evaluation gives the same bits whether or not the weights were used
 * before. Both operands transposed (never met in training), and everything
 * when the kernels cannot reach the backend's memory, go to the earlier plans
 * below: the plain product on XNNPACK after transposing what needs it, or the
 * swapped product `Cᵀ = op(B)ᵀ·op(A)ᵀ`, whichever {@link planCosts} says is
 * cheaper. Batched or broadcast products and non-float32 data go to the stock
 * kernel. `docs/PERFORMANCE.md` has the measurements.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { broadcast_util } from "@tensorflow/tfjs-core";
import { type AnyBackend, asWasm, callStock, heapF32, heapOffset, sizeOf, transpose2d, view } from "./wasm_util.ts";
import { gemmKernels } from "./gemm_kernels.ts";
import { kernelThreads, MIN_PARALLEL_WORK, runInParts } from "./kernel_threads.ts";

/** Cost, in "nanoseconds per float" units, of packing a right operand (measured: 3.6–3.9). */
export const PACK_COST = 3.7;
/** Cost per float of a wasm 2-D transpose (measured: 0.4–0.75). */
export const TRANSPOSE_COST = 0.6;
/** Cost per float of our JavaScript bias + activation pass. */
export const EPILOGUE_COST = 1.0;
/** Fixed cost of one extra kernel call, in the same units (about 10 µs). */
export const CALL_COST = 10_000;

/** The two ways of computing a product. */
export type MatMulPlan = "plain" | "swapped";

/** What the planner needs to know about a product `op(A)·op(B)`, `m×k · k×n`. */
export interface MatMulCase {
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
  /** XNNPACK already holds `B` packed (plain plan with `transposeB` false). */
  bPacked?: boolean;
  /** XNNPACK already holds `A` packed (swapped plan with `transposeA` true). */
  aPacked?: boolean;
  /** The swapped plan needs a JavaScript pass for bias/activation. */
  epilogue?: boolean;
}

/** Estimated costs of both plans (arbitrary units, compare only). */
export function planCosts(c: MatMulCase): Record<MatMulPlan, number> {
  const { m, k, n } = c;
  const plain = (c.transposeA ? TRANSPOSE_COST * m * k + CALL_COST : 0) +
    (c.transposeB ? TRANSPOSE_COST * k * n + CALL_COST : 0) +
    (!c.transposeB && c.bPacked ? 0 : PACK_COST * k * n);
  const swapped = (c.transposeB ? 0 : TRANSPOSE_COST * k * n + CALL_COST) +
    (c.transposeA ? 0 : TRANSPOSE_COST * m * k + CALL_COST) +
    (c.transposeA && c.aPacked ? 0 : PACK_COST * k * m) +
    (m === 1 || n === 1 ? 0 : TRANSPOSE_COST * m * n + CALL_COST) +
    (c.epilogue ? EPILOGUE_COST * m * n : 0);
  return { plain, swapped };
}

/** The cheaper plan for a product. */
export function choosePlan(c: MatMulCase): MatMulPlan {
  const costs = planCosts(c);
  return costs.swapped < costs.plain ? "swapped" : "plain";
}

/**
 * Which tensors XNNPACK holds packed, by data id and operator key (bias id and
 * activation, as the C++ operator cache keys them). The C++ side drops an
 * entry when the tensor is disposed; a disposed tensor's data id is never
 * used again, so a stale entry here is harmless.
 */
const packed = new WeakMap<object, Set<string>>();

function isPacked(dataId: object, key: string): boolean {
  return packed.get(dataId)?.has(key) ?? false;
}

/**
 * Right operands (untransposed) seen before. Training makes new weight tensors
 * every step, so a `B` met twice is a weight being reused — inference, or the
 * validation batches after an epoch — and packing it once pays off.
 */
const seenRight = new WeakSet<object>();

/** True when `B` was the right operand of an earlier product (and remembers it for the next one). */
function reusedRight(dataId: object, transposeB: boolean): boolean {
  if (transposeB) return false;
  if (seenRight.has(dataId)) return true;
  seenRight.add(dataId);
  return false;
}

function markPacked(dataId: object, key: string): void {
  let keys = packed.get(dataId);
  if (keys == null) packed.set(dataId, keys = new Set());
  keys.add(key);
}

interface Dims {
  m: number;
  k: number;
  n: number;
  outShape: number[];
}

/** Dimensions of `op(A)·op(B)`, or null when the product is batched/broadcast (batch > 1) or empty. */
function dims(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Dims | null {
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (sizeOf(outer) !== 1) return null;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} ` +
        `and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  if (m === 0 || n === 0 || k === 0) return null;
  return { m, k, n, outShape: [...outer, m, n] };
}

/** Key of the operator cache entry for a plain product (bias id, activation). */
function opKey(backend: AnyBackend, bias: TensorInfo | null | undefined, activation: string): string {
  const biasId = bias == null ? 0 : asWasm(backend).dataIdMap.get(bias.dataId).id;
  return `${biasId}|${activation}`;
}

/** The plain plan: materialise transposed operands, then the stock fast path. */
function plainProduct(
  backend: AnyBackend,
  a: TensorInfo,
  b: TensorInfo,
  d: Dims,
  transposeA: boolean,
  transposeB: boolean,
  fused: { bias?: TensorInfo | null; activation: string; leakyreluAlpha?: number } | null,
): TensorInfo {
  const { m, k, n } = d;
  const a2 = transposeA ? transpose2d(backend, a, k, m) : view(a, [1, m, k]);
  const b2 = transposeB ? transpose2d(backend, b, n, k) : view(b, [1, k, n]);
  try {
    const a3 = view(a2, [1, m, k]), b3 = view(b2, [1, k, n]);
    const out = fused == null
      ? callStock("BatchMatMul", backend, { a: a3, b: b3 }, { transposeA: false, transposeB: false })
      : callStock("_FusedMatMul", backend, { a: a3, b: b3, bias: fused.bias }, {
        transposeA: false,
        transposeB: false,
        activation: fused.activation,
        leakyreluAlpha: fused.leakyreluAlpha,
      });
    if (!transposeB) markPacked(b.dataId, opKey(backend, fused?.bias, fused?.activation ?? "linear"));
    return { dataId: out.dataId, shape: d.outShape, dtype: out.dtype };
  } finally {
    if (transposeA) asWasm(backend).disposeData(a2.dataId);
    if (transposeB) asWasm(backend).disposeData(b2.dataId);
  }
}

/** The swapped plan: `Cᵀ = op(B)ᵀ·op(A)ᵀ` on the fast path, then one transpose back. */
function swappedProduct(backend: AnyBackend, a: TensorInfo, b: TensorInfo, d: Dims, tA: boolean, tB: boolean) {
  const { m, k, n } = d;
  const left = tB ? view(b, [n, k]) : transpose2d(backend, b, k, n); // op(B)ᵀ, n×k
  const right = tA ? view(a, [k, m]) : transpose2d(backend, a, m, k); // op(A)ᵀ, k×m
  let ct: TensorInfo;
  try {
    ct = callStock("BatchMatMul", backend, { a: view(left, [1, n, k]), b: view(right, [1, k, m]) }, {
      transposeA: false,
      transposeB: false,
    });
    if (tA) markPacked(a.dataId, "0|linear");
  } finally {
    if (!tB) asWasm(backend).disposeData(left.dataId);
    if (!tA) asWasm(backend).disposeData(right.dataId);
  }
  if (m === 1 || n === 1) return { dataId: ct.dataId, shape: d.outShape, dtype: ct.dtype };
  const c = transpose2d(backend, ct, n, m);
  asWasm(backend).disposeData(ct.dataId);
  return { dataId: c.dataId, shape: d.outShape, dtype: c.dtype };
}

/** Steps of the broadcast form per block: a `[128,n]` block of B stays in the L2 cache. */
export const GEMM_BLOCK_STEPS = 128;
/** Fraction of A's entries that must be exact zeros for the sparse kernel (see `gemm_sparse`). */
export const SPARSE_MIN_ZEROS = 0.5;
/** Smallest A (entries) worth counting zeros in. */
export const SPARSE_MIN_SIZE = 4096;
/**
 * Largest B (entries) for the sparse kernel. Each row of A reads the rows of B
 * its nonzero entries pick, so B must stay in cache: the MLP's `[784,128]`
 * weight (0.4 MB) does. The CNN's `[5408,100]` (2.2 MB) does not: with 73%
 * zeros in its input the sparse product (lists 0.49 ms + rows 0.6–0.7 ms,
 * panels of 32 columns) was no faster than the dense one (1.15–1.3 ms).
 */
export const SPARSE_MAX_B = 256 * 1024;

let sparseProducts = true;

/** Turns the sparse kernel on or off (for tests and measurements); returns the old setting. */
export function setSparseProducts(on: boolean): boolean {
  const old = sparseProducts;
  sparseProducts = on;
  return old;
}

/** Columns of B per sweep of a plain (untransposed) A. */
export const GEMM_PANEL_COLUMNS = 32;
/** Alignment of the parts a product is split into on several threads (the kernels' tiles are 4 rows × 8 columns). */
export const GEMM_THREAD_ALIGN = 8;

/**
 * The direct plan: our own FMA kernels (`gemm_kernels.wat`) read both operands
 * where they lie, transposed or not, and write `C` (`m×n`): no packing, no
 * transposes. Null when the kernels are not available or both operands are
 * transposed (not met in training).
 */
function directProduct(
  backend: AnyBackend,
  a: TensorInfo,
  b: TensorInfo,
  d: Dims,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo | null {
  if (transposeA && transposeB) return null;
  const kernels = gemmKernels(backend);
  if (kernels == null) return null;
  const { m, k, n } = d;
  const wasm = asWasm(backend);
  const out = wasm.makeOutput(d.outShape, "float32");
  const pa = heapOffset(backend, a);
  const pb = heapOffset(backend, b);
  const pc = heapOffset(backend, out);
  const threads = kernelThreads(backend);
  if (transposeB) {
    // C's columns are B's rows: each part takes a block of them (starts aligned to the kernel's 8 columns).
    runInParts(threads, "gemm.gemm_dot", kernels.gemm_dot, n, GEMM_THREAD_ALIGN, m * n * k, (j, w) => [
      pa,
      4 * k,
      pb + 4 * k * j,
      4 * k,
      pc + 4 * j,
      4 * n,
      m,
      w,
      k,
      0,
    ]);
  } else {
    const sai = transposeA ? 4 : 4 * k, sap = transposeA ? 4 * m : 4;
    const zeros = sparseProducts && m * k >= SPARSE_MIN_SIZE && k * n <= SPARSE_MAX_B
      ? kernels.count_zeros(pa, m * k)
      : 0;
    if (zeros > 0 && zeros >= SPARSE_MIN_ZEROS * m * k) {
      const lists = wasm.makeOutput([m * (2 * k + 1)], "int32");
      try {
        const pl = heapOffset(backend, lists), rowBytes = 8 * k + 4;
        // Rows of A (and C) in parts: each row's list has its own place in `lists`.
        const work = (m * k - zeros) * n;
        runInParts(threads, "gemm.sparse_lists", kernels.sparse_lists, m, 1, work, (i, rows) => [
          pa + i * sai,
          sai,
          sap,
          4 * n,
          rows,
          k,
          pl + i * rowBytes,
        ]);
        runInParts(threads, "gemm.sparse_rows", kernels.sparse_rows, m, 1, work, (i, rows) => [
          pl + i * rowBytes,
          k,
          pb,
          pc + 4 * n * i,
          4 * n,
          rows,
          n,
        ]);
      } finally {
        wasm.disposeData(lists.dataId);
      }
      return out;
    }
    // A plain A (a forward product, few rows) is swept once per panel of B's columns: a panel's block of
    // B then stays in the L1 cache while every row tile of A passes over it (forward [32,5408]·[5408,100]
    // with weights not in cache: 1.63 → 1.28 ms median). For Aᵀ (many rows) one sweep is best. On more
    // threads, a plain A's panels are shared out, and Aᵀ's rows (C's rows) are split in blocks of 8.
    const bcast = (i: number, rows: number, j: number, w: number) => [
      pa + i * sai,
      sai,
      sap,
      pb + 4 * j,
      4 * n,
      pc + 4 * (i * n + j),
      4 * n,
      rows,
      w,
      k,
      GEMM_BLOCK_STEPS,
      0,
    ];
    if (transposeA) {
      runInParts(
        threads,
        "gemm.gemm_bcast",
        kernels.gemm_bcast,
        m,
        GEMM_THREAD_ALIGN,
        m * n * k,
        (i, rows) => bcast(i, rows, 0, n),
      );
    } else if (threads != null && m * n * k >= MIN_PARALLEL_WORK && n > GEMM_PANEL_COLUMNS) {
      // The panels are the chunks.
      const panels = Math.ceil(n / GEMM_PANEL_COLUMNS);
      runInParts(
        threads,
        "gemm.gemm_bcast",
        kernels.gemm_bcast,
        n,
        GEMM_PANEL_COLUMNS,
        m * n * k,
        (j, w) => bcast(0, m, j, w),
        panels,
      );
    } else {
      for (let j = 0; j < n; j += GEMM_PANEL_COLUMNS) {
        kernels.gemm_bcast(
          ...bcast(0, m, j, Math.min(GEMM_PANEL_COLUMNS, n - j)) as Parameters<typeof kernels.gemm_bcast>,
        );
      }
    }
  }
  return out;
}

interface BatchMatMulArgs {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: AnyBackend;
  attrs: { transposeA: boolean; transposeB: boolean };
}

/** `BatchMatMul` on wasm: see the module comment. */
export function batchMatMulWasm({ inputs, backend, attrs }: BatchMatMulArgs): TensorInfo {
  const { a, b } = inputs;
  const transposeA = !!attrs.transposeA, transposeB = !!attrs.transposeB;
  const d = a.dtype === "float32" && b.dtype === "float32" ? dims(a, b, transposeA, transposeB) : null;
  if (d == null) return callStock("BatchMatMul", backend, { a, b }, attrs);
  // Our kernels whenever they can run, so that a product never depends on what ran before it (see below).
  const direct = directProduct(backend, a, b, d, transposeA, transposeB);
  if (direct != null) return direct;
  // packed already, or reused (then it is packed once and cached from here on)
  const bPacked = isPacked(b.dataId, "0|linear") || reusedRight(b.dataId, transposeB);
  const plan = choosePlan({
    ...d,
    transposeA,
    transposeB,
    bPacked,
    aPacked: isPacked(a.dataId, "0|linear"),
  });
  return plan === "plain"
    ? plainProduct(backend, a, b, d, transposeA, transposeB, null)
    : swappedProduct(backend, a, b, d, transposeA, transposeB);
}

interface FusedMatMulArgs {
  inputs: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo | null; preluActivationWeights?: TensorInfo | null };
  backend: AnyBackend;
  attrs: { transposeA: boolean; transposeB: boolean; activation: string; leakyreluAlpha?: number };
}

/** Activations the swapped plan applies itself. */
const EPILOGUE_ACTIVATIONS = new Set(["linear", "relu", "relu6"]);

/**
 * Adds a bias broadcast over the `m×n` matrix `c` and applies the activation,
 * in place. The bias is `bm×bn` with `bm` 1 or `m` and `bn` 1 or `n`.
 */
export function biasActivationInPlace(
  c: Float32Array,
  m: number,
  n: number,
  bias: Float32Array | null,
  bm: number,
  bn: number,
  activation: string,
): void {
  const lo = activation === "linear" ? -Infinity : 0;
  const hi = activation === "relu6" ? 6 : Infinity;
  for (let i = 0, p = 0; i < m; i++) {
    const row = bm === 1 ? 0 : i * bn;
    for (let j = 0; j < n; j++, p++) {
      let v = c[p];
      if (bias != null) v += bias[row + (bn === 1 ? 0 : j)];
      c[p] = v < lo ? lo : v > hi ? hi : v;
    }
  }
}

/** The bias as `bm×bn` (`bm` 1 or `m`, `bn` 1 or `n`), or null if it does not broadcast that way. */
function biasDims(bias: TensorInfo, m: number, n: number): [number, number] | null {
  const shape = bias.shape.slice();
  while (shape.length > 2 && shape[0] === 1) shape.shift();
  if (shape.length > 2) return null;
  const bn = shape.length >= 1 ? shape[shape.length - 1] : 1;
  const bm = shape.length === 2 ? shape[0] : 1;
  return (bm === 1 || bm === m) && (bn === 1 || bn === n) ? [bm, bn] : null;
}

/** `_FusedMatMul` (product + bias + activation) on wasm: see the module comment. */
export function fusedMatMulWasm({ inputs, backend, attrs }: FusedMatMulArgs): TensorInfo {
  const { a, b, bias, preluActivationWeights } = inputs;
  const transposeA = !!attrs.transposeA, transposeB = !!attrs.transposeB;
  const { activation, leakyreluAlpha } = attrs;
  const d = a.dtype === "float32" && b.dtype === "float32" ? dims(a, b, transposeA, transposeB) : null;
  if (d == null || preluActivationWeights != null) return callStock("_FusedMatMul", backend, inputs, attrs);
  // XNNPACK reads one bias value per output column: only a bias of exactly n values can go to the stock kernel.
  const stockBias = bias == null || (bias.shape.length === 1 && bias.shape[0] === d.n);
  const bd = bias == null ? [1, 1] : biasDims(bias, d.m, d.n);
  if (!EPILOGUE_ACTIVATIONS.has(activation) || bd == null) {
    return stockBias
      ? plainProduct(backend, a, b, d, transposeA, transposeB, { bias, activation, leakyreluAlpha })
      : callStock("_FusedMatMul", backend, inputs, attrs);
  }
  const key = opKey(backend, bias, activation);
  const epilogue = bias != null || activation !== "linear";
  let c = directProduct(backend, a, b, d, transposeA, transposeB);
  if (c == null) {
    const bPacked = stockBias && (isPacked(b.dataId, key) || reusedRight(b.dataId, transposeB));
    const plan = choosePlan({
      ...d,
      transposeA,
      transposeB,
      bPacked,
      aPacked: isPacked(a.dataId, "0|linear"),
      epilogue,
    });
    if (plan === "plain" && stockBias) {
      return plainProduct(backend, a, b, d, transposeA, transposeB, { bias, activation, leakyreluAlpha });
    }
    c = plan === "plain"
      ? plainProduct(backend, a, b, d, transposeA, transposeB, null)
      : swappedProduct(backend, a, b, d, transposeA, transposeB);
  }
  if (epilogue) {
    const biasValues = bias == null ? null : heapF32(backend, bias);
    biasActivationInPlace(heapF32(backend, c), d.m, d.n, biasValues, bd[0], bd[1], activation);
  }
  return c;
}

/** Registration record for `BatchMatMul`. */
export const batchMatMulConfig: KernelConfig = {
  kernelName: "BatchMatMul",
  backendName: "wasm",
  kernelFunc: batchMatMulWasm as unknown as KernelFunc,
};

/** Registration record for `_FusedMatMul`. */
export const fusedMatMulConfig: KernelConfig = {
  kernelName: "_FusedMatMul",
  backendName: "wasm",
  kernelFunc: fusedMatMulWasm as unknown as KernelFunc,
};
