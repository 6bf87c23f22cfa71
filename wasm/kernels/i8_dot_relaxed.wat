;; The I8 scoring kernel with relaxed SIMD's fused int8 dot (i32x4.relaxed_dot_i8x16_i7x16_add_s),
;; a module of its own that imports the core's memory: the core calls it through its function
;; table (SetI8DotKernel in core/include/zhixuan/model/scoring.hpp states the contract), and
;; js/kernels/ installs it where WebAssembly.validate accepts this module (engines without relaxed
;; SIMD keep the core's SIMD128 kernel). Assembled by scripts/build-kernels.mjs (wabt, npm).
;;
;; Exactness: the dot's second operand is the query's base-128 digits, all in [0, 127], so every
;; engine reads it the same (x86 reads that operand unsigned, ARM signed: they agree below 128),
;; and a pair of products, at most 2 * 128 * 127 in size, never saturates the dot's int16 stage.
;; The two dots and the offset (8192 * row sum) are combined in wrapping int32 lanes, which gives
;; the true sum sum_j row[j] * q[j] (it fits in int32); the score is float(sum) * (scale * qs),
;; the same operations as the SIMD128 kernel, so the scores are the same floats.
(module
  (import "env" "memory" (memory 1))
  ;; (rows, dim, count, digits, row_sums, scales, query_scale, out): count a multiple of 4, dim of 16.
  (func (export "scoreI8") (param $rows i32) (param $dim i32) (param $count i32) (param $digits i32)
        (param $sums i32) (param $scales i32) (param $qs f32) (param $out i32)
    (local $r i32) (local $j i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $hi v128) (local $lo v128) (local $v v128)
    (local $h0 v128) (local $h1 v128) (local $h2 v128) (local $h3 v128)
    (local $l0 v128) (local $l1 v128) (local $l2 v128) (local $l3 v128)
    (local $hsum v128) (local $lsum v128) (local $ab v128) (local $ce v128) (local $qsv v128)
    (if (i32.eqz (local.get $count)) (then (return)))
    (local.set $qsv (f32x4.splat (local.get $qs)))
    (local.set $p0 (local.get $rows))
    (loop $rows4
      (local.set $p1 (i32.add (local.get $p0) (local.get $dim)))
      (local.set $p2 (i32.add (local.get $p1) (local.get $dim)))
      (local.set $p3 (i32.add (local.get $p2) (local.get $dim)))
      (local.set $h0 (v128.const i32x4 0 0 0 0)) (local.set $h1 (v128.const i32x4 0 0 0 0))
      (local.set $h2 (v128.const i32x4 0 0 0 0)) (local.set $h3 (v128.const i32x4 0 0 0 0))
      (local.set $l0 (v128.const i32x4 0 0 0 0)) (local.set $l1 (v128.const i32x4 0 0 0 0))
      (local.set $l2 (v128.const i32x4 0 0 0 0)) (local.set $l3 (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (loop $chunks
        ;; digits of values j..j+15: 16 hi bytes, then 16 lo bytes
        (local.set $hi (v128.load (i32.add (local.get $digits) (i32.shl (local.get $j) (i32.const 1)))))
        (local.set $lo (v128.load offset=16 (i32.add (local.get $digits) (i32.shl (local.get $j) (i32.const 1)))))
        (local.set $v (v128.load (i32.add (local.get $p0) (local.get $j))))
        (local.set $h0 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $v) (local.get $hi) (local.get $h0)))
        (local.set $l0 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $v) (local.get $lo) (local.get $l0)))
        (local.set $v (v128.load (i32.add (local.get $p1) (local.get $j))))
        (local.set $h1 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $v) (local.get $hi) (local.get $h1)))
        (local.set $l1 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $v) (local.get $lo) (local.get $l1)))
        (local.set $v (v128.load (i32.add (local.get $p2) (local.get $j))))
        (local.set $h2 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $v) (local.get $hi) (local.get $h2)))
        (local.set $l2 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $v) (local.get $lo) (local.get $l2)))
        (local.set $v (v128.load (i32.add (local.get $p3) (local.get $j))))
        (local.set $h3 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $v) (local.get $hi) (local.get $h3)))
        (local.set $l3 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $v) (local.get $lo) (local.get $l3)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $chunks (i32.lt_u (local.get $j) (local.get $dim))))
      ;; lane i of hsum = the sum of the four lanes of h_i (any order: integers), and so for lo
      (local.set $ab (i32x4.add
        (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $h0) (local.get $h1))
        (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $h0) (local.get $h1))))
      (local.set $ce (i32x4.add
        (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $h2) (local.get $h3))
        (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $h2) (local.get $h3))))
      (local.set $hsum (i32x4.add
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $ce))
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $ce))))
      (local.set $ab (i32x4.add
        (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $l0) (local.get $l1))
        (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $l0) (local.get $l1))))
      (local.set $ce (i32x4.add
        (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $l2) (local.get $l3))
        (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $l2) (local.get $l3))))
      (local.set $lsum (i32x4.add
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $ce))
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $ce))))
      ;; 128 * hi + lo - 8192 * row sum, then float(sum) * (scale * qs)
      (v128.store (local.get $out)
        (f32x4.mul
          (f32x4.convert_i32x4_s
            (i32x4.sub
              (i32x4.add (i32x4.shl (local.get $hsum) (i32.const 7)) (local.get $lsum))
              (i32x4.shl (v128.load (local.get $sums)) (i32.const 13))))
          (f32x4.mul (v128.load (local.get $scales)) (local.get $qsv))))
      (local.set $p0 (i32.add (local.get $p3) (local.get $dim)))
      (local.set $sums (i32.add (local.get $sums) (i32.const 16)))
      (local.set $scales (i32.add (local.get $scales) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br_if $rows4 (i32.lt_u (local.get $r) (local.get $count))))))
