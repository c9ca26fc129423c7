/**
 * Writes `gemm_kernels.wat`, the matrix-product kernels of `mat_mul.ts`.
 *
 * The register tiles of a matrix product are the same few lines repeated for
 * every row and column of the tile; this script writes them out, so that the
 * `.wat` (committed, readable) has no hand-copied lines to get wrong. Rebuild
 * with `deno task kernels` (`build_kernels.ts`: this `.wat`, then every `*_wasm.ts`).
 *
 * Two forms, both `C[i,j] (+)= Σ_p A(i,p)·B(p,j)` for float32, all strides in bytes:
 * - **broadcast** (`gemm_bcast`): `B(p,j)` contiguous in `j` (B not transposed).
 *   A tile of R rows × 4V columns keeps R·V accumulators; each step `p` loads V
 *   vectors of B's row `p`, broadcasts R values of A (any strides: A may be
 *   transposed) and does R·V fused multiply-adds. No packing, no transposes.
 *   Columns beyond the last multiple of 4 take a scalar loop.
 * - **dot** (`gemm_dot`): `A(i,p)` and `B(p,j)` both contiguous in `p` (A plain,
 *   B transposed, e.g. `dx = dy·Wᵀ`). R rows × J columns of vector partial sums
 *   along `p`, summed across lanes at the end; the last `k mod 4` steps are scalar.
 *
 * `f32x4.relaxed_madd` is WebAssembly's fused multiply-add (relaxed SIMD): one
 * rounding per step on hardware with FMA (every x86-64 since 2013, every
 * ARM64), a multiply and an add elsewhere. Either way one machine gives the
 * same numbers every run.
 *
 * @module
 */

const R_BCAST = [4, 1];
const V_BCAST = [2, 1];
const R_DOT = [4, 1];
const J_DOT = [2, 1];

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The broadcast-form tile of r rows × 4v columns over `kc` steps. */
function bcastTile(r: number, v: number): string {
  const acc = range(r).flatMap((i) => range(v).map((c) => `$c${i}_${c}`));
  const lines: string[] = [];
  lines.push(`  ;; ${r} row(s) × ${4 * v} columns, kc ≥ 1 steps; load: add to C instead of overwriting it`);
  lines.push(
    `  (func $bcast_${r}x${v} (param $pa i32) (param $sai i32) (param $sap i32) (param $pb i32) (param $ldb i32)` +
      ` (param $pc i32) (param $ldc i32) (param $kc i32) (param $load i32)`,
  );
  lines.push(`    (local $p i32) ${range(r).map((i) => `(local $a${i} i32)`).join(" ")}`);
  lines.push(`    ${acc.map((a) => `(local ${a} v128)`).join(" ")}`);
  lines.push(`    ${range(v).map((c) => `(local $b${c} v128)`).join(" ")}`);
  for (let i = 0; i < r; i++) {
    lines.push(
      `    (local.set $a${i} ${i === 0 ? "(local.get $pa)" : `(i32.add (local.get $a${i - 1}) (local.get $sai))`})`,
    );
  }
  lines.push(`    (if (local.get $load) (then`);
  for (let i = 0; i < r; i++) {
    const row = i === 0 ? "(local.get $pc)" : `(i32.add (local.get $pc) (i32.mul (local.get $ldc) (i32.const ${i})))`;
    for (let c = 0; c < v; c++) {
      lines.push(`      (local.set $c${i}_${c} (v128.load offset=${16 * c} ${row}))`);
    }
  }
  lines.push(`    ))`);
  lines.push(`    (loop $steps`);
  for (let c = 0; c < v; c++) lines.push(`      (local.set $b${c} (v128.load offset=${16 * c} (local.get $pb)))`);
  for (let i = 0; i < r; i++) {
    lines.push(`      (local.set $b${v} (v128.load32_splat (local.get $a${i})))`.replace(`$b${v}`, `$s`));
    for (let c = 0; c < v; c++) {
      lines.push(
        `      (local.set $c${i}_${c} (f32x4.relaxed_madd (local.get $s) (local.get $b${c}) (local.get $c${i}_${c})))`,
      );
    }
    lines.push(`      (local.set $a${i} (i32.add (local.get $a${i}) (local.get $sap)))`);
  }
  lines.push(`      (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))`);
  lines.push(`      (local.set $p (i32.add (local.get $p) (i32.const 1)))`);
  lines.push(`      (br_if $steps (i32.lt_u (local.get $p) (local.get $kc))))`);
  for (let i = 0; i < r; i++) {
    const row = i === 0 ? "(local.get $pc)" : `(i32.add (local.get $pc) (i32.mul (local.get $ldc) (i32.const ${i})))`;
    for (let c = 0; c < v; c++) lines.push(`    (v128.store offset=${16 * c} ${row} (local.get $c${i}_${c}))`);
  }
  lines.push(`  )`);
  // the splat register is declared once
  return lines.join("\n").replace(
    `(local $b0 v128)`,
    `(local $b0 v128) (local $s v128)`,
  );
}

