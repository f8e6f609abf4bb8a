// Float softmax over the last dim, bit-identical to runtime/tensor/ops/softmax.ts's JS loop: per row the
// float64 max of the float32 inputs, e = exp(x − max) in float64, a sequential float64 sum, y = f32(e / sum).
// exp is fdlibm's e_exp.c — the algorithm V8's Math.exp runs (base::ieee754::exp) — written out with the
// same float64 operations in the same order (wasm has no implicit fused multiply-add), so every e equals
// Math.exp's.

const o_threshold: f64 = 7.09782712893383973096e2;
const u_threshold: f64 = -7.45133219101941108420e2;
const ln2HI: f64 = 6.93147180369123816490e-1;
const ln2LO: f64 = 1.90821492927058770002e-10;
const invln2: f64 = 1.44269504088896338700;
const P1: f64 = 1.66666666666666019037e-1;
const P2: f64 = -2.77777777770155933842e-3;
const P3: f64 = 6.61375632143793436117e-5;
const P4: f64 = -1.65339022054652515390e-6;
const P5: f64 = 4.13813679705723846039e-8;
const E: f64 = 2.718281828459045;

/** 2^k as a float64, for -1022 ≤ k ≤ 1023 (exact). */
@inline
function two_pow(k: i32): f64 {
  return reinterpret<f64>(<u64>(0x3ff + k) << 52);
}

/** fdlibm exp (e_exp.c), as V8's Math.exp. */
export function exp_fdlibm(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  const xsb = <i32>(bits >> 63);
  const hx = <u32>(bits >> 32) & 0x7fffffff;
  let k: i32 = 0;
  let hi: f64 = 0;
  let lo: f64 = 0;
  if (hx >= 0x40862e42) {
    // |x| ≥ 709.78: NaN, ±inf, overflow, underflow
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | <u32>bits) != 0) return x + x;
      return xsb == 0 ? x : 0.0;
    }
    if (x > o_threshold) return Infinity;
    if (x < u_threshold) return 0.0;
  }
  if (hx > 0x3fd62e42) {
    // |x| > 0.5 ln2: reduce x = k·ln2 + r
    if (hx < 0x3ff0a2b2) {
      if (x == 1.0) return E;
      hi = xsb == 0 ? x - ln2HI : x + ln2HI;
      lo = xsb == 0 ? ln2LO : -ln2LO;
      k = 1 - xsb - xsb;
    } else {
      k = <i32>(invln2 * x + (xsb == 0 ? 0.5 : -0.5));
      const t = <f64>k;
      hi = x - t * ln2HI;
      lo = t * ln2LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    // |x| < 2^-28
    return 1.0 + x;
  } else k = 0;
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * 8.98846567431158e307;
    return y * two_pow(k);
  }
  return y * two_pow(k + 1000) * 9.332636185032189e-302;
}

// exp of two lanes at once for −708 ≤ x ≤ 0 (every shifted softmax input but far tails and NaN): fdlibm's
// branches become selects. With k = 0 the general formula 1 − ((lo − x·c/(2 − c)) − hi) (hi = x, lo = 0)
// equals fdlibm's 1 − ((x·c)/(c − 2) − x) exactly, and k = −1 from trunc equals the 1.5·ln2 branch's
// constants (x + ln2HI, −ln2LO); |x| < 2^-28 keeps fdlibm's 1 + x.
const HALF_LN2_BITS: i64 = 0x3fd62e42ffffffff; // |x| bits above: |x| > 0.5 ln2 (hx > 0x3fd62e42)
const ONE5_LN2_BITS: i64 = 0x3ff0a2b200000000; // |x| bits below: hx < 0x3ff0a2b2
const TINY_BITS: i64 = 0x3e30000000000000; // |x| bits below: |x| < 2^-28

