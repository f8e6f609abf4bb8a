// Int8 elementwise add and 2-d pools on uint8 NCHW planes, bit-identical to the js reference
// (runtime/backends/js/int8/pool_add.ts): qnnpack's q8vadd fixed-point add, max pool, q8avgpool.

/**
 * q8vadd over n bytes: acc = zp_product + a·a_mult + b·b_mult (int32, wrapping as the C code),
 * q = (acc >> shift) + [remainder > threshold] (halves away from zero) + zp, clamped to [qmin, qmax].
 * 16 bytes per step: both inputs widened to four i32x4 each.
 */
export function qadd_u8(
  a: usize, b: usize, n: i32, a_mult: i32, b_mult: i32, zp_product: i32, shift: i32,
  zp: i32, qmin: i32, qmax: i32, y: usize,
): void {
  const mask = <i32>((<u32>1 << <u32>shift) - 1);
  const thr = mask >> 1;
  const vam = i32x4.splat(a_mult);
  const vbm = i32x4.splat(b_mult);
  const vzpp = i32x4.splat(zp_product);
  const vmask = i32x4.splat(mask);
  const vthr = i32x4.splat(thr);
  // clamping at [qmin − zp, qmax − zp] before adding zp equals the reference's clamp after it and
  // cannot overflow int32 (acc >> shift can be near 2^31 with extreme parameters)
  const vzp = i32x4.splat(zp);
  const vlo = i32x4.splat(qmin - zp);
  const vhi = i32x4.splat(qmax - zp);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const va = v128.load(a + <usize>i);
    const vb = v128.load(b + <usize>i);
    const a_lo = i16x8.extend_low_i8x16_u(va);
    const a_hi = i16x8.extend_high_i8x16_u(va);
    const b_lo = i16x8.extend_low_i8x16_u(vb);
    const b_hi = i16x8.extend_high_i8x16_u(vb);
    const q0 = add_lane4(i32x4.extend_low_i16x8_u(a_lo), i32x4.extend_low_i16x8_u(b_lo), vam, vbm, vzpp, vmask, vthr, shift, vzp, vlo, vhi);
    const q1 = add_lane4(i32x4.extend_high_i16x8_u(a_lo), i32x4.extend_high_i16x8_u(b_lo), vam, vbm, vzpp, vmask, vthr, shift, vzp, vlo, vhi);
    const q2 = add_lane4(i32x4.extend_low_i16x8_u(a_hi), i32x4.extend_low_i16x8_u(b_hi), vam, vbm, vzpp, vmask, vthr, shift, vzp, vlo, vhi);
    const q3 = add_lane4(i32x4.extend_high_i16x8_u(a_hi), i32x4.extend_high_i16x8_u(b_hi), vam, vbm, vzpp, vmask, vthr, shift, vzp, vlo, vhi);
    // values are already in [qmin, qmax] ⊂ 0..255, so both saturating narrows are exact
    v128.store(y + <usize>i, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3)));
  }
  for (; i < n; i++) {
    const acc = zp_product + <i32>load<u8>(a + <usize>i) * a_mult + <i32>load<u8>(b + <usize>i) * b_mult;
    const rem = (acc & mask) + (acc >> 31);
    let q = (acc >> shift) + (rem > thr ? 1 : 0);
    q = q < qmin - zp ? qmin - zp : q > qmax - zp ? qmax - zp : q;
    store<u8>(y + <usize>i, <u8>(q + zp));
  }
}

@inline
function add_lane4(
  a: v128, b: v128, vam: v128, vbm: v128, vzpp: v128, vmask: v128, vthr: v128, shift: i32,
  vzp: v128, vlo: v128, vhi: v128,
): v128 {
  const acc = i32x4.add(vzpp, i32x4.add(i32x4.mul(a, vam), i32x4.mul(b, vbm)));
  const rem = i32x4.add(v128.and(acc, vmask), i32x4.shr_s(acc, 31));
  // gt_s is −1 where the remainder rounds up: subtracting it adds 1
  const q = i32x4.sub(i32x4.shr_s(acc, shift), i32x4.gt_s(rem, vthr));
  return i32x4.add(i32x4.min_s(i32x4.max_s(q, vlo), vhi), vzp);
}

/** Width of the zero-padded row max_pool2d reduces into (vector loads may run 32 bytes past the last window). */
@inline
function pool_row_width(W: i32, OW: i32, kw: i32, sw: i32, pw: i32, dw: i32): i32 {
  return (max(pw + ((W + 15) & ~15), OW * sw + (kw - 1) * dw) + 48) & ~15;
}

/** Scratch bytes qmax_pool2d_u8 needs for its row. */
export function max_pool_scratch_bytes(W: i32, OW: i32, kw: i32, sw: i32, pw: i32, dw: i32): i32 {
  return pool_row_width(W, OW, kw, sw, pw, dw);
}