/** The dot-form tile of r rows × j columns; k ≥ 0 (multiples of 4 vectorised, the rest scalar). */
function dotTile(r: number, j: number): string {
  const acc = range(r).flatMap((i) => range(j).map((c) => `$c${i}_${c}`));
  const lines: string[] = [];
  lines.push(`  ;; ${r} row(s) × ${j} column(s) of dot products over k; load: add to C instead of overwriting it`);
  lines.push(
    `  (func $dot_${r}x${j} (param $pa i32) (param $lda i32) (param $pb i32) (param $ldb i32)` +
      ` (param $pc i32) (param $ldc i32) (param $k i32) (param $load i32)`,
  );
  lines.push(
    `    (local $o i32) (local $k4 i32) ${range(r).map((i) => `(local $a${i} i32)`).join(" ")} ${
      range(j).map((c) => `(local $b${c} i32)`).join(" ")
    }`,
  );
  lines.push(`    ${acc.map((a) => `(local ${a} v128)`).join(" ")}`);
  lines.push(`    ${range(r).map((i) => `(local $va${i} v128)`).join(" ")}`);
  lines.push(`    ${acc.map((a) => `(local ${a.replace("$c", "$t")} f32)`).join(" ")}`);
  for (let i = 0; i < r; i++) {
    lines.push(
      `    (local.set $a${i} ${i === 0 ? "(local.get $pa)" : `(i32.add (local.get $a${i - 1}) (local.get $lda))`})`,
    );
  }
  for (let c = 0; c < j; c++) {
    lines.push(
      `    (local.set $b${c} ${c === 0 ? "(local.get $pb)" : `(i32.add (local.get $b${c - 1}) (local.get $ldb))`})`,
    );
  }
  lines.push(`    (local.set $k4 (i32.shl (i32.and (local.get $k) (i32.const -4)) (i32.const 2)))`);
  lines.push(`    (block $vdone (loop $vec`);
  lines.push(`      (br_if $vdone (i32.ge_u (local.get $o) (local.get $k4)))`);
  for (let i = 0; i < r; i++) {
    lines.push(`      (local.set $va${i} (v128.load (i32.add (local.get $a${i}) (local.get $o))))`);
  }
  for (let c = 0; c < j; c++) {
    lines.push(`      (local.set $vb (v128.load (i32.add (local.get $b${c}) (local.get $o))))`);
    for (let i = 0; i < r; i++) {
      lines.push(
        `      (local.set $c${i}_${c} (f32x4.relaxed_madd (local.get $va${i}) (local.get $vb) (local.get $c${i}_${c})))`,
      );
    }
  }
  lines.push(`      (local.set $o (i32.add (local.get $o) (i32.const 16)))`);
  lines.push(`      (br $vec)))`);
  // lanes: ((l0 + l1) + (l2 + l3)), fixed order
  for (const a of acc) {
    const t = a.replace("$c", "$t");
    lines.push(
      `    (local.set ${t} (f32.add (f32.add (f32x4.extract_lane 0 (local.get ${a})) (f32x4.extract_lane 1 (local.get ${a})))` +
        ` (f32.add (f32x4.extract_lane 2 (local.get ${a})) (f32x4.extract_lane 3 (local.get ${a})))))`,
    );
  }
  lines.push(`    (local.set $k4 (i32.shl (local.get $k) (i32.const 2)))`);
  lines.push(`    (block $sdone (loop $scalar`);
  lines.push(`      (br_if $sdone (i32.ge_u (local.get $o) (local.get $k4)))`);
  for (let i = 0; i < r; i++) {
    for (let c = 0; c < j; c++) {
      lines.push(
        `      (local.set $t${i}_${c} (f32.add (local.get $t${i}_${c}) (f32.mul (f32.load (i32.add (local.get $a${i}) (local.get $o)))` +
          ` (f32.load (i32.add (local.get $b${c}) (local.get $o))))))`,
      );
    }
  }
  lines.push(`      (local.set $o (i32.add (local.get $o) (i32.const 4)))`);
  lines.push(`      (br $scalar)))`);
  for (let i = 0; i < r; i++) {
    const row = i === 0 ? "(local.get $pc)" : `(i32.add (local.get $pc) (i32.mul (local.get $ldc) (i32.const ${i})))`;
    for (let c = 0; c < j; c++) {
      const t = `$t${i}_${c}`;
      lines.push(
        `    (f32.store offset=${4 * c} ${row} (if (result f32) (local.get $load)` +
          ` (then (f32.add (f32.load offset=${4 * c} ${row}) (local.get ${t}))) (else (local.get ${t}))))`,
      );
    }
  }
  lines.push(`  )`);
  return lines.join("\n").replace(`(local $va0 v128)`, `(local $va0 v128) (local $vb v128)`);
}

