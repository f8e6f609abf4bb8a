// Int8 depthwise convolution on i32x4.dot_i16x8_s, two taps per lane pair. Each input channel is
// widened once into a zero-padded plane of 32-bit "pair" elements pp[r][c] = (x[r][c] − zp) in the low
// int16 and (x[r][c + dw] − zp) in the high one, so for the horizontal tap pair (s, s+1) four consecutive
// output pixels (stride 1) are one v128 load, and one dot with the splatted weight pair (w_s, w_s+1)
// adds both taps for all four pixels exactly in int32 (|x − zp|, |w − zw| ≤ 255). An odd last tap of a
// row pairs with a zero weight. 16 outputs (4 accumulators) per step; requantization as qgemm's.
import { requant_store } from './requant';

/** 1.5·2^23 and its bit pattern: round half to even by the magic-number add, as assembly/requant.ts. */
const MAGIC: f32 = 12582912.0;
const MAGIC_BITS: i32 = 0x4b400000;

/** requant_store's arithmetic on one vector, leaving int32 results (already clamped) for a combined narrow. */
@inline
function requant4(acc: v128, vb: v128, vm: v128, vlo: v128, vhi: v128, vmz: v128): v128 {
  let v = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(acc, vb)), vm);
  v = f32x4.pmin(f32x4.pmax(v, vlo), vhi);
  return i32x4.sub(f32x4.add(v, f32x4.splat(MAGIC)), vmz);
}

/** Padded pair-plane width: every 16-output block of a row may read (OW16 − 1)·sw + (kw − 1)·dw + 1 columns. */
@inline
function pair_width(W: i32, pw: i32, kw: i32, sw: i32, dw: i32, OW: i32): i32 {
  return max(W + 2 * pw, ((OW + 15) & ~15) * sw + kw * dw + 1);
}

@inline
function pair_height(H: i32, ph: i32, kh: i32, sh: i32, dh: i32, OH: i32): i32 {
  return max(H + 2 * ph, (OH - 1) * sh + (kh - 1) * dh + 1);
}

/** Scratch bytes of qdepthwise_pairs: one pair plane, then one channel's weight pairs. */
export function depthwise_pairs_bytes(H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, OH: i32, OW: i32): i32 {
  return pair_height(H, ph, kh, sh, dh, OH) * pair_width(W, pw, kw, sw, dw, OW) * 4 + kh * ((kw + 1) >> 1) * 4 + 16;
}

