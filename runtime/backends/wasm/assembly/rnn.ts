// Fused LSTM cell (gates i, f, g, o) on float32 pre-activations, run per time step on buffers that stay in
// wasm memory for the whole sequence. Numerics follow torch's float32 cells (every op rounded to f32), with
// exp and tanh evaluated in float64 and rounded once, as the js reference rounds V8's Math.exp / Math.tanh:
// here a 2-lane f64 SIMD exp (range reduction by ln 2, degree-13 Taylor polynomial, ~1e-16 relative
// error), so the rounded float32 results equal the js reference's except when the exact value lies within
// ~2^-50 of a float32 rounding boundary (backends agree to ~1 ulp; tests hold them within 1e-6).

const LOG2E: f64 = 1.4426950408889634;
// ln 2 split (fdlibm): k·LN2_HI is exact for |k| < 2^11
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
// adding 1.5·2^52 rounds to an integer (half to even) and leaves it in the low mantissa bits
const SHIFT: f64 = 6755399441055744.0;

/** exp(y) (em1 = false) or exp(y) − 1 without cancellation near 0 (em1 = true), per f64 lane, y clamped to ±200. */
@inline
function exp_f64x2(y0: v128, em1: bool): v128 {
  const y = f64x2.min(f64x2.max(y0, f64x2.splat(-200)), f64x2.splat(200));
  const t = f64x2.add(f64x2.mul(y, f64x2.splat(LOG2E)), f64x2.splat(SHIFT));
  const k = f64x2.sub(t, f64x2.splat(SHIFT));
  const r = f64x2.sub(f64x2.sub(y, f64x2.mul(k, f64x2.splat(LN2_HI))), f64x2.mul(k, f64x2.splat(LN2_LO)));
  // expm1(r) = r + r²/2! + … + r¹³/13!, |r| ≤ ln2/2: truncation < 2^-55 relative
  let p = f64x2.splat(1.0 / 6227020800.0);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 479001600.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 39916800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 3628800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 362880.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 40320.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 5040.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 720.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 120.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 24.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  p = f64x2.mul(f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0)), r);
  // 2^k from k's integer bits
  const ki = i64x2.sub(t, f64x2.splat(SHIFT));
  const scale = i64x2.shl(i64x2.add(ki, i64x2.splat(1023)), 52);
  const e = f64x2.mul(f64x2.add(p, f64x2.splat(1.0)), scale);
  if (!em1) return e;
  // k = 0: expm1(r) itself (no cancellation); else e − 1 with e ≤ e^(−ln2/2), which loses under 2 bits
  return v128.bitselect(p, f64x2.sub(e, f64x2.splat(1.0)), f64x2.eq(k, f64x2.splat(0)));
}

/** Rounds two f64x2 back to one f32x4 (lanes a0, a1, b0, b1). */
@inline
function demote2(a: v128, b: v128): v128 {
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/** f32(1 / f32(1 + f32(exp(−x)))) per lane. */
@inline
function sigmoid4(x: v128): v128 {
  const lo = f64x2.neg(f64x2.promote_low_f32x4(x));
  const hi = f64x2.neg(f64x2.promote_low_f32x4(v128.shuffle<i32>(x, x, 2, 3, 0, 1)));
  const e = demote2(exp_f64x2(lo, false), exp_f64x2(hi, false));
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
}

/** tanh(|x|) = −expm1(−2|x|) / (2 + expm1(−2|x|)) in f64, sign restored (−0 stays −0). */
@inline
function tanh_f64x2(x: v128): v128 {
  const m = exp_f64x2(f64x2.mul(f64x2.abs(x), f64x2.splat(-2)), true);
  const t = f64x2.div(f64x2.neg(m), f64x2.add(m, f64x2.splat(2)));
  return v128.or(t, v128.and(x, f64x2.splat(-0.0)));
}

/** f32(tanh(x)) per lane. */
@inline
function tanh4(x: v128): v128 {
  const lo = f64x2.promote_low_f32x4(x);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<i32>(x, x, 2, 3, 0, 1));
  return demote2(tanh_f64x2(lo), tanh_f64x2(hi));
}

/**
 * A projection (input or hidden) of four units at byte offset o of a gate row: float (dq = false) or, on
 * the dynamic path, f32(f32(f32(acc) · f32(x_scale · w_scale)) + bias) from the int32 accumulator,
 * exactly as dequant_bias (assembly/dynamic_quant.ts) computes it.
 */
@inline
function proj4(p: usize, o: usize, dq: bool, xs: v128, ws: usize, bias: usize): v128 {
  if (!dq) return v128.load(p + o);
  let v = f32x4.mul(f32x4.convert_i32x4_s(v128.load(p + o)), f32x4.mul(xs, v128.load(ws + o)));
  if (bias) v = f32x4.add(v, v128.load(bias + o));
  return v;
}

@inline
function proj1(p: usize, o: usize, dq: bool, xs: v128, ws: usize, bias: usize): f32 {
  if (!dq) return load<f32>(p + o);
  let v = <f32>load<i32>(p + o) * (f32x4.extract_lane(xs, 0) * load<f32>(ws + o));
  if (bias) v += load<f32>(bias + o);
  return v;
}