/** The broadcast-form driver: blocks of kc steps; row tiles of 4 then 1; column tiles of 8, 4, then scalar. */
function bcastDriver(): string {
  const callRow = (r: number) => `
          (local.set $j (i32.const 0))
          (block $j8done (loop $j8
            (br_if $j8done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $n)))
            (call $bcast_${r}x2 (local.get $ap) (local.get $sai) (local.get $sap)
              (i32.add (local.get $bp) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
              (i32.add (local.get $cp) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc) (local.get $kk) (local.get $load))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $j8)))
          (if (i32.le_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)) (then
            (call $bcast_${r}x1 (local.get $ap) (local.get $sai) (local.get $sap)
              (i32.add (local.get $bp) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
              (i32.add (local.get $cp) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc) (local.get $kk) (local.get $load))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))))
          (if (i32.lt_u (local.get $j) (local.get $n)) (then
            (call $scalar_cols (local.get $ap) (local.get $sai) (local.get $sap) (local.get $bp) (local.get $ldb)
              (local.get $cp) (local.get $ldc) (local.get $kk) (local.get $load) (i32.const ${r}) (local.get $j) (local.get $n))))`;
  return `
  ;; C (m×n, row stride ldc) (+)= A·B; A(i,p) at a + i·sai + p·sap; B(p,j) at b + p·ldb + 4j.
  ;; Steps p are taken in blocks of kc (so a block of B stays in cache); acc: add to C.
  (func (export "gemm_bcast") (param $a i32) (param $sai i32) (param $sap i32) (param $b i32) (param $ldb i32)
    (param $c i32) (param $ldc i32) (param $m i32) (param $n i32) (param $k i32) (param $kc i32) (param $acc i32)
    (local $p0 i32) (local $kk i32) (local $load i32) (local $i i32) (local $j i32)
    (local $ap i32) (local $bp i32) (local $cp i32)
    (block $pdone (loop $pblocks
      (br_if $pdone (i32.ge_u (local.get $p0) (local.get $k)))
      (local.set $kk (select (local.get $kc) (i32.sub (local.get $k) (local.get $p0))
        (i32.lt_u (local.get $kc) (i32.sub (local.get $k) (local.get $p0)))))
      (local.set $load (i32.or (local.get $acc) (i32.gt_u (local.get $p0) (i32.const 0))))
      (local.set $bp (i32.add (local.get $b) (i32.mul (local.get $p0) (local.get $ldb))))
      (local.set $i (i32.const 0))
      (block $i4done (loop $i4
        (br_if $i4done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        (local.set $ap (i32.add (local.get $a)
          (i32.add (i32.mul (local.get $i) (local.get $sai)) (i32.mul (local.get $p0) (local.get $sap)))))
        (local.set $cp (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))${callRow(4)}
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $i4)))
      (block $i1done (loop $i1
        (br_if $i1done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $ap (i32.add (local.get $a)
          (i32.add (i32.mul (local.get $i) (local.get $sai)) (i32.mul (local.get $p0) (local.get $sap)))))
        (local.set $cp (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))${callRow(1)}
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $i1)))
      (local.set $p0 (i32.add (local.get $p0) (local.get $kc)))
      (br $pblocks)))
  )

  ;; Columns j0..n-1 of rows i..i+r-1 of the broadcast form, scalar (a multiply and an add per step).
  (func $scalar_cols (param $pa i32) (param $sai i32) (param $sap i32) (param $pb i32) (param $ldb i32)
    (param $pc i32) (param $ldc i32) (param $kc i32) (param $load i32) (param $r i32) (param $j0 i32) (param $n i32)
    (local $i i32) (local $j i32) (local $p i32) (local $ap i32) (local $bq i32) (local $t f32) (local $cq i32)
    (block $idone (loop $rows
      (br_if $idone (i32.ge_u (local.get $i) (local.get $r)))
      (local.set $j (local.get $j0))
      (block $jdone (loop $cols
        (br_if $jdone (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $cq (i32.add (i32.add (local.get $pc) (i32.mul (local.get $i) (local.get $ldc)))
          (i32.shl (local.get $j) (i32.const 2))))
        (local.set $t (select (f32.load (local.get $cq)) (f32.const 0) (local.get $load)))
        (local.set $ap (i32.add (local.get $pa) (i32.mul (local.get $i) (local.get $sai))))
        (local.set $bq (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $p (i32.const 0))
        (block $pdone (loop $steps
          (br_if $pdone (i32.ge_u (local.get $p) (local.get $kc)))
          (local.set $t (f32.add (local.get $t) (f32.mul (f32.load (local.get $ap)) (f32.load (local.get $bq)))))
          (local.set $ap (i32.add (local.get $ap) (local.get $sap)))
          (local.set $bq (i32.add (local.get $bq) (local.get $ldb)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $steps)))
        (f32.store (local.get $cq) (local.get $t))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cols)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
  )`;
}

