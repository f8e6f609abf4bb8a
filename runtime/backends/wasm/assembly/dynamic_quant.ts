// Dynamic (per-call) activation quantization for the dynamic int8 Linear / RNNs, bit-exact with the js
// reference (runtime/backends/js/rnn.ts, itself equal to quantized/qtensor.ts's quantize_value):
//   min/max of the float activations (NaN propagates so the caller can reject it),
//   q = clamp(zp + rne(f32(x · inv_scale)), 0, 255)  (f32 multiply = fround of the double product),
//   y = f32(f32(f32(acc) · f32(x_scale · w_scale[n])) + bias[n])  (every step rounded to float32).
// The qparams themselves (torch's ChooseQuantizationParams) are scalar and stay in js.

/** out[0] = min, out[1] = max of x[0..n) (f32); NaN in x gives NaN; n = 0 gives 0, 0. */
export function minmax_f32(x: usize, n: i32, out: usize): void {
  if (n <= 0) {
    store<f32>(out, 0);
    store<f32>(out + 4, 0);
    return;
  }
  let lo = f32x4.splat(load<f32>(x));
  let hi = lo;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    lo = f32x4.min(lo, v);
    hi = f32x4.max(hi, v);
  }
  let l = min(min(f32x4.extract_lane(lo, 0), f32x4.extract_lane(lo, 1)), min(f32x4.extract_lane(lo, 2), f32x4.extract_lane(lo, 3)));
  let h = max(max(f32x4.extract_lane(hi, 0), f32x4.extract_lane(hi, 1)), max(f32x4.extract_lane(hi, 2), f32x4.extract_lane(hi, 3)));
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    l = min(l, v);
    h = max(h, v);
  }
  store<f32>(out, l);
  store<f32>(out + 4, h);
}

/** Four quantized values (as i32 lanes, 0..255) of x at inv_scale / zero point. */
@inline
function quant4(v: v128, inv: v128, zpf: v128): v128 {
  // nearest is round-half-even; adding the integral zp is exact below 2^24 and the clamp decides above it
  const q = f32x4.add(f32x4.nearest(f32x4.mul(v, inv)), zpf);
  return i32x4.trunc_sat_f32x4_s(f32x4.min(f32x4.max(q, f32x4.splat(0)), f32x4.splat(255)));
}

@inline
function quant1(v: f32, inv: f32, zp: f32): i32 {
  const q = nearest<f32>(v * inv) + zp;
  return <i32>min<f32>(max<f32>(q, 0), 255);
}

/** y[i] = quint8 of x[i] (n values) at 1/scale = inv, zero point zp. */
export function quantize_u8(x: usize, n: i32, inv: f32, zp: i32, y: usize): void {
  const vinv = f32x4.splat(inv);
  const zpf = <f32>zp;
  const vzp = f32x4.splat(zpf);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = quant4(v128.load(x + (<usize>i << 2)), vinv, vzp);
    const w = i16x8.narrow_i32x4_s(q, q);
    store<u32>(y + <usize>i, i32x4.extract_lane(i8x16.narrow_i16x8_u(w, w), 0));
  }
  for (; i < n; i++) store<u8>(y + <usize>i, <u8>quant1(load<f32>(x + (<usize>i << 2)), inv, zpf));
}

/**
 * Quantizes M rows of K floats (row stride ldx) straight into qgemm's operand: (q − zp) as int16,
 * row stride kp, zeros in k ≥ K; the same q as quantize_u8 (saves the uint8 round trip and the widening).
 */
export function quantize_rows_q16(x: usize, M: i32, K: i32, ldx: i32, inv: f32, zp: i32, out: usize, kp: i32): void {
  const vinv = f32x4.splat(inv);
  const zpf = <f32>zp;
  const vzpf = f32x4.splat(zpf);
  const vzp = i32x4.splat(zp);
  for (let m = 0; m < M; m++) {
    const src = x + ((<usize>m * <usize>ldx) << 2);
    const dst = out + ((<usize>m * <usize>kp) << 1);
    let k = 0;
    for (; k + 8 <= K; k += 8) {
      const a = i32x4.sub(quant4(v128.load(src + (<usize>k << 2)), vinv, vzpf), vzp);
      const b = i32x4.sub(quant4(v128.load(src + (<usize>k << 2) + 16), vinv, vzpf), vzp);
      v128.store(dst + (<usize>k << 1), i16x8.narrow_i32x4_s(a, b));
    }
    for (; k < K; k++) store<i16>(dst + (<usize>k << 1), <i16>(quant1(load<f32>(src + (<usize>k << 2)), inv, zpf) - zp));
    for (; k < kp; k++) store<i16>(dst + (<usize>k << 1), 0);
  }
}

/**
 * y[m, n] = f32(f32(f32(acc[m, n]) · f32(x_scale · w_scale[n])) + bias[n]) for M rows of N (acc row
 * stride lda, y row stride ldy); w_scales has N entries; bias is N floats or 0 (none).
 */
export function dequant_bias(acc: usize, M: i32, N: i32, lda: i32, x_scale: f32, w_scales: usize, bias: usize, y: usize, ldy: i32): void {
  const xs = f32x4.splat(x_scale);
  const N4 = N & ~3;
  for (let m = 0; m < M; m++) {
    const a = acc + ((<usize>m * <usize>lda) << 2);
    const d = y + ((<usize>m * <usize>ldy) << 2);
    let n = 0;
    for (; n < N4; n += 4) {
      const o = <usize>n << 2;
      let v = f32x4.mul(f32x4.convert_i32x4_s(v128.load(a + o)), f32x4.mul(xs, v128.load(w_scales + o)));
      if (bias) v = f32x4.add(v, v128.load(bias + o));
      v128.store(d + o, v);
    }
    for (; n < N; n++) {
      const o = <usize>n << 2;
      let v = <f32>load<i32>(a + o) * (x_scale * load<f32>(w_scales + o));
      if (bias) v += load<f32>(bias + o);
      store<f32>(d + o, v);
    }
  }
}