/** Four 32-bit pair elements starting at p with an element stride of sw. */
@inline
function load4(p: usize, sw: i32): v128 {
  if (sw == 1) return v128.load(p);
  if (sw == 2) return i32x4.shuffle(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
  const st = <usize>sw << 2;
  let v = v128.load32_zero(p);
  v = i32x4.replace_lane(v, 1, load<i32>(p + st));
  v = i32x4.replace_lane(v, 2, load<i32>(p + 2 * st));
  return i32x4.replace_lane(v, 3, load<i32>(p + 3 * st));
}

/**
 * Widens channel src [H][W] u8 into the pair plane dst [PH][PW] (padding = 0 = the zero point) in one
 * pass: 8 pairs per step from two overlapping 8-byte loads (columns c and c + dw) and two interleaving
 * shuffles; the pairs at a row's edges, where one half is padding, are written one by one.
 */
function fill_pairs(src: usize, H: i32, W: i32, ph: i32, pw: i32, PH: i32, PW: i32, zp: i32, dw: i32, dst: usize): void {
  memory.fill(dst, 0, (<usize>PH * <usize>PW) << 2);
  const vzp = i16x8.splat(<i16>zp);
  for (let h = 0; h < H; h++) {
    const d = dst + ((<usize>(h + ph) * <usize>PW + <usize>pw) << 2);
    const s = src + <usize>h * <usize>W;
    let c = 0;
    for (; c + 8 <= W - dw; c += 8) {
      const a = i16x8.sub(v128.load8x8_u(s + <usize>c), vzp);
      const b = i16x8.sub(v128.load8x8_u(s + <usize>(c + dw)), vzp);
      const q = d + (<usize>c << 2);
      v128.store(q, i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
      v128.store(q, i8x16.shuffle(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 16);
    }
    for (; c < W; c++) {
      const lo = <i32>load<u8>(s + <usize>c) - zp;
      const hi = c + dw < W ? <i32>load<u8>(s + <usize>(c + dw)) - zp : 0;
      store<i32>(d + (<usize>c << 2), (lo & 0xffff) | (hi << 16));
    }
    // left padding whose high half (dw to the right) is inside the row
    for (c = max(-pw, -dw); c < 0; c++) {
      if (c + dw < W) store<i32>(d - (<usize>(-c) << 2), (<i32>load<u8>(s + <usize>(c + dw)) - zp) << 16);
    }
  }
}

/**
 * Quantized depthwise conv for one image: x [C][H][W] u8, w int16 rows [OC][kp] (w − zw, k order (r, s)),
 * OC = C·mult; bias (i32) and mult (f32) per output channel; y [OC][OH][OW] u8 plus 16 writable spare bytes.
 */
export function qdepthwise_pairs(
  x: usize, C: i32, H: i32, W: i32, OC: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  dh: i32, dw: i32, OH: i32, OW: i32, xzp: i32, w: usize, kp: i32, bias: usize, mult: usize,
  zp: i32, lo: f32, hi: f32, y: usize, scratch: usize,
): void {
  const PH = pair_height(H, ph, kh, sh, dh, OH);
  const PW = pair_width(W, pw, kw, sw, dw, OW);
  const per = OC / C;
  const npair = (kw + 1) >> 1;
  const st = <usize>(sw << 4);
  const wt = scratch + ((<usize>PH * <usize>PW) << 2);
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  const vmz = i32x4.splat(MAGIC_BITS - zp);
  for (let c = 0; c < C; c++) {
    fill_pairs(x + <usize>c * <usize>(H * W), H, W, ph, pw, PH, PW, xzp, dw, scratch);
    for (let o = 0; o < per; o++) {
      const oc = c * per + o;
      const wrow = w + ((<usize>oc * <usize>kp) << 1);
      // the channel's weight pairs (w_s, w_s+1) as int32s, low int16 first; an odd last tap pairs with 0
      for (let r = 0; r < kh; r++) {
        for (let j = 0; j < npair; j++) {
          const s = r * kw + (j << 1);
          const w0 = <i32>load<i16>(wrow + (<usize>s << 1)) & 0xffff;
          const w1 = (j << 1) + 1 < kw ? <i32>load<i16>(wrow + (<usize>(s + 1) << 1)) : 0;
          store<i32>(wt + (<usize>(r * npair + j) << 2), w0 | (w1 << 16));
        }
      }
      const vb = i32x4.splat(load<i32>(bias + (<usize>oc << 2)));
      const vm = f32x4.splat(load<f32>(mult + (<usize>oc << 2)));
      const yp = y + <usize>oc * <usize>(OH * OW);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow += 16) {
          let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
          for (let r = 0; r < kh; r++) {
            const prow = scratch + ((<usize>(oh * sh + r * dh) * <usize>PW + <usize>(ow * sw)) << 2);
            const wr = wt + (<usize>(r * npair) << 2);
            for (let j = 0; j < npair; j++) {
              const wv = v128.load32_splat(wr + (<usize>j << 2));
              const p = prow + (<usize>(2 * j * dw) << 2);
              a0 = i32x4.add(a0, i32x4.dot_i16x8_s(load4(p, sw), wv));
              a1 = i32x4.add(a1, i32x4.dot_i16x8_s(load4(p + st, sw), wv));
              a2 = i32x4.add(a2, i32x4.dot_i16x8_s(load4(p + 2 * st, sw), wv));
              a3 = i32x4.add(a3, i32x4.dot_i16x8_s(load4(p + 3 * st, sw), wv));
            }
          }
          const dst = yp + <usize>(oh * OW + ow);
          const left = OW - ow;
          if (left >= 12) {
            // one 16-byte store: bytes past the row are rewritten by the next row or channel in order,
            // and the caller leaves 16 spare bytes after y
            const q0 = requant4(a0, vb, vm, vlo, vhi, vmz);
            const q1 = requant4(a1, vb, vm, vlo, vhi, vmz);
            const q2 = requant4(a2, vb, vm, vlo, vhi, vmz);
            const q3 = requant4(a3, vb, vm, vlo, vhi, vmz);
            v128.store(dst, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3)));
            continue;
          }
          requant_store(a0, vb, vm, zp, lo, hi, dst, min(4, left));
          if (left > 4) requant_store(a1, vb, vm, zp, lo, hi, dst + 4, min(4, left - 4));
          if (left > 8) requant_store(a2, vb, vm, zp, lo, hi, dst + 8, min(4, left - 8));
          if (left > 12) requant_store(a3, vb, vm, zp, lo, hi, dst + 12, min(4, left - 12));
        }
      }
    }
  }
}