/** The dot-form driver: column pairs outer (two rows of B stay in cache), row tiles of 4 then 1 inner. */
function dotDriver(): string {
  const rows = (jj: number) => `
        (local.set $i (i32.const 0))
        (block $i4done${jj} (loop $i4${jj}
          (br_if $i4done${jj} (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
          (call $dot_4x${jj} (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda))) (local.get $lda)
            (local.get $bp) (local.get $ldb)
            (i32.add (local.get $cj) (i32.mul (local.get $i) (local.get $ldc))) (local.get $ldc) (local.get $k) (local.get $acc))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $i4${jj})))
        (block $i1done${jj} (loop $i1${jj}
          (br_if $i1done${jj} (i32.ge_u (local.get $i) (local.get $m)))
          (call $dot_1x${jj} (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda))) (local.get $lda)
            (local.get $bp) (local.get $ldb)
            (i32.add (local.get $cj) (i32.mul (local.get $i) (local.get $ldc))) (local.get $ldc) (local.get $k) (local.get $acc))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $i1${jj})))`;
  return `
  ;; C (m×n, row stride ldc) (+)= A·Bᵀ; A(i,p) at a + i·lda + 4p; Bᵀ's column j, i.e. row j of B, at b + j·ldb + 4p.
  (func (export "gemm_dot") (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32)
    (param $c i32) (param $ldc i32) (param $m i32) (param $n i32) (param $k i32) (param $acc i32)
    (local $i i32) (local $j i32) (local $bp i32) (local $cj i32)
    (block $j2done (loop $j2
      (br_if $j2done (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $n)))
      (local.set $bp (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $ldb))))
      (local.set $cj (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))${rows(2)}
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $j2)))
    (if (i32.lt_u (local.get $j) (local.get $n)) (then
      (local.set $bp (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $ldb))))
      (local.set $cj (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))${rows(1)}))
  )`;
}

