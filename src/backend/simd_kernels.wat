;; Hand-written WebAssembly SIMD kernels that work directly on the wasm
;; backend's heap: the module imports the backend's own memory, and every
;; pointer argument is a byte offset into it (`memoryOffset` of a tensor).
;;
;; Rebuild src/backend/simd_kernels_wasm.ts after editing this file:
;;   deno task kernels
(module
  (import "env" "memory" (memory 1))

  ;; One Adam step over n floats, each operation rounded to float32:
  ;;   m2 = m*b1 + g*c1;  v2 = v*b2 + (g*g)*c2
  ;;   w2 = ((m2*r1) / (sqrt(v2*r2) + eps)) * nlr + w,   r1 = 1/d1, r2 = 1/d2
  ;; (tfjs's ops divide by d1 and d2; multiplying by their reciprocals, computed
  ;; once, saves two of the three divisions per element: the update is bound by
  ;; division and square-root throughput. Each product may differ from the
  ;; quotient in its last bit.)
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32)
    (param $w2 i32) (param $m2 i32) (param $v2 i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $d1 f32) (param $d2 f32) (param $eps f32) (param $nlr f32)
    (local $i i32) (local $end i32) (local $o i32)
    (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128)
    (local $D1 v128) (local $D2 v128) (local $E v128) (local $L v128)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $d1 (f32.div (f32.const 1) (local.get $d1)))
    (local.set $d2 (f32.div (f32.const 1) (local.get $d2)))
    (local.set $D1 (f32x4.splat (local.get $d1)))
    (local.set $D2 (f32x4.splat (local.get $d2)))
    (local.set $E (f32x4.splat (local.get $eps)))
    (local.set $L (f32x4.splat (local.get $nlr)))
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $o))))
        (local.set $mv
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $o))) (local.get $B1))
            (f32x4.mul (local.get $gv) (local.get $C1))))
        (local.set $vv
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $o))) (local.get $B2))
            (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $C2))))
        (v128.store (i32.add (local.get $m2) (local.get $o)) (local.get $mv))
        (v128.store (i32.add (local.get $v2) (local.get $o)) (local.get $vv))
        (v128.store (i32.add (local.get $w2) (local.get $o))
          (f32x4.add
            (f32x4.mul
              (f32x4.div
                (f32x4.mul (local.get $mv) (local.get $D1))
                (f32x4.add (f32x4.sqrt (f32x4.mul (local.get $vv) (local.get $D2))) (local.get $E)))
              (local.get $L))
            (v128.load (i32.add (local.get $w) (local.get $o)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vec)))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
        (local.set $ms
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $m) (local.get $o))) (local.get $b1))
            (f32.mul (local.get $gs) (local.get $c1))))
        (local.set $vs
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $v) (local.get $o))) (local.get $b2))
            (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $m2) (local.get $o)) (local.get $ms))
        (f32.store (i32.add (local.get $v2) (local.get $o)) (local.get $vs))
        (f32.store (i32.add (local.get $w2) (local.get $o))
          (f32.add
            (f32.mul
              (f32.div
                (f32.mul (local.get $ms) (local.get $d1))
                (f32.add (f32.sqrt (f32.mul (local.get $vs) (local.get $d2))) (local.get $eps)))
              (local.get $nlr))
            (f32.load (i32.add (local.get $w) (local.get $o)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
  )

  ;; Gradient of a 2×2, stride-2 max pool whose windows lie inside the input
  ;; (NHWC, channels a multiple of 4). Each window's gradient goes to its first
  ;; strict maximum in row-major order, as the cpu backend does (a NaN never
  ;; wins); the other three positions get 0. Positions outside every window
  ;; (last row/column of odd sizes) are not written: the caller zeroes them.
  (func (export "maxPoolGrad2x2")
    (param $x i32) (param $dy i32) (param $dx i32)
    (param $batch i32) (param $inH i32) (param $inW i32) (param $ch i32)
    (param $outH i32) (param $outW i32)
    (local $b i32) (local $r i32) (local $c i32) (local $o i32)
    (local $rowBytes i32) (local $chBytes i32)
    (local $p0 i32) (local $q i32)
    (local $va v128) (local $vb v128) (local $vc v128) (local $vd v128)
    (local $ma v128) (local $mb v128) (local $mc v128) (local $md v128)
    (local $best v128) (local $g v128)
    (local.set $chBytes (i32.shl (local.get $ch) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $inW) (local.get $chBytes)))
    (local.set $q (local.get $dy))
    (local.set $b (i32.const 0))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $r (i32.const 0))
      (block $rDone (loop $rLoop
        (br_if $rDone (i32.ge_u (local.get $r) (local.get $outH)))
        (local.set $c (i32.const 0))
        (block $cDone (loop $cLoop
          (br_if $cDone (i32.ge_u (local.get $c) (local.get $outW)))
          ;; byte offset of the window's top-left element, relative to x and dx
          (local.set $p0
            (i32.add
              (i32.mul
                (i32.add (i32.mul (local.get $b) (local.get $inH)) (i32.shl (local.get $r) (i32.const 1)))
                (local.get $rowBytes))
              (i32.mul (i32.shl (local.get $c) (i32.const 1)) (local.get $chBytes))))
          (local.set $o (i32.const 0))
          (block $oDone (loop $oLoop
            (br_if $oDone (i32.ge_u (local.get $o) (local.get $chBytes)))
            (local.set $va (v128.load (i32.add (i32.add (local.get $x) (local.get $p0)) (local.get $o))))
            (local.set $vb (v128.load (i32.add (i32.add (i32.add (local.get $x) (local.get $p0)) (local.get $chBytes)) (local.get $o))))
            (local.set $vc (v128.load (i32.add (i32.add (i32.add (local.get $x) (local.get $p0)) (local.get $rowBytes)) (local.get $o))))
            (local.set $vd (v128.load (i32.add (i32.add (i32.add (i32.add (local.get $x) (local.get $p0)) (local.get $rowBytes)) (local.get $chBytes)) (local.get $o))))
            (local.set $best (f32x4.splat (f32.const -inf)))
            (local.set $ma (f32x4.gt (local.get $va) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $va) (local.get $best) (local.get $ma)))
            (local.set $mb (f32x4.gt (local.get $vb) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $vb) (local.get $best) (local.get $mb)))
            (local.set $mc (f32x4.gt (local.get $vc) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $vc) (local.get $best) (local.get $mc)))
            (local.set $md (f32x4.gt (local.get $vd) (local.get $best)))
            ;; the last position that raised the maximum wins
            (local.set $mc (v128.andnot (local.get $mc) (local.get $md)))
            (local.set $mb (v128.andnot (v128.andnot (local.get $mb) (local.get $md)) (local.get $mc)))
            (local.set $ma (v128.andnot (v128.andnot (v128.andnot (local.get $ma) (local.get $md)) (local.get $mc)) (local.get $mb)))
            (local.set $g (v128.load (i32.add (local.get $q) (local.get $o))))
            (v128.store (i32.add (i32.add (local.get $dx) (local.get $p0)) (local.get $o))
              (v128.and (local.get $g) (local.get $ma)))
            (v128.store (i32.add (i32.add (i32.add (local.get $dx) (local.get $p0)) (local.get $chBytes)) (local.get $o))
              (v128.and (local.get $g) (local.get $mb)))
            (v128.store (i32.add (i32.add (i32.add (local.get $dx) (local.get $p0)) (local.get $rowBytes)) (local.get $o))
              (v128.and (local.get $g) (local.get $mc)))
            (v128.store (i32.add (i32.add (i32.add (i32.add (local.get $dx) (local.get $p0)) (local.get $rowBytes)) (local.get $chBytes)) (local.get $o))
              (v128.and (local.get $g) (local.get $md)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $oLoop)))
          (local.set $q (i32.add (local.get $q) (local.get $chBytes)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $cLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop)))
  )

  ;; out[r, j] = x[r, j] + bias[j] for `rows` rows of `ch` floats (ch a multiple of 4).
  (func (export "addBias")
    (param $x i32) (param $bias i32) (param $out i32) (param $rows i32) (param $ch i32)
    (local $r i32) (local $o i32) (local $chBytes i32)
    (local.set $chBytes (i32.shl (local.get $ch) (i32.const 2)))
    (block $rDone (loop $rLoop
      (br_if $rDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $o (i32.const 0))
      (block $oDone (loop $oLoop
        (br_if $oDone (i32.ge_u (local.get $o) (local.get $chBytes)))
        (v128.store (i32.add (local.get $out) (local.get $o))
          (f32x4.add
            (v128.load (i32.add (local.get $x) (local.get $o)))
            (v128.load (i32.add (local.get $bias) (local.get $o)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $oLoop)))
      (local.set $x (i32.add (local.get $x) (local.get $chBytes)))
      (local.set $out (i32.add (local.get $out) (local.get $chBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rLoop)))
  )

  ;; Column sums of a rows×width matrix (width a multiple of 4) into `out`:
  ;; float32 partial sums over blocks of 64 rows, added into float64 totals
  ;; (`scratch`, 8·width bytes), so the result is as accurate as a double sum.
  (func (export "sumRows")
    (param $x i32) (param $out i32) (param $scratch i32) (param $rows i32) (param $width i32)
    (local $rowBytes i32) (local $r i32) (local $end i32) (local $o i32) (local $p i32) (local $q i32)
    (local $acc v128) (local $j i32)
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 2)))
    (memory.fill (local.get $scratch) (i32.const 0) (i32.shl (local.get $width) (i32.const 3)))
    (block $rDone (loop $rLoop
      (br_if $rDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $end (i32.add (local.get $r) (i32.const 64)))
      (if (i32.gt_u (local.get $end) (local.get $rows)) (then (local.set $end (local.get $rows))))
      (local.set $o (i32.const 0))
      (block $oDone (loop $oLoop
        (br_if $oDone (i32.ge_u (local.get $o) (local.get $rowBytes)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $p (i32.add (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $rowBytes))) (local.get $o)))
        (local.set $q (local.get $r))
        (block $qDone (loop $qLoop
          (br_if $qDone (i32.ge_u (local.get $q) (local.get $end)))
          (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $p))))
          (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $qLoop)))
        ;; scratch holds float64 totals: byte offset 2·o
        (local.set $p (i32.add (local.get $scratch) (i32.shl (local.get $o) (i32.const 1))))
        (v128.store (local.get $p)
          (f64x2.add (v128.load (local.get $p)) (f64x2.promote_low_f32x4 (local.get $acc))))
        (v128.store (i32.add (local.get $p) (i32.const 16))
          (f64x2.add (v128.load (i32.add (local.get $p) (i32.const 16)))
            (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $oLoop)))
      (local.set $r (local.get $end))
      (br $rLoop)))
    (block $jDone (loop $jLoop
      (br_if $jDone (i32.ge_u (local.get $j) (local.get $width)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
        (f32.demote_f64 (f64.load (i32.add (local.get $scratch) (i32.shl (local.get $j) (i32.const 3))))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $jLoop)))
  )

  ;; The gradient of ReLU: out = dy where x > 0, NaN where x is NaN, else 0
  ;; (the stock chain dy·cast(step(x)) gives the same, except ±0 and dy·0 = NaN for an infinite dy).
  (func (export "reluGrad") (param $dy i32) (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end i32) (local $o i32) (local $xv v128) (local $xs f32)
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $o))))
        (v128.store (i32.add (local.get $out) (local.get $o))
          (v128.bitselect
            (local.get $xv)
            (v128.and (v128.load (i32.add (local.get $dy) (local.get $o)))
              (f32x4.gt (local.get $xv) (v128.const f32x4 0 0 0 0)))
            (f32x4.ne (local.get $xv) (local.get $xv))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vec)))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $xs (f32.load (i32.add (local.get $x) (local.get $o))))
        (f32.store (i32.add (local.get $out) (local.get $o))
          (select
            (f32.load (i32.add (local.get $dy) (local.get $o)))
            (select (local.get $xs) (f32.const 0) (f32.ne (local.get $xs) (local.get $xs)))
            (f32.gt (local.get $xs) (f32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
  )

  ;; Max pooling 2×2, stride 2, NHWC, ch a multiple of 4, windows inside the input:
  ;; out = max of the four values as the cpu backend takes it (start at −∞, keep a
  ;; value only if it is greater: NaN never wins, an all-NaN window gives −∞).
  (func (export "maxPool2x2")
    (param $x i32) (param $out i32) (param $batch i32) (param $inH i32) (param $inW i32)
    (param $ch i32) (param $outH i32) (param $outW i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $c i32)
    (local $rowBytes i32) (local $chBytes i32) (local $p0 i32) (local $o i32) (local $m v128)
    (local.set $chBytes (i32.shl (local.get $ch) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $inW) (local.get $chBytes)))
    (local.set $o (local.get $out))
    (block $bdone (loop $bl
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $oy (i32.const 0))
      (block $ydone (loop $yl
        (br_if $ydone (i32.ge_u (local.get $oy) (local.get $outH)))
        (local.set $ox (i32.const 0))
        (block $xdone (loop $xl
          (br_if $xdone (i32.ge_u (local.get $ox) (local.get $outW)))
          ;; top-left corner of the window
          (local.set $p0 (i32.add (local.get $x)
            (i32.add
              (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (i32.shl (local.get $oy) (i32.const 1)))
                (local.get $rowBytes))
              (i32.mul (i32.shl (local.get $ox) (i32.const 1)) (local.get $chBytes)))))
          (local.set $c (i32.const 0))
          (block $cdone (loop $cl
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $chBytes)))
            (local.set $m (f32x4.pmax (v128.const f32x4 -inf -inf -inf -inf)
              (v128.load (i32.add (local.get $p0) (local.get $c)))))
            (local.set $m (f32x4.pmax (local.get $m)
              (v128.load (i32.add (i32.add (local.get $p0) (local.get $chBytes)) (local.get $c)))))
            (local.set $m (f32x4.pmax (local.get $m)
              (v128.load (i32.add (i32.add (local.get $p0) (local.get $rowBytes)) (local.get $c)))))
            (local.set $m (f32x4.pmax (local.get $m)
              (v128.load (i32.add (i32.add (i32.add (local.get $p0) (local.get $rowBytes)) (local.get $chBytes))
                (local.get $c)))))
            (v128.store (local.get $o) (local.get $m))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $cl)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $xl)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $yl)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bl)))
  )

  ;; The forward pass of a convolution's bias and ReLU in one pass (the direct training step):
  ;; pre = x + bias (as addBias; pre may be x itself) and out = ReLU(pre) as the stock wasm Relu
  ;; computes it, a signed integer max with 0 on the bits (−0 and negative NaNs give +0, positive
  ;; NaNs pass). `rows` rows of `ch` floats, ch a multiple of 4.
  (func (export "addBiasRelu")
    (param $x i32) (param $bias i32) (param $pre i32) (param $out i32) (param $rows i32) (param $ch i32)
    (local $r i32) (local $o i32) (local $chBytes i32) (local $v v128)
    (local.set $chBytes (i32.shl (local.get $ch) (i32.const 2)))
    (block $rDone (loop $rLoop
      (br_if $rDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $o (i32.const 0))
      (block $oDone (loop $oLoop
        (br_if $oDone (i32.ge_u (local.get $o) (local.get $chBytes)))
        (local.set $v
          (f32x4.add
            (v128.load (i32.add (local.get $x) (local.get $o)))
            (v128.load (i32.add (local.get $bias) (local.get $o)))))
        (v128.store (i32.add (local.get $pre) (local.get $o)) (local.get $v))
        (v128.store (i32.add (local.get $out) (local.get $o))
          (i32x4.max_s (local.get $v) (v128.const i32x4 0 0 0 0)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $oLoop)))
      (local.set $x (i32.add (local.get $x) (local.get $chBytes)))
      (local.set $pre (i32.add (local.get $pre) (local.get $chBytes)))
      (local.set $out (i32.add (local.get $out) (local.get $chBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rLoop)))
  )

  ;; maxPoolGrad2x2 followed by reluGrad, in one pass (the direct training step's backward pass
  ;; through ReLU → max pooling): the window's position as maxPoolGrad2x2 picks it from `h` (the
  ;; pooling's input) gets dy where `pre` (ReLU's input) is > 0; NaN where pre is NaN; 0 elsewhere.
  ;; Bit for bit reluGrad(maxPoolGrad2x2(h, dy), pre). The windows must cover the input exactly
  ;; (inH = 2·outH, inW = 2·outW): every output element is written.
  (func (export "maxPoolReluGrad2x2")
    (param $x i32) (param $pre i32) (param $dy i32) (param $dx i32)
    (param $batch i32) (param $inH i32) (param $inW i32) (param $ch i32)
    (param $outH i32) (param $outW i32)
    (local $b i32) (local $r i32) (local $c i32) (local $o i32)
    (local $rowBytes i32) (local $chBytes i32)
    (local $p0 i32) (local $q i32) (local $p i32)
    (local $va v128) (local $vb v128) (local $vc v128) (local $vd v128)
    (local $ma v128) (local $mb v128) (local $mc v128) (local $md v128)
    (local $best v128) (local $g v128) (local $pv v128)
    (local.set $chBytes (i32.shl (local.get $ch) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $inW) (local.get $chBytes)))
    (local.set $q (local.get $dy))
    (local.set $b (i32.const 0))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $r (i32.const 0))
      (block $rDone (loop $rLoop
        (br_if $rDone (i32.ge_u (local.get $r) (local.get $outH)))
        (local.set $c (i32.const 0))
        (block $cDone (loop $cLoop
          (br_if $cDone (i32.ge_u (local.get $c) (local.get $outW)))
          (local.set $p0
            (i32.add
              (i32.mul
                (i32.add (i32.mul (local.get $b) (local.get $inH)) (i32.shl (local.get $r) (i32.const 1)))
                (local.get $rowBytes))
              (i32.mul (i32.shl (local.get $c) (i32.const 1)) (local.get $chBytes))))
          (local.set $o (i32.const 0))
          (block $oDone (loop $oLoop
            (br_if $oDone (i32.ge_u (local.get $o) (local.get $chBytes)))
            (local.set $va (v128.load (i32.add (i32.add (local.get $x) (local.get $p0)) (local.get $o))))
            (local.set $vb (v128.load (i32.add (i32.add (i32.add (local.get $x) (local.get $p0)) (local.get $chBytes)) (local.get $o))))
            (local.set $vc (v128.load (i32.add (i32.add (i32.add (local.get $x) (local.get $p0)) (local.get $rowBytes)) (local.get $o))))
            (local.set $vd (v128.load (i32.add (i32.add (i32.add (i32.add (local.get $x) (local.get $p0)) (local.get $rowBytes)) (local.get $chBytes)) (local.get $o))))
            (local.set $best (f32x4.splat (f32.const -inf)))
            (local.set $ma (f32x4.gt (local.get $va) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $va) (local.get $best) (local.get $ma)))
            (local.set $mb (f32x4.gt (local.get $vb) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $vb) (local.get $best) (local.get $mb)))
            (local.set $mc (f32x4.gt (local.get $vc) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $vc) (local.get $best) (local.get $mc)))
            (local.set $md (f32x4.gt (local.get $vd) (local.get $best)))
            (local.set $mc (v128.andnot (local.get $mc) (local.get $md)))
            (local.set $mb (v128.andnot (v128.andnot (local.get $mb) (local.get $md)) (local.get $mc)))
            (local.set $ma (v128.andnot (v128.andnot (v128.andnot (local.get $ma) (local.get $md)) (local.get $mc)) (local.get $mb)))
            (local.set $g (v128.load (i32.add (local.get $q) (local.get $o))))
            ;; each position: reluGrad(g & selected, pre)
            (local.set $p (i32.add (local.get $p0) (local.get $o)))
            (local.set $pv (v128.load (i32.add (local.get $pre) (local.get $p))))
            (v128.store (i32.add (local.get $dx) (local.get $p))
              (v128.bitselect (local.get $pv)
                (v128.and (v128.and (local.get $g) (local.get $ma)) (f32x4.gt (local.get $pv) (v128.const f32x4 0 0 0 0)))
                (f32x4.ne (local.get $pv) (local.get $pv))))
            (local.set $p (i32.add (local.get $p) (local.get $chBytes)))
            (local.set $pv (v128.load (i32.add (local.get $pre) (local.get $p))))
            (v128.store (i32.add (local.get $dx) (local.get $p))
              (v128.bitselect (local.get $pv)
                (v128.and (v128.and (local.get $g) (local.get $mb)) (f32x4.gt (local.get $pv) (v128.const f32x4 0 0 0 0)))
                (f32x4.ne (local.get $pv) (local.get $pv))))
            (local.set $p (i32.add (i32.add (local.get $p0) (local.get $o)) (local.get $rowBytes)))
            (local.set $pv (v128.load (i32.add (local.get $pre) (local.get $p))))
            (v128.store (i32.add (local.get $dx) (local.get $p))
              (v128.bitselect (local.get $pv)
                (v128.and (v128.and (local.get $g) (local.get $mc)) (f32x4.gt (local.get $pv) (v128.const f32x4 0 0 0 0)))
                (f32x4.ne (local.get $pv) (local.get $pv))))
            (local.set $p (i32.add (local.get $p) (local.get $chBytes)))
            (local.set $pv (v128.load (i32.add (local.get $pre) (local.get $p))))
            (v128.store (i32.add (local.get $dx) (local.get $p))
              (v128.bitselect (local.get $pv)
                (v128.and (v128.and (local.get $g) (local.get $md)) (f32x4.gt (local.get $pv) (v128.const f32x4 0 0 0 0)))
                (f32x4.ne (local.get $pv) (local.get $pv))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $oLoop)))
          (local.set $q (i32.add (local.get $q) (local.get $chBytes)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $cLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop)))
  )
)
