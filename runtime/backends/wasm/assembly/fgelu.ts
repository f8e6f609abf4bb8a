// Exact (erf) GELU, bit-identical to runtime/tensor/ops/smooth.ts's JS loop y = f32(x · Φ(x)) with
// Φ(x) = ½·erfc(−x·√½) from runtime/tensor/ops/erf.ts: the same grid tables (copied in by the loader), the
// same 8-term Hermite–Taylor step, the continued fraction beyond 6 with fdlibm's exp, every float64
// operation in the JS order (wasm has no implicit fused multiply-add).
import { exp_fdlibm } from './fsoftmax';

const STEPS: f64 = 128;
const LIMIT: f64 = 6;
const SQRT1_2: f64 = 0.7071067811865476;

/** Math.round for 0 ≤ v: nearest, ties up. */
@inline
function js_round_pos(v: f64): i32 {
  const f = floor<f64>(v);
  return <i32>(v - f >= 0.5 ? f + 1 : f);
}

function erfc_cf(x: f64): f64 {
  let f = x;
  for (let n = 80; n >= 1; n--) f = x + <f64>n / 2 / f;
  return exp_fdlibm(-x * x) / sqrt<f64>(Math.PI) / f;
}

/** erfc(x) for x ≥ 0 (not NaN); tables: erfc0 and d0 (769 float64 each), inv (9 float64). */
function erfc_pos(x: f64, erfc0: usize, d0: usize, inv: usize): f64 {
  if (x >= LIMIT) return x > 27 ? 0 : erfc_cf(x);
  const k = js_round_pos(x * STEPS);
  const x0 = <f64>k / STEPS;
  const h = x - x0;
  let h_prev: f64 = 0;
  let h_cur: f64 = 1;
  let p = h;
  let s = p;
  for (let n = 2; n <= 8; n++) {
    const next = 2 * x0 * h_cur - <f64>(2 * (n - 2)) * h_prev;
    h_prev = h_cur;
    h_cur = next;
    p *= -h * load<f64>(inv + (<usize>n << 3));
    s += h_cur * p;
  }
  return load<f64>(erfc0 + (<usize>k << 3)) - load<f64>(d0 + (<usize>k << 3)) * s;
}

/** erfc(x) as erf.ts: NaN passes, x < 0 is 2 − erfc(−x). */
@inline
function erfc(x: f64, erfc0: usize, d0: usize, inv: usize): f64 {
  if (x != x) return x;
  if (x < 0) return 2 - erfc_pos(-x, erfc0, d0, inv);
  return erfc_pos(x, erfc0, d0, inv);
}

/** Φ(v) = ½·erfc(−v·√½) of one lane, as the JS. */
@inline
function cdf1(v: f64, erfc0: usize, d0: usize, inv: usize): f64 {
  return 0.5 * erfc(-v * SQRT1_2, erfc0, d0, inv);
}

/**
 * Two lanes of the grid + Taylor erfc for 0 ≤ a < 6 (the caller checks): the JS operations lane by lane, the
 * tables gathered per lane.
 */
@inline
function erfc_pos2(a: v128, erfc0: usize, d0: usize, inv: usize): v128 {
  const scaled = f64x2.mul(a, f64x2.splat(STEPS));
  const f = f64x2.floor(scaled);
  // Math.round: up when the fraction is ≥ ½
  const up = f64x2.ge(f64x2.sub(scaled, f), f64x2.splat(0.5));
  const kf = v128.bitselect(f64x2.add(f, f64x2.splat(1)), f, up);
  const x0 = f64x2.div(kf, f64x2.splat(STEPS));
  const h = f64x2.sub(a, x0);
  const two_x0 = f64x2.mul(f64x2.splat(2), x0);
  const neg_h = f64x2.neg(h);
  let h_prev = f64x2.splat(0);
  let h_cur = f64x2.splat(1);
  let p = h;
  let s = p;
  for (let n = 2; n <= 8; n++) {
    const next = f64x2.sub(f64x2.mul(two_x0, h_cur), f64x2.mul(f64x2.splat(<f64>(2 * (n - 2))), h_prev));
    h_prev = h_cur;
    h_cur = next;
    p = f64x2.mul(p, f64x2.mul(neg_h, f64x2.splat(load<f64>(inv + (<usize>n << 3)))));
    s = f64x2.add(s, f64x2.mul(h_cur, p));
  }
  const k = i32x4.trunc_sat_f64x2_s_zero(kf);
  const o0 = <usize>i32x4.extract_lane(k, 0) << 3;
  const o1 = <usize>i32x4.extract_lane(k, 1) << 3;
  const e = f64x2.replace_lane(f64x2.splat(load<f64>(erfc0 + o0)), 1, load<f64>(erfc0 + o1));
  const d = f64x2.replace_lane(f64x2.splat(load<f64>(d0 + o0)), 1, load<f64>(d0 + o1));
  return f64x2.sub(e, f64x2.mul(d, s));
}

/** y[i] = f32(x[i] · ½·erfc(−x[i]·√½)) for n floats, two at a time where the argument is finite and |·| < 6. */
export function gelu_erf_f32(x: usize, n: i32, y: usize, erfc0: usize, d0: usize, inv: usize): void {
  const limit = f64x2.splat(LIMIT);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 2;
    const v = f64x2.promote_low_f32x4(v128.load64_zero(x + o));
    const z = f64x2.mul(f64x2.neg(v), f64x2.splat(SQRT1_2));
    const a = f64x2.abs(z);
    if (i64x2.all_true(f64x2.lt(a, limit))) {
      // erfc(z) = 2 − erfc(−z) for z < 0, as erf.ts
      const r = erfc_pos2(a, erfc0, d0, inv);
      const ec = v128.bitselect(f64x2.sub(f64x2.splat(2), r), r, f64x2.lt(z, f64x2.splat(0)));
      const g = f64x2.mul(v, f64x2.mul(f64x2.splat(0.5), ec));
      v128.store64_lane(y + o, f32x4.demote_f64x2_zero(g), 0);
    } else {
      const v0 = f64x2.extract_lane(v, 0);
      const v1 = f64x2.extract_lane(v, 1);
      store<f32>(y + o, <f32>(v0 * cdf1(v0, erfc0, d0, inv)));
      store<f32>(y + o + 4, <f32>(v1 * cdf1(v1, erfc0, d0, inv)));
    }
  }
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    store<f32>(y + (<usize>i << 2), <f32>(v * cdf1(v, erfc0, d0, inv)));
  }
}