/**
 * Max pool: per output row, the valid input rows of the window are reduced (u8x16.max) into one
 * zero-padded row (padding as 0 never wins over uint8), then each output takes the max of its kw taps:
 * 16 outputs per step for stride 1, 8 (even-lane shuffles) for stride 2, scalar otherwise.
 * Vector steps run over row ends instead of scalar tails (planes are small: 28 or 14 wide), so the caller
 * leaves 16 readable bytes after x and 16 writable bytes after y; the over-read bytes land in the row's
 * right padding, which is re-zeroed, and over-written outputs are rewritten by the next row in order.
 */
export function qmax_pool2d_u8(
  x: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, y: usize, row: usize,
): void {
  const RW = pool_row_width(W, OW, kw, sw, pw, dw);
  const W16 = (W + 15) & ~15;
  const r0 = row + <usize>pw;
  memory.fill(row, 0, <usize>RW);
  for (let p = 0; p < planes; p++) {
    const src = x + <usize>p * <usize>H * <usize>W;
    const dst = y + <usize>p * <usize>OH * <usize>OW;
    for (let oy = 0; oy < OH; oy++) {
      let first = true;
      for (let u = 0; u < kh; u++) {
        const iy = oy * sh - ph + u * dh;
        if (iy < 0 || iy >= H) continue;
        const s = src + <usize>iy * <usize>W;
        if (first) {
          for (let ix = 0; ix < W; ix += 16) v128.store(r0 + <usize>ix, v128.load(s + <usize>ix));
          first = false;
        } else {
          for (let ix = 0; ix < W; ix += 16) {
            const d = r0 + <usize>ix;
            v128.store(d, i8x16.max_u(v128.load(d), v128.load(s + <usize>ix)));
          }
        }
      }
      // no valid row (only with dilated windows): all padding
      if (first) memory.fill(r0, 0, <usize>W16);
      else if (W16 > W) memory.fill(r0 + <usize>W, 0, <usize>(W16 - W));
      const out = dst + <usize>oy * <usize>OW;
      if (sw == 1) {
        for (let ox = 0; ox < OW; ox += 16) {
          let m = v128.load(row + <usize>ox);
          for (let v = 1; v < kw; v++) m = i8x16.max_u(m, v128.load(row + <usize>(ox + v * dw)));
          v128.store(out + <usize>ox, m);
        }
      } else if (sw == 2) {
        for (let ox = 0; ox < OW; ox += 8) {
          let m = i64x2.splat(0);
          for (let v = 0; v < kw; v++) {
            const t = v128.load(row + <usize>(2 * ox + v * dw));
            m = i8x16.max_u(m, i8x16.shuffle(t, t, 0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14));
          }
          v128.store64_lane(out + <usize>ox, m, 0);
        }
      } else {
        for (let ox = 0; ox < OW; ox++) {
          const base = row + <usize>(ox * sw);
          let m: u32 = 0;
          for (let v = 0; v < kw; v++) {
            const t = <u32>load<u8>(base + <usize>(v * dw));
            if (t > m) m = t;
          }
          store<u8>(out + <usize>ox, <u8>m);
        }
      }
    }
  }
}

/**
 * qnnpack's average pool: acc = Σ valid taps − xzp·(valid taps) (padding reads as xzp, divisor kh·kw is
 * folded into mult/shift), y = clamp(sign(acc)·((|acc|·mult + 2^(shift−1)) >> shift) + ozp, 0, 255) in i64.
 */
export function qavg_pool2d_u8(
  x: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, xzp: i32, mult: i32, shift: i32, ozp: i32, y: usize,
): void {
  const round: i64 = (<i64>1) << (<i64>shift - 1);
  let o = y;
  for (let p = 0; p < planes; p++) {
    const src = x + <usize>p * <usize>H * <usize>W;
    for (let oy = 0; oy < OH; oy++) {
      const y0 = oy * sh - ph;
      const ya = max(y0, 0);
      const yb = min(y0 + kh, H);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = ox * sw - pw;
        const xa = max(x0, 0);
        const xb = min(x0 + kw, W);
        let sum = 0;
        for (let iy = ya; iy < yb; iy++) {
          const r = src + <usize>iy * <usize>W;
          for (let ix = xa; ix < xb; ix++) sum += <i32>load<u8>(r + <usize>ix);
        }
        const valid = max(yb - ya, 0) * max(xb - xa, 0);
        const acc = sum - xzp * valid;
        const a: i64 = acc < 0 ? -(<i64>acc) : <i64>acc;
        // capped before narrowing: huge windows (≥ 2^15 taps) could exceed int32, and any mag > 511 clamps alike
        const mag = <i32>min<i64>((a * <i64>mult + round) >> <i64>shift, 1024);
        let q = (acc < 0 ? -mag : mag) + ozp;
        q = q < 0 ? 0 : q > 255 ? 255 : q;
        store<u8>(o, <u8>q);
        o++;
      }
    }
  }
}