@inline
function pre4(a: usize, b: usize, o: usize, dq: bool, xa: v128, wa: usize, ba: usize, xb: v128, wb: usize, bb: usize): v128 {
  return f32x4.add(proj4(a, o, dq, xa, wa, ba), proj4(b, o, dq, xb, wb, bb));
}

@inline
function pre1(a: usize, b: usize, o: usize, dq: bool, xa: v128, wa: usize, ba: usize, xb: v128, wb: usize, bb: usize): v128 {
  return f32x4.splat(proj1(a, o, dq, xa, wa, ba) + proj1(b, o, dq, xb, wb, bb));
}

/** Four hidden units of one row: gates = projection a + projection b (gate blocks hb bytes apart). */
@inline
function unit4(a: usize, b: usize, j: usize, hb: usize, c: usize, h: usize, out: usize, dq: bool, xa: v128, wa: usize, ba: usize, xb: v128, wb: usize, bb: usize): void {
  const i = sigmoid4(pre4(a, b, j, dq, xa, wa, ba, xb, wb, bb));
  const f = sigmoid4(pre4(a, b, hb + j, dq, xa, wa, ba, xb, wb, bb));
  const g = tanh4(pre4(a, b, 2 * hb + j, dq, xa, wa, ba, xb, wb, bb));
  const o = sigmoid4(pre4(a, b, 3 * hb + j, dq, xa, wa, ba, xb, wb, bb));
  const cy = f32x4.add(f32x4.mul(f, v128.load(c + j)), f32x4.mul(i, g));
  v128.store(c + j, cy);
  const hy = f32x4.mul(o, tanh4(cy));
  v128.store(h + j, hy);
  if (out) v128.store(out + j, hy);
}

/** One unit (the tail when H is not a multiple of 4), through the same vector math in lane 0. */
@inline
function unit1(a: usize, b: usize, j: usize, hb: usize, c: usize, h: usize, out: usize, dq: bool, xa: v128, wa: usize, ba: usize, xb: v128, wb: usize, bb: usize): void {
  const i = f32x4.extract_lane(sigmoid4(pre1(a, b, j, dq, xa, wa, ba, xb, wb, bb)), 0);
  const f = f32x4.extract_lane(sigmoid4(pre1(a, b, hb + j, dq, xa, wa, ba, xb, wb, bb)), 0);
  const g = f32x4.extract_lane(tanh4(pre1(a, b, 2 * hb + j, dq, xa, wa, ba, xb, wb, bb)), 0);
  const o = f32x4.extract_lane(sigmoid4(pre1(a, b, 3 * hb + j, dq, xa, wa, ba, xb, wb, bb)), 0);
  const cy = f * load<f32>(c + j) + i * g;
  store<f32>(c + j, cy);
  const hy = o * f32x4.extract_lane(tanh4(f32x4.splat(cy)), 0);
  store<f32>(h + j, hy);
  if (out) store<f32>(out + j, hy);
}

@inline
function cell(a: usize, lda: i32, b: usize, N: i32, H: i32, c: usize, h: usize, out: usize, ldo: i32, dq: bool, xa: v128, wa: usize, ba: usize, xb: v128, wb: usize, bb: usize): void {
  const hb = <usize>H << 2;
  const H4 = H & ~3;
  for (let n = 0; n < N; n++) {
    const ar = a + ((<usize>n * <usize>lda) << 2);
    const br = b + ((<usize>n * <usize>(H << 2)) << 2);
    const cr = c + <usize>n * hb;
    const hr = h + <usize>n * hb;
    const orow = out ? out + ((<usize>n * <usize>ldo) << 2) : 0;
    let j = 0;
    for (; j < H4; j += 4) unit4(ar, br, <usize>j << 2, hb, cr, hr, orow, dq, xa, wa, ba, xb, wb, bb);
    for (; j < H; j++) unit1(ar, br, <usize>j << 2, hb, cr, hr, orow, dq, xa, wa, ba, xb, wb, bb);
  }
}

/**
 * One LSTM step: pre-activations = gx (input projection, row stride ldgx floats) + gh ([N, 4H]); c, h
 * [N, H] updated in place (c = f·c + i·g, h = o·tanh(c)); h also written to out (row stride ldo) unless
 * out is 0.
 */
export function lstm_cell_f32(gx: usize, ldgx: i32, gh: usize, N: i32, H: i32, c: usize, h: usize, out: usize, ldo: i32): void {
  const z = f32x4.splat(0);
  cell(gx, ldgx, gh, N, H, c, h, out, ldo, false, z, 0, 0, z, 0, 0);
}

/**
 * The dynamic int8 LSTM step: as lstm_cell_f32 with both projections dequantized on the fly from int32
 * accumulators: the input one accx (row stride ldx) at sx, wsx [4H], bx [4H] (or 0), the hidden one acch
 * [N, 4H] at sh, wsh, bh; bit for bit as dequant_bias on each followed by lstm_cell_f32.
 */
export function lstm_cell_dq(
  accx: usize, ldx: i32, sx: f32, wsx: usize, bx: usize,
  acch: usize, sh: f32, wsh: usize, bh: usize,
  N: i32, H: i32, c: usize, h: usize, out: usize, ldo: i32,
): void {
  cell(accx, ldx, acch, N, H, c, h, out, ldo, true, f32x4.splat(sx), wsx, bx, f32x4.splat(sh), wsh, bh);
}