/**
 * The sparse broadcast form: the same products as `gemm_bcast`, for an A whose
 * entries are mostly exact zeros (MNIST images: about 81% of the pixels), in
 * the same order of operations, skipping the zero terms. `fma(0, b, acc)` is
 * `acc` exactly for a finite `b`, so the result is bit for bit the dense one.
 */
function sparseDriver(): string {
  const acc = range(8).map((v) => `$c${v}`);
  return `
  ;; Number of entries equal to 0 among n floats at p.
  (func (export "count_zeros") (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $end i32) (local $z v128) (local $count i32)
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (block $vdone (loop $vec
      (br_if $vdone (i32.ge_u (local.get $i) (local.get $end)))
      ;; each lane that is 0 gives -1
      (local.set $z (i32x4.sub (local.get $z)
        (f32x4.eq (v128.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))) (v128.const f32x4 0 0 0 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $vec)))
    (local.set $count (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $z)) (i32x4.extract_lane 1 (local.get $z)))
      (i32.add (i32x4.extract_lane 2 (local.get $z)) (i32x4.extract_lane 3 (local.get $z)))))
    (block $sdone (loop $scalar
      (br_if $sdone (i32.ge_u (local.get $i) (local.get $n)))
      (if (f32.eq (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))) (f32.const 0))
        (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $scalar)))
    (local.get $count)
  )

  ;; Lists each row's nonzero entries of A, in order of p; A(i,p) at a + i·sai + p·sap. Row i's list is at
  ;; lists + i·(8k + 4): its count, then the offsets p·ldb of the B rows they pick, then their values.
  (func (export "sparse_lists") (param $a i32) (param $sai i32) (param $sap i32) (param $ldb i32)
    (param $m i32) (param $k i32) (param $lists i32)
    (local $i i32) (local $p i32) (local $cnt i32) (local $ap i32) (local $scratch i32) (local $vals i32) (local $x f32)
    (block $idone (loop $rows
      (br_if $idone (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $scratch (i32.add (i32.add (local.get $lists) (i32.const 4))
        (i32.mul (local.get $i) (i32.add (i32.shl (local.get $k) (i32.const 3)) (i32.const 4)))))
      (local.set $vals (i32.add (local.get $scratch) (i32.shl (local.get $k) (i32.const 2))))
      (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))))
      (local.set $cnt (i32.const 0))
      (local.set $p (i32.const 0))
      (block $pdone (loop $scan
        (br_if $pdone (i32.ge_u (local.get $p) (local.get $k)))
        (local.set $x (f32.load (local.get $ap)))
        (if (f32.ne (local.get $x) (f32.const 0)) (then
          (i32.store (i32.add (local.get $scratch) (i32.shl (local.get $cnt) (i32.const 2)))
            (i32.mul (local.get $p) (local.get $ldb)))
          (f32.store (i32.add (local.get $vals) (i32.shl (local.get $cnt) (i32.const 2))) (local.get $x))
          (local.set $cnt (i32.add (local.get $cnt) (i32.const 1)))))
        (local.set $ap (i32.add (local.get $ap) (local.get $sap)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $scan)))
      (i32.store (i32.sub (local.get $scratch) (i32.const 4)) (local.get $cnt))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
  )

  ;; C (m×n) = A·B from sparse_lists' lists, skipping A's zero entries; B(p,j) at b + p·ldb + 4j, where b
  ;; may point into B (a panel of its columns: then n is the panel's width).
  (func (export "sparse_rows") (param $lists i32) (param $k i32) (param $b i32) (param $c i32) (param $ldc i32)
    (param $m i32) (param $n i32)
    (local $i i32) (local $q i32) (local $cnt i32) (local $j i32) (local $cp i32)
    (local $scratch i32) (local $vals i32) (local $bq i32) (local $s v128) (local $t f32)
    ${acc.map((a) => `(local ${a} v128)`).join(" ")}
    (block $idone (loop $rows
      (br_if $idone (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $scratch (i32.add (i32.add (local.get $lists) (i32.const 4))
        (i32.mul (local.get $i) (i32.add (i32.shl (local.get $k) (i32.const 3)) (i32.const 4)))))
      (local.set $vals (i32.add (local.get $scratch) (i32.shl (local.get $k) (i32.const 2))))
      (local.set $cnt (i32.load (i32.sub (local.get $scratch) (i32.const 4))))
      (local.set $cp (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
      (local.set $j (i32.const 0))
      ;; 32 columns at a time
      (block $j32done (loop $j32
        (br_if $j32done (i32.gt_u (i32.add (local.get $j) (i32.const 32)) (local.get $n)))
        ${acc.map((a) => `(local.set ${a} (v128.const i32x4 0 0 0 0))`).join(" ")}
        (local.set $q (i32.const 0))
        (block $qdone (loop $terms
          (br_if $qdone (i32.ge_u (local.get $q) (local.get $cnt)))
          (local.set $s (v128.load32_splat (i32.add (local.get $vals) (i32.shl (local.get $q) (i32.const 2)))))
          (local.set $bq (i32.add (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
            (i32.load (i32.add (local.get $scratch) (i32.shl (local.get $q) (i32.const 2))))))
${
    acc.map((a, v) =>
      `          (local.set ${a} (f32x4.relaxed_madd (local.get $s) (v128.load offset=${
        16 * v
      } (local.get $bq)) (local.get ${a})))`
    ).join("\n")
  }
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $terms)))
        (local.set $bq (i32.add (local.get $cp) (i32.shl (local.get $j) (i32.const 2))))
${acc.map((a, v) => `        (v128.store offset=${16 * v} (local.get $bq) (local.get ${a}))`).join("\n")}
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $j32)))
      ;; 4 columns at a time
      (block $j4done (loop $j4
        (br_if $j4done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
        (local.set $c0 (v128.const i32x4 0 0 0 0))
        (local.set $q (i32.const 0))
        (block $qdone4 (loop $terms4
          (br_if $qdone4 (i32.ge_u (local.get $q) (local.get $cnt)))
          (local.set $c0 (f32x4.relaxed_madd
            (v128.load32_splat (i32.add (local.get $vals) (i32.shl (local.get $q) (i32.const 2))))
            (v128.load (i32.add (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
              (i32.load (i32.add (local.get $scratch) (i32.shl (local.get $q) (i32.const 2))))))
            (local.get $c0)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $terms4)))
        (v128.store (i32.add (local.get $cp) (i32.shl (local.get $j) (i32.const 2))) (local.get $c0))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $j4)))
      ;; the last n mod 4 columns, scalar (a multiply and an add, as gemm_bcast's scalar columns)
      (block $j1done (loop $j1
        (br_if $j1done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $t (f32.const 0))
        (local.set $q (i32.const 0))
        (block $qdone1 (loop $terms1
          (br_if $qdone1 (i32.ge_u (local.get $q) (local.get $cnt)))
          (local.set $t (f32.add (local.get $t) (f32.mul
            (f32.load (i32.add (local.get $vals) (i32.shl (local.get $q) (i32.const 2))))
            (f32.load (i32.add (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
              (i32.load (i32.add (local.get $scratch) (i32.shl (local.get $q) (i32.const 2)))))))))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $terms1)))
        (f32.store (i32.add (local.get $cp) (i32.shl (local.get $j) (i32.const 2))) (local.get $t))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $j1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
  )`;
}

/** The whole module text. */
export function gemmModule(): string {
  const parts = [
    `;; Matrix-product kernels for mat_mul.ts, working in place on the wasm
;; backend's heap (the module imports the backend's memory; pointers and
;; strides are byte offsets). GENERATED by gen_gemm_kernels.ts: edit that.
;;
;; Rebuild: deno task kernels
(module
  (import "env" "memory" (memory 1))`,
    ...R_BCAST.flatMap((r) => V_BCAST.map((v) => bcastTile(r, v))),
    ...R_DOT.flatMap((r) => J_DOT.map((j) => dotTile(r, j))),
    bcastDriver(),
    dotDriver(),
    sparseDriver(),
    `)\n`,
  ];
  return parts.join("\n\n");
}
