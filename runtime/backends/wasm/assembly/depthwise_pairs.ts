// Int8 depthwise convolution on i32x4.dot_i16x8_s, two taps per lane pair. Each input channel is
// widened once into a zero-padded plane of 32-bit "pair" elements pp[r][c] = (x[r][c] − zp) in the low
// int16 and (x[r][c + dw] − zp) in the high one, so for the horizontal tap pair (s, s+1) four consecutive
// output pixels (stride 1) are one v128 load, and one dot with the splatted weight pair (w_s, w_s+1)
// adds both taps for all four pixels exactly in int32 (|x − zp|, |w − zw| ≤ 255). An odd last tap of a
// row pairs with a zero weight. 16 outputs (4 accumulators) per step; requantization as qgemm's.
import { requant_store } from './requant';

/** Padded pair-plane width: every 16-output block of a row may read (OW16 − 1)·sw + (kw − 1)·dw + 1 columns. */
@inline
function pair_width(W: i32, pw: i32, kw: i32, sw: i32, dw: i32, OW: i32): i32 {
  return max(W + 2 * pw, ((OW + 15) & ~15) * sw + kw * dw + 1);
}

@inline
function pair_height(H: i32, ph: i32, kh: i32, sh: i32, dh: i32, OH: i32): i32 {
  return max(H + 2 * ph, (OH - 1) * sh + (kh - 1) * dh + 1);
}

/** Scratch bytes of qdepthwise_pairs: one pair plane plus the read-ahead its in-place pairing needs. */
export function depthwise_pairs_bytes(H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, OH: i32, OW: i32): i32 {
  return pair_height(H, ph, kh, sh, dh, OH) * pair_width(W, pw, kw, sw, dw, OW) * 4 + (dw + 4) * 4 + 16;
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

/** Widens channel src [H][W] u8 into the pair plane dst [PH][PW] (padding = 0 = the zero point). */
function fill_pairs(src: usize, H: i32, W: i32, ph: i32, pw: i32, PH: i32, PW: i32, zp: i32, dw: i32, dst: usize): void {
  const total = <usize>PH * <usize>PW;
  memory.fill(dst, 0, (total + <usize>dw + 4) << 2);
  const vzp = i32x4.splat(zp);
  for (let h = 0; h < H; h++) {
    const d = dst + ((<usize>(h + ph) * <usize>PW + <usize>pw) << 2);
    const s = src + <usize>h * <usize>W;
    let w = 0;
    for (; w + 8 <= W; w += 8) {
      const x16 = v128.load8x8_u(s + <usize>w);
      v128.store(d + (<usize>w << 2), i32x4.sub(i32x4.extend_low_i16x8_u(x16), vzp));
      v128.store(d + (<usize>w << 2), i32x4.sub(i32x4.extend_high_i16x8_u(x16), vzp), 16);
    }
    for (; w < W; w++) store<i32>(d + (<usize>w << 2), <i32>load<u8>(s + <usize>w) - zp);
  }
  // in place, forward: element i only reads i and i + dw, which are not yet rewritten
  const lo = i32x4.splat(0xffff);
  const off = <usize>dw << 2;
  let i: usize = 0;
  const bytes = total << 2;
  for (; i + 16 <= bytes; i += 16) {
    const a = v128.load(dst + i);
    const b = v128.load(dst + i + off);
    v128.store(dst + i, v128.or(v128.and(a, lo), i32x4.shl(b, 16)));
  }
  for (; i < bytes; i += 4) store<i32>(dst + i, (load<i32>(dst + i) & 0xffff) | (load<i32>(dst + i + off) << 16));
}

/**
 * Quantized depthwise conv for one image: x [C][H][W] u8, w int16 rows [OC][kp] (w − zw, k order (r, s)),
 * OC = C·mult; bias (i32) and mult (f32) per output channel; y [OC][OH][OW] u8.
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
  for (let c = 0; c < C; c++) {
    fill_pairs(x + <usize>c * <usize>(H * W), H, W, ph, pw, PH, PW, xzp, dw, scratch);
    for (let o = 0; o < per; o++) {
      const oc = c * per + o;
      const wrow = w + ((<usize>oc * <usize>kp) << 1);
      const vb = i32x4.splat(load<i32>(bias + (<usize>oc << 2)));
      const vm = f32x4.splat(load<f32>(mult + (<usize>oc << 2)));
      const yp = y + <usize>oc * <usize>(OH * OW);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow += 16) {
          let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
          for (let r = 0; r < kh; r++) {
            const prow = scratch + ((<usize>(oh * sh + r * dh) * <usize>PW + <usize>(ow * sw)) << 2);
            const wr = wrow + (<usize>(r * kw) << 1);
            for (let j = 0; j < npair; j++) {
              const s = j << 1;
              // (w_s, w_s+1) as one int32: low int16 multiplies the pair's low element
              const w0 = <i32>load<i16>(wr + (<usize>s << 1)) & 0xffff;
              const w1 = s + 1 < kw ? <i32>load<i16>(wr + (<usize>(s + 1) << 1)) : 0;
              const wv = i32x4.splat(w0 | (w1 << 16));
              const p = prow + (<usize>(s * dw) << 2);
              a0 = i32x4.add(a0, i32x4.dot_i16x8_s(load4(p, sw), wv));
              a1 = i32x4.add(a1, i32x4.dot_i16x8_s(load4(p + st, sw), wv));
              a2 = i32x4.add(a2, i32x4.dot_i16x8_s(load4(p + 2 * st, sw), wv));
              a3 = i32x4.add(a3, i32x4.dot_i16x8_s(load4(p + 3 * st, sw), wv));
            }
          }
          const dst = yp + <usize>(oh * OW + ow);
          const left = OW - ow;
          requant_store(a0, vb, vm, zp, lo, hi, dst, min(4, left));
          if (left > 4) requant_store(a1, vb, vm, zp, lo, hi, dst + 4, min(4, left - 4));
          if (left > 8) requant_store(a2, vb, vm, zp, lo, hi, dst + 8, min(4, left - 8));
          if (left > 12) requant_store(a3, vb, vm, zp, lo, hi, dst + 12, min(4, left - 12));
        }
      }
    }
  }
}