@inline
function exp2_nonpos(x: v128): v128 {
  const abits = v128.and(x, i64x2.splat(0x7fffffffffffffff));
  const reduce = i64x2.gt_s(abits, i64x2.splat(HALF_LN2_BITS));
  const near = i64x2.lt_s(abits, i64x2.splat(ONE5_LN2_BITS));
  const tiny = i64x2.lt_s(abits, i64x2.splat(TINY_BITS));
  const kfar = f64x2.trunc(f64x2.sub(f64x2.mul(f64x2.splat(invln2), x), f64x2.splat(0.5)));
  const kf = v128.and(v128.bitselect(f64x2.splat(-1.0), kfar, near), reduce);
  const hi = f64x2.sub(x, f64x2.mul(kf, f64x2.splat(ln2HI)));
  const lo = f64x2.mul(kf, f64x2.splat(ln2LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let p = f64x2.add(f64x2.splat(P4), f64x2.mul(t, f64x2.splat(P5)));
  p = f64x2.add(f64x2.splat(P3), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P2), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P1), f64x2.mul(t, p));
  const c = f64x2.sub(r, f64x2.mul(t, p));
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2.0), c));
  const y = f64x2.sub(f64x2.splat(1.0), f64x2.sub(f64x2.sub(lo, q), hi));
  // 2^k from k ≥ −1021 (x ≥ −708): exponent bits (k + 1023) << 52
  const k64 = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(kf));
  const scale = i64x2.shl(i64x2.add(k64, i64x2.splat(1023)), 52);
  return v128.bitselect(f64x2.add(f64x2.splat(1.0), x), f64x2.mul(y, scale), tiny);
}

/**
 * y[r, :] = softmax(x[r, :]) for `rows` rows of `n` floats (contiguous); e is n float64s of scratch.
 * An all −inf row shifts by 0 (as the JS loop), NaN propagates through max as Math.max does.
 */
export function softmax_rows_f32(x: usize, rows: i32, n: i32, y: usize, e: usize): void {
  const lo_ok = f64x2.splat(-708.0);
  for (let r = 0; r < rows; r++) {
    const src = x + ((<usize>r * <usize>n) << 2);
    const dst = y + ((<usize>r * <usize>n) << 2);
    let m: f64 = -Infinity;
    for (let k = 0; k < n; k++) {
      const v = <f64>load<f32>(src + (<usize>k << 2));
      // Math.max: NaN wins, +0 over −0 (wasm's f64.max)
      m = max<f64>(m, v);
    }
    if (m == -Infinity) m = 0;
    const vm = f64x2.splat(m);
    let k = 0;
    for (; k + 2 <= n; k += 2) {
      const d = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(src + (<usize>k << 2))), vm);
      // both lanes in [−708, 0] (false for NaN): the vector exp; else fdlibm lane by lane
      const ok = v128.and(f64x2.ge(d, lo_ok), f64x2.le(d, f64x2.splat(0)));
      if (i64x2.all_true(ok)) v128.store(e + (<usize>k << 3), exp2_nonpos(d));
      else {
        store<f64>(e + (<usize>k << 3), exp_fdlibm(f64x2.extract_lane(d, 0)));
        store<f64>(e + (<usize>k << 3) + 8, exp_fdlibm(f64x2.extract_lane(d, 1)));
      }
    }
    for (; k < n; k++) store<f64>(e + (<usize>k << 3), exp_fdlibm(<f64>load<f32>(src + (<usize>k << 2)) - m));
    // the JS loop's sum order: one running float64 sum from the first element
    let sum: f64 = 0;
    for (k = 0; k < n; k++) sum += load<f64>(e + (<usize>k << 3));
    const vs = f64x2.splat(sum);
    for (k = 0; k + 2 <= n; k += 2) {
      const q = f32x4.demote_f64x2_zero(f64x2.div(v128.load(e + (<usize>k << 3)), vs));
      v128.store64_lane(dst + (<usize>k << 2), q, 0);
    }
    for (; k < n; k++) store<f32>(dst + (<usize>k << 2), <f32>(load<f64>(e + (<usize>k << 3)) / sum));
  }
}
