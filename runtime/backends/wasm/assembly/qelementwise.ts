// Int8 elementwise kernels on uint8 buffers, bit-identical to the js reference
// (runtime/backends/js/int8/elementwise.ts): clamp, 256-entry table, torch's qmul, cat's strided copies.

/** y[i] = min(max(x[i], lo), hi): 16 bytes per step with u8x16.min / max. */
export function qclamp_u8(x: usize, n: i32, lo: i32, hi: i32, y: usize): void {
  const vlo = i8x16.splat(<i8>lo);
  const vhi = i8x16.splat(<i8>hi);
  let i = 0;
  for (; i + 64 <= n; i += 64) {
    const p = <usize>i;
    v128.store(y + p, i8x16.min_u(i8x16.max_u(v128.load(x + p), vlo), vhi));
    v128.store(y + p + 16, i8x16.min_u(i8x16.max_u(v128.load(x + p + 16), vlo), vhi));
    v128.store(y + p + 32, i8x16.min_u(i8x16.max_u(v128.load(x + p + 32), vlo), vhi));
    v128.store(y + p + 48, i8x16.min_u(i8x16.max_u(v128.load(x + p + 48), vlo), vhi));
  }
  for (; i + 16 <= n; i += 16) v128.store(y + <usize>i, i8x16.min_u(i8x16.max_u(v128.load(x + <usize>i), vlo), vhi));
  for (; i < n; i++) {
    const v = <i32>load<u8>(x + <usize>i);
    store<u8>(y + <usize>i, <u8>(v < lo ? lo : v > hi ? hi : v));
  }
}

/**
 * y[i] = lut[x[i]], 16 bytes per step: the table as 16 vectors of 16 entries; swizzle picks from vector k the
 * lanes whose index − 16k is in 0..15 (0 elsewhere: swizzle zeroes lanes ≥ 16), and the 16 partial results OR up.
 */
export function qlut_u8(x: usize, n: i32, lut: usize, y: usize): void {
  const t0 = v128.load(lut), t1 = v128.load(lut + 16), t2 = v128.load(lut + 32), t3 = v128.load(lut + 48);
  const t4 = v128.load(lut + 64), t5 = v128.load(lut + 80), t6 = v128.load(lut + 96), t7 = v128.load(lut + 112);
  const t8 = v128.load(lut + 128), t9 = v128.load(lut + 144), ta = v128.load(lut + 160), tb = v128.load(lut + 176);
  const tc = v128.load(lut + 192), td = v128.load(lut + 208), te = v128.load(lut + 224), tf = v128.load(lut + 240);
  const d = i8x16.splat(16);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    let idx = v128.load(x + <usize>i);
    let r = i8x16.swizzle(t0, idx);
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(t1, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(t2, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(t3, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(t4, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(t5, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(t6, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(t7, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(t8, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(t9, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(ta, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(tb, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(tc, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(td, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(te, idx));
    idx = i8x16.sub(idx, d); r = v128.or(r, i8x16.swizzle(tf, idx));
    v128.store(y + <usize>i, r);
  }
  for (; i < n; i++) store<u8>(y + <usize>i, load<u8>(lut + <usize>load<u8>(x + <usize>i)));
}

/**
 * torch's qmul: y = clamp(zp + nearest(f32((a − za)·(b − zb)) · mult), qmin, qmax). The product of two
 * 9-bit integers is exact in f32, as the js reference's float64 product rounded once; the rounded value is
 * clamped to ±1024 before the integer conversion (nothing outside 0..255 survives the final clamp anyway).
 */
export function qmul_u8(
  a: usize, b: usize, n: i32, za: i32, zb: i32, mult: f32, zp: i32, qmin: i32, qmax: i32, y: usize,
): void {
  const vza = i32x4.splat(za);
  const vzb = i32x4.splat(zb);
  const vm = f32x4.splat(mult);
  const vlim = f32x4.splat(1024);
  const vnlim = f32x4.splat(-1024);
  const vzp = i32x4.splat(zp);
  const vlo = i32x4.splat(qmin);
  const vhi = i32x4.splat(qmax);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const va = v128.load(a + <usize>i);
    const vb = v128.load(b + <usize>i);
    const a_lo = i16x8.extend_low_i8x16_u(va);
    const a_hi = i16x8.extend_high_i8x16_u(va);
    const b_lo = i16x8.extend_low_i8x16_u(vb);
    const b_hi = i16x8.extend_high_i8x16_u(vb);
    const q0 = mul_lane4(i32x4.extend_low_i16x8_u(a_lo), i32x4.extend_low_i16x8_u(b_lo), vza, vzb, vm, vlim, vnlim, vzp, vlo, vhi);
    const q1 = mul_lane4(i32x4.extend_high_i16x8_u(a_lo), i32x4.extend_high_i16x8_u(b_lo), vza, vzb, vm, vlim, vnlim, vzp, vlo, vhi);
    const q2 = mul_lane4(i32x4.extend_low_i16x8_u(a_hi), i32x4.extend_low_i16x8_u(b_hi), vza, vzb, vm, vlim, vnlim, vzp, vlo, vhi);
    const q3 = mul_lane4(i32x4.extend_high_i16x8_u(a_hi), i32x4.extend_high_i16x8_u(b_hi), vza, vzb, vm, vlim, vnlim, vzp, vlo, vhi);
    v128.store(y + <usize>i, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3)));
  }
  for (; i < n; i++) {
    const c = (<i32>load<u8>(a + <usize>i) - za) * (<i32>load<u8>(b + <usize>i) - zb);
    let v = nearest<f32>(<f32>c * mult);
    v = v > 1024 ? 1024 : v < -1024 ? -1024 : v;
    let q = zp + <i32>v;
    q = q < qmin ? qmin : q > qmax ? qmax : q;
    store<u8>(y + <usize>i, <u8>q);
  }
}

@inline
function mul_lane4(
  a: v128, b: v128, vza: v128, vzb: v128, vm: v128, vlim: v128, vnlim: v128, vzp: v128, vlo: v128, vhi: v128,
): v128 {
  const c = i32x4.mul(i32x4.sub(a, vza), i32x4.sub(b, vzb));
  // pmin/pmax keep the rounded value when it is inside (NaN cannot occur: mult is finite, c exact)
  const v = f32x4.max(f32x4.min(f32x4.nearest(f32x4.mul(f32x4.convert_i32x4_s(c), vm)), vlim), vnlim);
  return i32x4.min_s(i32x4.max_s(i32x4.add(i32x4.trunc_sat_f32x4_s(v), vzp), vlo), vhi);
}

/** One part of a cat: row o (len bytes at src + o·len) lands at y + o·row + offset, through lut unless lut is 0. */
export function qcat_part_u8(src: usize, len: i32, outer: i32, row: i32, offset: i32, lut: usize, y: usize): void {
  for (let o = 0; o < outer; o++) {
    const s = src + <usize>(o * len);
    const d = y + <usize>(o * row + offset);
    if (lut === 0) memory.copy(d, s, <usize>len);
    else qlut_u8(s, len, lut, d);
  }
}
