// Quantized conv for short reductions (first layers, 1x1 convs: kp <= 64), where the GEMM's per-tile
// horizontal sums would cost as much as the products. Output pixels run along the lanes instead: im2col
// stores k in interleaved pairs, col[k/2][p][k&1] (int16 x - zp), and a weight pair (w[k], w[k+1]) of the
// packed rows is one i32 splat, so i32x4.dot_i16x8_s yields w[k]x[k][p] + w[k+1]x[k+1][p] for 4 pixels
// at once and the accumulators are already the outputs. Register tile: 4 output channels x 8 pixels.
import { requant_store } from './requant';

/** Bytes im2col_pairs_q16 writes for a reduction of length k: ceil(k/2) pair rows of P rounded up to 8 pixels. */
export function pairs_bytes(P: i32, k: i32): i32 {
  return ((k + 1) >> 1) * ((P + 7) & ~7) * 4;
}

/**
 * im2col of one image and group into the pair layout: k = (c - c0)*kh*kw + r*kw + s (torch's weight order),
 * taps in the padding read as 0 (= the input zero point); k >= K and pixels >= P are zero.
 */
export function im2col_pairs_q16(
  x: usize, H: i32, W: i32, c0: i32, cg: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, OH: i32, OW: i32, zp: i32, out: usize,
): void {
  const P = OH * OW;
  const P8 = (P + 7) & ~7;
  memory.fill(out, 0, <usize>pairs_bytes(P, cg * kh * kw));
  const plane = <usize>H * <usize>W;
  let k = 0;
  for (let c = c0; c < c0 + cg; c++) {
    const src = x + <usize>c * plane;
    for (let r = 0; r < kh; r++) {
      for (let s = 0; s < kw; s++) {
        let dst = out + ((<usize>(k >> 1) * <usize>P8) << 2) + (<usize>(k & 1) << 1);
        // output columns whose tap lands inside the row: ow in [lo, hi); the rest stay zero
        const off = s * dw - pw;
        const lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        const hi = min(OW, W - off <= 0 ? 0 : (W - off - 1) / sw + 1);
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - ph + r * dh;
          if (ih >= 0 && ih < H && lo < hi) {
            const srow = src + <usize>ih * <usize>W + <usize>off;
            for (let ow = lo; ow < hi; ow++) {
              store<i16>(dst + (<usize>ow << 2), <i16>(<i32>load<u8>(srow + <usize>(ow * sw)) - zp));
            }
          }
          dst += <usize>OW << 2;
        }
        k++;
      }
    }
  }
}

@inline
function out_row(a0: v128, a1: v128, i: i32, p: i32, P: i32, y: usize, ldy: i32, bias: usize, mult: usize, zp: i32, lo: f32, hi: f32): void {
  const o = <usize>i << 2;
  const vb = i32x4.splat(load<i32>(bias + o));
  const vm = f32x4.splat(load<f32>(mult + o));
  const dst = y + <usize>(i * ldy + p);
  const left = P - p;
  requant_store(a0, vb, vm, zp, lo, hi, dst, min(4, left));
  if (left > 4) requant_store(a1, vb, vm, zp, lo, hi, dst + 4, min(4, left - 4));
}

/**
 * y[i][p] = requant(sum_k w[i][k] * col[k][p]) for M output channels (rows of the packed int16 weights,
 * stride kp, zero past k) and P pixels; bias (i32) / mult (f32) per row; y rows of ldy bytes. Only the
 * ceil(k/2) pairs that hold data are visited, not the row padding up to kp.
 */
export function qconv_pairs(
  w: usize, col: usize, M: i32, P: i32, k: i32, kp: i32,
  y: usize, ldy: i32, bias: usize, mult: usize, zp: i32, lo: f32, hi: f32,
): void {
  const P8 = (P + 7) & ~7;
  const crow = <usize>P8 << 2;
  const wrow = <usize>kp << 1;
  const np = (k + 1) >> 1;
  const zero = i32x4.splat(0);
  for (let p = 0; p < P; p += 8) {
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      let a00 = zero, a01 = zero, a10 = zero, a11 = zero, a20 = zero, a21 = zero, a30 = zero, a31 = zero;
      let cp = col + (<usize>p << 2);
      let wp = w + <usize>i * wrow;
      for (let t = 0; t < np; t++) {
        const x0 = v128.load(cp);
        const x1 = v128.load(cp, 16);
        let s = v128.load32_splat(wp);
        a00 = i32x4.add(a00, i32x4.dot_i16x8_s(x0, s));
        a01 = i32x4.add(a01, i32x4.dot_i16x8_s(x1, s));
        s = v128.load32_splat(wp + wrow);
        a10 = i32x4.add(a10, i32x4.dot_i16x8_s(x0, s));
        a11 = i32x4.add(a11, i32x4.dot_i16x8_s(x1, s));
        s = v128.load32_splat(wp + 2 * wrow);
        a20 = i32x4.add(a20, i32x4.dot_i16x8_s(x0, s));
        a21 = i32x4.add(a21, i32x4.dot_i16x8_s(x1, s));
        s = v128.load32_splat(wp + 3 * wrow);
        a30 = i32x4.add(a30, i32x4.dot_i16x8_s(x0, s));
        a31 = i32x4.add(a31, i32x4.dot_i16x8_s(x1, s));
        cp += crow;
        wp += 4;
      }
      out_row(a00, a01, i, p, P, y, ldy, bias, mult, zp, lo, hi);
      out_row(a10, a11, i + 1, p, P, y, ldy, bias, mult, zp, lo, hi);
      out_row(a20, a21, i + 2, p, P, y, ldy, bias, mult, zp, lo, hi);
      out_row(a30, a31, i + 3, p, P, y, ldy, bias, mult, zp, lo, hi);
    }
    for (; i < M; i++) {
      let a00 = zero, a01 = zero;
      let cp = col + (<usize>p << 2);
      let wp = w + <usize>i * wrow;
      for (let t = 0; t < np; t++) {
        const s = v128.load32_splat(wp);
        a00 = i32x4.add(a00, i32x4.dot_i16x8_s(v128.load(cp), s));
        a01 = i32x4.add(a01, i32x4.dot_i16x8_s(v128.load(cp, 16), s));
        cp += crow;
        wp += 4;
      }
      out_row(a00, a01, i, p, P, y, ldy, bias, mult, zp, lo, hi);
    }
  }
}
