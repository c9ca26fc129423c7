;; Hand-written WebAssembly SIMD kernels for 2-D convolutions (NHWC, float32,
;; dilation 1) that work directly on the wasm backend's heap: the module
;; imports the backend's own memory and has none of its own (no data, no
;; stack); every pointer argument is a byte offset into it (`memoryOffset` of
;; a tensor). Products are accumulated with `f32x4.relaxed_madd` (a fused
;; multiply-add where the machine has one), four output channels per vector,
;; eight vectors (32 channels) per block held in registers, then one vector at
;; a time for the rest; the output channel count must be a multiple of 4.
;;
;; Geometry (as tfjs's `computeConv2DInfo` gives it): input [batch,inH,inW,inC],
;; filter [kh,kw,inC,outC], output [batch,outH,outW,outC]; output pixel (oy,ox)
;; reads input row oy*sh - top + ky and column ox*sw - left + kx; taps outside
;; the input contribute 0.
;;
;; Rebuild src/backend/conv_kernels_wasm.ts after editing this file:
;;   deno task kernels
(module
  (import "env" "memory" (memory 1))

  ;; One output row after its sums: p[i] = ReLU(p[i] + bias[c]), the sum rounded to float32 as the
  ;; stock Add rounds it and ReLU as the stock wasm Relu computes it, a signed integer max with 0 on
  ;; the bits (as addBiasRelu in simd_kernels.wat). `pixels` pixels of `ch` floats, ch a multiple of 4.
  (func $biasReluRow (param $p i32) (param $bias i32) (param $pixels i32) (param $ch i32)
    (local $i i32) (local $o i32) (local $chBytes i32)
    (local.set $chBytes (i32.shl (local.get $ch) (i32.const 2)))
    (block $iDone (loop $iLoop
      (br_if $iDone (i32.ge_u (local.get $i) (local.get $pixels)))
      (local.set $o (i32.const 0))
      (block $oDone (loop $oLoop
        (br_if $oDone (i32.ge_u (local.get $o) (local.get $chBytes)))
        (v128.store (i32.add (local.get $p) (local.get $o))
          (i32x4.max_s
            (f32x4.add
              (v128.load (i32.add (local.get $p) (local.get $o)))
              (v128.load (i32.add (local.get $bias) (local.get $o))))
            (v128.const i32x4 0 0 0 0)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $oLoop)))
      (local.set $p (i32.add (local.get $p) (local.get $chBytes)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $iLoop)))
  )

  ;; Forward convolution: out = conv(x, w) (+ bias[co] if flags&1) (ReLU if flags&2); with flags&4
  ;; instead, the bias is added after the sum and ReLU taken as the stock wasm Relu (see $biasReluRow).
  ;; Where two neighbouring output pixels have all their taps inside the input
  ;; (in x) they are done together, 2 pixels × 16 channels in eight registers,
  ;; sharing the filter loads. Otherwise, for each output pixel the taps inside the input are the rectangle
  ;; ky ∈ [ky0,ky1), kx ∈ [kx0,kx1); within one filter row ky the input values
  ;; (kx, ci) are contiguous, and so are the filter rows, so one flat loop of
  ;; (kx1-kx0)·inC steps covers them: splat x, add x·w[row] to the accumulators.
  (func (export "conv2dForward")
    (param $x i32) (param $w i32) (param $bias i32) (param $out i32)
    (param $batch i32) (param $inH i32) (param $inW i32) (param $inC i32)
    (param $outH i32) (param $outW i32) (param $outC i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32)
    (param $top i32) (param $left i32) (param $flags i32)
    (local $n i32) (local $oy i32) (local $ox i32) (local $ky i32) (local $t i32)
    (local $iy0 i32) (local $ix0 i32) (local $ky0 i32) (local $ky1 i32) (local $kx0 i32) (local $kx1 i32)
    (local $tn i32) (local $c i32) (local $xp i32) (local $wp i32) (local $op i32) (local $xn i32)
    (local $wRow i32) (local $xRow i32) (local $imgBytes i32) (local $xStep i32) (local $kRow i32)
    (local $zero v128) (local $xv v128) (local $xw v128)
    (local $f0 v128) (local $f1 v128) (local $f2 v128) (local $f3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $wRow (i32.shl (local.get $outC) (i32.const 2)))           ;; bytes per filter row (ky,kx,ci)
    (local.set $xRow (i32.shl (i32.mul (local.get $inW) (local.get $inC)) (i32.const 2))) ;; bytes per input row
    (local.set $imgBytes (i32.mul (local.get $xRow) (local.get $inH)))
    (local.set $xStep (i32.shl (i32.mul (local.get $sw) (local.get $inC)) (i32.const 2))) ;; next output pixel's input
    (local.set $kRow (i32.mul (local.get $kw) (local.get $inC)))       ;; steps per filter row
    (local.set $op (local.get $out))
    (local.set $xn (local.get $x))
    (local.set $n (i32.const 0))
    (block $nDone (loop $nLoop
      (br_if $nDone (i32.ge_u (local.get $n) (local.get $batch)))
      (local.set $oy (i32.const 0))
      (block $oyDone (loop $oyLoop
        (br_if $oyDone (i32.ge_u (local.get $oy) (local.get $outH)))
        (local.set $iy0 (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $top)))
        ;; ky0 = max(0, -iy0); ky1 = min(kh, inH - iy0)
        (local.set $ky0 (select (i32.sub (i32.const 0) (local.get $iy0)) (i32.const 0)
          (i32.lt_s (local.get $iy0) (i32.const 0))))
        (local.set $ky1 (i32.sub (local.get $inH) (local.get $iy0)))
        (local.set $ky1 (select (local.get $kh) (local.get $ky1)
          (i32.gt_s (local.get $ky1) (local.get $kh))))
        (local.set $ox (i32.const 0))
        (block $oxDone (loop $oxLoop
          (br_if $oxDone (i32.ge_u (local.get $ox) (local.get $outW)))
          (local.set $ix0 (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left)))
          ;; Two neighbouring output pixels whose taps are all inside the input (in x;
          ;; rows are shared): 16 channels of both at a time, each filter vector
          ;; loaded once for the two pixels.
          (if (i32.and
                (i32.and (i32.ge_s (local.get $ix0) (i32.const 0))
                  (i32.lt_u (i32.add (local.get $ox) (i32.const 1)) (local.get $outW)))
                (i32.le_s (i32.add (i32.add (local.get $ix0) (local.get $sw)) (local.get $kw)) (local.get $inW)))
            (then
              (local.set $c (i32.const 0))
              (block $cp4Done (loop $cp4Loop
                (br_if $cp4Done (i32.gt_s (i32.add (local.get $c) (i32.const 16)) (local.get $outC)))
                (local.set $wp (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2))))
                (local.set $a0 (select (v128.load offset=0 (local.get $wp)) (local.get $zero)
                  (i32.and (local.get $flags) (i32.const 1))))
                (local.set $a4 (local.get $a0))
                (local.set $a1 (select (v128.load offset=16 (local.get $wp)) (local.get $zero)
                  (i32.and (local.get $flags) (i32.const 1))))
                (local.set $a5 (local.get $a1))
                (local.set $a2 (select (v128.load offset=32 (local.get $wp)) (local.get $zero)
                  (i32.and (local.get $flags) (i32.const 1))))
                (local.set $a6 (local.get $a2))
                (local.set $a3 (select (v128.load offset=48 (local.get $wp)) (local.get $zero)
                  (i32.and (local.get $flags) (i32.const 1))))
                (local.set $a7 (local.get $a3))
                (local.set $ky (local.get $ky0))
                (block $kyp4Done (loop $kyp4Loop
                  (br_if $kyp4Done (i32.ge_s (local.get $ky) (local.get $ky1)))
                  (local.set $xp (i32.add (local.get $xn) (i32.shl (i32.mul (i32.add
                    (i32.mul (i32.add (local.get $iy0) (local.get $ky)) (local.get $inW)) (local.get $ix0)) (local.get $inC)) (i32.const 2))))
                  (local.set $wp (i32.add (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 2)))
                    (i32.mul (i32.mul (local.get $ky) (local.get $kRow)) (local.get $wRow))))
                  (local.set $t (i32.const 0))
                  (block $tp4Done (loop $tp4Loop
                    (br_if $tp4Done (i32.ge_s (local.get $t) (local.get $kRow)))
                    (local.set $xv (v128.load32_splat (local.get $xp)))
                    (local.set $xw (v128.load32_splat (i32.add (local.get $xp) (local.get $xStep))))
                    (local.set $f0 (v128.load offset=0 (local.get $wp)))
                    (local.set $f1 (v128.load offset=16 (local.get $wp)))
                    (local.set $f2 (v128.load offset=32 (local.get $wp)))
                    (local.set $f3 (v128.load offset=48 (local.get $wp)))
                    (local.set $a0 (f32x4.relaxed_madd (local.get $xv) (local.get $f0) (local.get $a0)))
                    (local.set $a1 (f32x4.relaxed_madd (local.get $xv) (local.get $f1) (local.get $a1)))
                    (local.set $a2 (f32x4.relaxed_madd (local.get $xv) (local.get $f2) (local.get $a2)))
                    (local.set $a3 (f32x4.relaxed_madd (local.get $xv) (local.get $f3) (local.get $a3)))
                    (local.set $a4 (f32x4.relaxed_madd (local.get $xw) (local.get $f0) (local.get $a4)))
                    (local.set $a5 (f32x4.relaxed_madd (local.get $xw) (local.get $f1) (local.get $a5)))
                    (local.set $a6 (f32x4.relaxed_madd (local.get $xw) (local.get $f2) (local.get $a6)))
                    (local.set $a7 (f32x4.relaxed_madd (local.get $xw) (local.get $f3) (local.get $a7)))
                    (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
                    (local.set $wp (i32.add (local.get $wp) (local.get $wRow)))
                    (local.set $t (i32.add (local.get $t) (i32.const 1)))
                    (br $tp4Loop)))
                  (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                  (br $kyp4Loop)))
                (if (i32.and (local.get $flags) (i32.const 2))
                  (then
                    (local.set $a0 (f32x4.pmax (local.get $a0) (local.get $zero)))
                    (local.set $a1 (f32x4.pmax (local.get $a1) (local.get $zero)))
                    (local.set $a2 (f32x4.pmax (local.get $a2) (local.get $zero)))
                    (local.set $a3 (f32x4.pmax (local.get $a3) (local.get $zero)))
                    (local.set $a4 (f32x4.pmax (local.get $a4) (local.get $zero)))
                    (local.set $a5 (f32x4.pmax (local.get $a5) (local.get $zero)))
                    (local.set $a6 (f32x4.pmax (local.get $a6) (local.get $zero)))
                    (local.set $a7 (f32x4.pmax (local.get $a7) (local.get $zero)))))
                (local.set $wp (i32.add (local.get $op) (i32.shl (local.get $c) (i32.const 2))))
                (v128.store offset=0 (local.get $wp) (local.get $a0))
                (v128.store offset=16 (local.get $wp) (local.get $a1))
                (v128.store offset=32 (local.get $wp) (local.get $a2))
                (v128.store offset=48 (local.get $wp) (local.get $a3))
                (local.set $wp (i32.add (local.get $wp) (local.get $wRow)))
                (v128.store offset=0 (local.get $wp) (local.get $a4))
                (v128.store offset=16 (local.get $wp) (local.get $a5))
                (v128.store offset=32 (local.get $wp) (local.get $a6))
                (v128.store offset=48 (local.get $wp) (local.get $a7))
                (local.set $c (i32.add (local.get $c) (i32.const 16)))
                (br $cp4Loop)))
              ;; the remaining channels, 4 at a time
              (block $cp1Done (loop $cp1Loop
                (br_if $cp1Done (i32.gt_s (i32.add (local.get $c) (i32.const 4)) (local.get $outC)))
                (local.set $wp (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2))))
                (local.set $a0 (select (v128.load offset=0 (local.get $wp)) (local.get $zero)
                  (i32.and (local.get $flags) (i32.const 1))))
                (local.set $a4 (local.get $a0))
                (local.set $ky (local.get $ky0))
                (block $kyp1Done (loop $kyp1Loop
                  (br_if $kyp1Done (i32.ge_s (local.get $ky) (local.get $ky1)))
                  (local.set $xp (i32.add (local.get $xn) (i32.shl (i32.mul (i32.add
                    (i32.mul (i32.add (local.get $iy0) (local.get $ky)) (local.get $inW)) (local.get $ix0)) (local.get $inC)) (i32.const 2))))
                  (local.set $wp (i32.add (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 2)))
                    (i32.mul (i32.mul (local.get $ky) (local.get $kRow)) (local.get $wRow))))
                  (local.set $t (i32.const 0))
                  (block $tp1Done (loop $tp1Loop
                    (br_if $tp1Done (i32.ge_s (local.get $t) (local.get $kRow)))
                    (local.set $xv (v128.load32_splat (local.get $xp)))
                    (local.set $xw (v128.load32_splat (i32.add (local.get $xp) (local.get $xStep))))
                    (local.set $f0 (v128.load offset=0 (local.get $wp)))
                    (local.set $a0 (f32x4.relaxed_madd (local.get $xv) (local.get $f0) (local.get $a0)))
                    (local.set $a4 (f32x4.relaxed_madd (local.get $xw) (local.get $f0) (local.get $a4)))
                    (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
                    (local.set $wp (i32.add (local.get $wp) (local.get $wRow)))
                    (local.set $t (i32.add (local.get $t) (i32.const 1)))
                    (br $tp1Loop)))
                  (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                  (br $kyp1Loop)))
                (if (i32.and (local.get $flags) (i32.const 2))
                  (then
                    (local.set $a0 (f32x4.pmax (local.get $a0) (local.get $zero)))
                    (local.set $a4 (f32x4.pmax (local.get $a4) (local.get $zero)))))
                (local.set $wp (i32.add (local.get $op) (i32.shl (local.get $c) (i32.const 2))))
                (v128.store offset=0 (local.get $wp) (local.get $a0))
                (local.set $wp (i32.add (local.get $wp) (local.get $wRow)))
                (v128.store offset=0 (local.get $wp) (local.get $a4))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $cp1Loop)))
              (local.set $op (i32.add (local.get $op) (i32.shl (local.get $wRow) (i32.const 1))))
              (local.set $ox (i32.add (local.get $ox) (i32.const 2)))
              (br $oxLoop)))
          (local.set $kx0 (select (i32.sub (i32.const 0) (local.get $ix0)) (i32.const 0)
            (i32.lt_s (local.get $ix0) (i32.const 0))))
          (local.set $kx1 (i32.sub (local.get $inW) (local.get $ix0)))
          (local.set $kx1 (select (local.get $kw) (local.get $kx1)
            (i32.gt_s (local.get $kx1) (local.get $kw))))
          ;; steps per filter row (≤ 0: no tap inside the input)
          (local.set $tn (i32.mul (i32.sub (local.get $kx1) (local.get $kx0)) (local.get $inC)))
          (local.set $c (i32.const 0))
          ;; blocks of 32 output channels
          (block $c8Done (loop $c8Loop
            (br_if $c8Done (i32.gt_s (i32.add (local.get $c) (i32.const 32)) (local.get $outC)))
            (if (i32.and (local.get $flags) (i32.const 1))
              (then
                (local.set $wp (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2))))
                (local.set $a0 (v128.load offset=0 (local.get $wp)))
                (local.set $a1 (v128.load offset=16 (local.get $wp)))
                (local.set $a2 (v128.load offset=32 (local.get $wp)))
                (local.set $a3 (v128.load offset=48 (local.get $wp)))
                (local.set $a4 (v128.load offset=64 (local.get $wp)))
                (local.set $a5 (v128.load offset=80 (local.get $wp)))
                (local.set $a6 (v128.load offset=96 (local.get $wp)))
                (local.set $a7 (v128.load offset=112 (local.get $wp))))
              (else
                (local.set $a0 (local.get $zero)) (local.set $a1 (local.get $zero))
                (local.set $a2 (local.get $zero)) (local.set $a3 (local.get $zero))
                (local.set $a4 (local.get $zero)) (local.set $a5 (local.get $zero))
                (local.set $a6 (local.get $zero)) (local.set $a7 (local.get $zero))))
            (local.set $ky (local.get $ky0))
            (block $kyDone (loop $kyLoop
              (br_if $kyDone (i32.ge_s (local.get $ky) (local.get $ky1)))
              ;; xp = xn + ((iy0+ky)*inW + ix0 + kx0)*inC*4
              (local.set $xp (i32.add (local.get $xn)
                (i32.shl
                  (i32.mul
                    (i32.add
                      (i32.mul (i32.add (local.get $iy0) (local.get $ky)) (local.get $inW))
                      (i32.add (local.get $ix0) (local.get $kx0)))
                    (local.get $inC))
                  (i32.const 2))))
              ;; wp = w + ((ky*kw + kx0)*inC)*outC*4 + c*4
              (local.set $wp (i32.add
                (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 2)))
                (i32.mul
                  (i32.mul
                    (i32.add (i32.mul (local.get $ky) (local.get $kw)) (local.get $kx0))
                    (local.get $inC))
                  (local.get $wRow))))
              (local.set $t (i32.const 0))
              (block $tDone (loop $tLoop
                (br_if $tDone (i32.ge_s (local.get $t) (local.get $tn)))
                (local.set $xv (v128.load32_splat (local.get $xp)))
                (local.set $a0 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=0 (local.get $wp)) (local.get $a0)))
                (local.set $a1 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=16 (local.get $wp)) (local.get $a1)))
                (local.set $a2 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=32 (local.get $wp)) (local.get $a2)))
                (local.set $a3 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=48 (local.get $wp)) (local.get $a3)))
                (local.set $a4 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=64 (local.get $wp)) (local.get $a4)))
                (local.set $a5 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=80 (local.get $wp)) (local.get $a5)))
                (local.set $a6 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=96 (local.get $wp)) (local.get $a6)))
                (local.set $a7 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=112 (local.get $wp)) (local.get $a7)))
                (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
                (local.set $wp (i32.add (local.get $wp) (local.get $wRow)))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tLoop)))
              (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
              (br $kyLoop)))
            (if (i32.and (local.get $flags) (i32.const 2))
              (then ;; ReLU as tfjs does it: x < 0 ? 0 : x (NaN stays NaN)
                (local.set $a0 (f32x4.pmax (local.get $a0) (local.get $zero)))
                (local.set $a1 (f32x4.pmax (local.get $a1) (local.get $zero)))
                (local.set $a2 (f32x4.pmax (local.get $a2) (local.get $zero)))
                (local.set $a3 (f32x4.pmax (local.get $a3) (local.get $zero)))
                (local.set $a4 (f32x4.pmax (local.get $a4) (local.get $zero)))
                (local.set $a5 (f32x4.pmax (local.get $a5) (local.get $zero)))
                (local.set $a6 (f32x4.pmax (local.get $a6) (local.get $zero)))
                (local.set $a7 (f32x4.pmax (local.get $a7) (local.get $zero)))))
            (local.set $wp (i32.add (local.get $op) (i32.shl (local.get $c) (i32.const 2))))
            (v128.store offset=0 (local.get $wp) (local.get $a0))
            (v128.store offset=16 (local.get $wp) (local.get $a1))
            (v128.store offset=32 (local.get $wp) (local.get $a2))
            (v128.store offset=48 (local.get $wp) (local.get $a3))
            (v128.store offset=64 (local.get $wp) (local.get $a4))
            (v128.store offset=80 (local.get $wp) (local.get $a5))
            (v128.store offset=96 (local.get $wp) (local.get $a6))
            (v128.store offset=112 (local.get $wp) (local.get $a7))
            (local.set $c (i32.add (local.get $c) (i32.const 32)))
            (br $c8Loop)))
          ;; the remaining channels, 4 at a time
          (block $c1Done (loop $c1Loop
            (br_if $c1Done (i32.ge_s (local.get $c) (local.get $outC)))
            (local.set $a0
              (select (v128.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2))))
                (local.get $zero) (i32.and (local.get $flags) (i32.const 1))))
            (local.set $ky (local.get $ky0))
            (block $kyDone1 (loop $kyLoop1
              (br_if $kyDone1 (i32.ge_s (local.get $ky) (local.get $ky1)))
              (local.set $xp (i32.add (local.get $xn)
                (i32.shl
                  (i32.mul
                    (i32.add
                      (i32.mul (i32.add (local.get $iy0) (local.get $ky)) (local.get $inW))
                      (i32.add (local.get $ix0) (local.get $kx0)))
                    (local.get $inC))
                  (i32.const 2))))
              (local.set $wp (i32.add
                (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 2)))
                (i32.mul
                  (i32.mul
                    (i32.add (i32.mul (local.get $ky) (local.get $kw)) (local.get $kx0))
                    (local.get $inC))
                  (local.get $wRow))))
              (local.set $t (i32.const 0))
              (block $tDone1 (loop $tLoop1
                (br_if $tDone1 (i32.ge_s (local.get $t) (local.get $tn)))
                (local.set $a0 (f32x4.relaxed_madd
                  (v128.load32_splat (local.get $xp)) (v128.load (local.get $wp)) (local.get $a0)))
                (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
                (local.set $wp (i32.add (local.get $wp) (local.get $wRow)))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tLoop1)))
              (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
              (br $kyLoop1)))
            (if (i32.and (local.get $flags) (i32.const 2))
              (then (local.set $a0 (f32x4.pmax (local.get $a0) (local.get $zero)))))
            (v128.store (i32.add (local.get $op) (i32.shl (local.get $c) (i32.const 2))) (local.get $a0))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $c1Loop)))
          (local.set $op (i32.add (local.get $op) (local.get $wRow)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $oxLoop)))
        ;; flags&4: the bias added after the sums and ReLU as the stock wasm Relu, over the row just
        ;; written while it is in the cache (bit for bit Conv2D, then Add, then Relu).
        (if (i32.and (local.get $flags) (i32.const 4))
          (then (call $biasReluRow
            (i32.sub (local.get $op) (i32.mul (local.get $outW) (local.get $wRow)))
            (local.get $bias) (local.get $outW) (local.get $outC))))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $oyLoop)))
      (local.set $xn (i32.add (local.get $xn) (local.get $imgBytes)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $nLoop)))
  )

  ;; Filter gradient: dw[ky,kx,ci,co] = Σ_{n,oy,ox} x[n, oy*sh-top+ky, ox*sw-left+kx, ci] · dy[n,oy,ox,co]
  ;; (dw is overwritten). One output row (n,oy) at a time: its dy values (outW·outC
  ;; floats) stay in the cache while every tap (ky,kx,ci) runs over the output
  ;; columns whose input column is inside, [lo,hi), accumulating in registers;
  ;; the row's sums are then added to dw.
  (func (export "conv2dFilterGrad")
    (param $x i32) (param $dy i32) (param $dw i32)
    (param $batch i32) (param $inH i32) (param $inW i32) (param $inC i32)
    (param $outH i32) (param $outW i32) (param $outC i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32)
    (param $top i32) (param $left i32)
    (local $n i32) (local $oy i32) (local $ox i32) (local $ky i32) (local $kx i32) (local $ci i32)
    (local $iy i32) (local $ky0 i32) (local $ky1 i32) (local $lo i32) (local $hi i32) (local $t i32)
    (local $c i32) (local $xp i32) (local $dp i32) (local $wp i32) (local $p i32) (local $end i32)
    (local $dyRow i32) (local $xRowP i32) (local $xStart i32) (local $dStart i32)
    (local $oRow i32) (local $xStep i32) (local $zero v128) (local $xv v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $oRow (i32.shl (local.get $outC) (i32.const 2)))   ;; bytes per dy pixel / dw row
    (local.set $xStep (i32.shl (i32.mul (local.get $sw) (local.get $inC)) (i32.const 2)))
    ;; dw = 0
    (local.set $p (local.get $dw))
    (local.set $end (i32.add (local.get $dw)
      (i32.mul (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (local.get $inC)) (local.get $oRow))))
    (block $zDone (loop $zLoop
      (br_if $zDone (i32.ge_u (local.get $p) (local.get $end)))
      (v128.store (local.get $p) (local.get $zero))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $zLoop)))
    (local.set $dyRow (local.get $dy))
    (local.set $n (i32.const 0))
    (block $nDone (loop $nLoop
      (br_if $nDone (i32.ge_u (local.get $n) (local.get $batch)))
      (local.set $oy (i32.const 0))
      (block $oyDone (loop $oyLoop
        (br_if $oyDone (i32.ge_u (local.get $oy) (local.get $outH)))
        (local.set $iy (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $top)))
        (local.set $ky0 (select (i32.sub (i32.const 0) (local.get $iy)) (i32.const 0)
          (i32.lt_s (local.get $iy) (i32.const 0))))
        (local.set $ky1 (i32.sub (local.get $inH) (local.get $iy)))
        (local.set $ky1 (select (local.get $kh) (local.get $ky1)
          (i32.gt_s (local.get $ky1) (local.get $kh))))
        (local.set $ky (local.get $ky0))
        (block $kyDone (loop $kyLoop
          (br_if $kyDone (i32.ge_s (local.get $ky) (local.get $ky1)))
          ;; start of input row n, iy+ky
          (local.set $xRowP (i32.add (local.get $x)
            (i32.shl
              (i32.mul
                (i32.mul
                  (i32.add (i32.mul (local.get $n) (local.get $inH)) (i32.add (local.get $iy) (local.get $ky)))
                  (local.get $inW))
                (local.get $inC))
              (i32.const 2))))
          (local.set $kx (i32.const 0))
          (block $kxDone (loop $kxLoop
            (br_if $kxDone (i32.ge_s (local.get $kx) (local.get $kw)))
            ;; lo = left-kx <= 0 ? 0 : ceil((left-kx)/sw)
            (local.set $t (i32.sub (local.get $left) (local.get $kx)))
            (local.set $lo (select
              (i32.div_u (i32.add (local.get $t) (i32.sub (local.get $sw) (i32.const 1))) (local.get $sw))
              (i32.const 0)
              (i32.gt_s (local.get $t) (i32.const 0))))
            ;; hi = inW-1+left-kx < 0 ? 0 : min(outW, (inW-1+left-kx)/sw + 1)
            (local.set $t (i32.add (i32.sub (local.get $inW) (i32.const 1)) (local.get $t)))
            (local.set $hi (select
              (i32.add (i32.div_u (local.get $t) (local.get $sw)) (i32.const 1))
              (i32.const 0)
              (i32.ge_s (local.get $t) (i32.const 0))))
            (local.set $hi (select (local.get $outW) (local.get $hi)
              (i32.gt_s (local.get $hi) (local.get $outW))))
            (if (i32.lt_s (local.get $lo) (local.get $hi))
              (then
                (local.set $ci (i32.const 0))
                (block $ciDone (loop $ciLoop
                  (br_if $ciDone (i32.ge_s (local.get $ci) (local.get $inC)))
                  ;; x at column lo*sw - left + kx, channel ci
                  (local.set $xStart (i32.add (local.get $xRowP)
                    (i32.shl
                      (i32.add
                        (i32.mul
                          (i32.add (i32.sub (i32.mul (local.get $lo) (local.get $sw)) (local.get $left))
                            (local.get $kx))
                          (local.get $inC))
                        (local.get $ci))
                      (i32.const 2))))
                  (local.set $dStart (i32.add (local.get $dyRow) (i32.mul (local.get $lo) (local.get $oRow))))
                  ;; dw row (ky,kx,ci)
                  (local.set $p (i32.add (local.get $dw)
                    (i32.mul
                      (i32.add
                        (i32.mul (i32.add (i32.mul (local.get $ky) (local.get $kw)) (local.get $kx)) (local.get $inC))
                        (local.get $ci))
                      (local.get $oRow))))
                  (local.set $c (i32.const 0))
                  (block $c8Done (loop $c8Loop
                    (br_if $c8Done (i32.gt_s (i32.add (local.get $c) (i32.const 32)) (local.get $outC)))
                    (local.set $a0 (local.get $zero)) (local.set $a1 (local.get $zero))
                    (local.set $a2 (local.get $zero)) (local.set $a3 (local.get $zero))
                    (local.set $a4 (local.get $zero)) (local.set $a5 (local.get $zero))
                    (local.set $a6 (local.get $zero)) (local.set $a7 (local.get $zero))
                    (local.set $xp (local.get $xStart))
                    (local.set $dp (i32.add (local.get $dStart) (i32.shl (local.get $c) (i32.const 2))))
                    (local.set $ox (local.get $lo))
                    (block $oxDone (loop $oxLoop
                      (br_if $oxDone (i32.ge_s (local.get $ox) (local.get $hi)))
                      (local.set $xv (v128.load32_splat (local.get $xp)))
                      (local.set $a0 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=0 (local.get $dp)) (local.get $a0)))
                      (local.set $a1 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=16 (local.get $dp)) (local.get $a1)))
                      (local.set $a2 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=32 (local.get $dp)) (local.get $a2)))
                      (local.set $a3 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=48 (local.get $dp)) (local.get $a3)))
                      (local.set $a4 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=64 (local.get $dp)) (local.get $a4)))
                      (local.set $a5 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=80 (local.get $dp)) (local.get $a5)))
                      (local.set $a6 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=96 (local.get $dp)) (local.get $a6)))
                      (local.set $a7 (f32x4.relaxed_madd (local.get $xv) (v128.load offset=112 (local.get $dp)) (local.get $a7)))
                      (local.set $xp (i32.add (local.get $xp) (local.get $xStep)))
                      (local.set $dp (i32.add (local.get $dp) (local.get $oRow)))
                      (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                      (br $oxLoop)))
                    (local.set $wp (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))))
                    (v128.store offset=0 (local.get $wp) (f32x4.add (v128.load offset=0 (local.get $wp)) (local.get $a0)))
                    (v128.store offset=16 (local.get $wp) (f32x4.add (v128.load offset=16 (local.get $wp)) (local.get $a1)))
                    (v128.store offset=32 (local.get $wp) (f32x4.add (v128.load offset=32 (local.get $wp)) (local.get $a2)))
                    (v128.store offset=48 (local.get $wp) (f32x4.add (v128.load offset=48 (local.get $wp)) (local.get $a3)))
                    (v128.store offset=64 (local.get $wp) (f32x4.add (v128.load offset=64 (local.get $wp)) (local.get $a4)))
                    (v128.store offset=80 (local.get $wp) (f32x4.add (v128.load offset=80 (local.get $wp)) (local.get $a5)))
                    (v128.store offset=96 (local.get $wp) (f32x4.add (v128.load offset=96 (local.get $wp)) (local.get $a6)))
                    (v128.store offset=112 (local.get $wp) (f32x4.add (v128.load offset=112 (local.get $wp)) (local.get $a7)))
                    (local.set $c (i32.add (local.get $c) (i32.const 32)))
                    (br $c8Loop)))
                  ;; the remaining channels, 4 at a time
                  (block $c1Done (loop $c1Loop
                    (br_if $c1Done (i32.ge_s (local.get $c) (local.get $outC)))
                    (local.set $a0 (local.get $zero))
                    (local.set $xp (local.get $xStart))
                    (local.set $dp (i32.add (local.get $dStart) (i32.shl (local.get $c) (i32.const 2))))
                    (local.set $ox (local.get $lo))
                    (block $oxDone1 (loop $oxLoop1
                      (br_if $oxDone1 (i32.ge_s (local.get $ox) (local.get $hi)))
                      (local.set $a0 (f32x4.relaxed_madd
                        (v128.load32_splat (local.get $xp)) (v128.load (local.get $dp)) (local.get $a0)))
                      (local.set $xp (i32.add (local.get $xp) (local.get $xStep)))
                      (local.set $dp (i32.add (local.get $dp) (local.get $oRow)))
                      (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                      (br $oxLoop1)))
                    (local.set $wp (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))))
                    (v128.store (local.get $wp) (f32x4.add (v128.load (local.get $wp)) (local.get $a0)))
                    (local.set $c (i32.add (local.get $c) (i32.const 4)))
                    (br $c1Loop)))
                  (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
                  (br $ciLoop)))))
            (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
            (br $kxLoop)))
          (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
          (br $kyLoop)))
        (local.set $dyRow (i32.add (local.get $dyRow) (i32.mul (local.get $outW) (local.get $oRow))))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $oyLoop)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $nLoop)))
  )
)
