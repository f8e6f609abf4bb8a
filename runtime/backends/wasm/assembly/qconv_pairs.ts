// Quantized conv for short reductions (first layers, 1x1 convs: kp <= 64), where the GEMM's per-tile
// horizontal sums would cost as much as the products. Output pixels run along the lanes instead: im2col
// stores k in interleaved pairs, col[k/2][p][k&1] (int16 x - zp), and a weight pair (w[k], w[k+1]) of the
// packed rows is one i32 splat, so i32x4.dot_i16x8_s yields w[k]x[k][p] + w[k+1]x[k+1][p] for 4 pixels
// at once and the accumulators are already the outputs. Register tile: 4 output channels x 8 pixels.
import { magic_minus, requant_x16, store_bytes } from './requant';

/** Bytes im2col_pairs_q16 writes for a reduction of length k: ceil(k/2) pair rows of P rounded up to 8 pixels. */
export function pairs_bytes(P: i32, k: i32): i32 {
  return ((k + 1) >> 1) * ((P + 7) & ~7) * 4;
}

/** Bytes of the padded planes im2col_pairs_s1 reads: cg planes of Hp × Wp int16, plus 32 bytes of slack. */
export function pad_planes_bytes(cg: i32, Hp: i32, Wp: i32): i32 {
  return cg * Hp * Wp * 2 + 32;
}

/**
 * Channels c0..c0+cg−1 of image x ([C][H][W] u8) as zero-padded int16 planes [cg][Hp][Wp] of x − zp
 * (element [h + ph][w + pw] = x[c0 + c][h][w] − zp, 0 in the border and the 32-byte slack).
 */
export function pad_planes_q16(x: usize, H: i32, W: i32, c0: i32, cg: i32, ph: i32, pw: i32, Hp: i32, Wp: i32, zp: i32, out: usize): void {
  memory.fill(out, 0, <usize>pad_planes_bytes(cg, Hp, Wp));
  const vzp = i16x8.splat(<i16>zp);
  const hw = <usize>H * <usize>W;
  for (let c = 0; c < cg; c++) {
    const src = x + <usize>(c0 + c) * hw;
    const plane = out + ((<usize>c * <usize>Hp * <usize>Wp) << 1);
    for (let h = 0; h < H; h++) {
      const s = src + <usize>h * <usize>W;
      const d = plane + ((<usize>(h + ph) * <usize>Wp + <usize>pw) << 1);
      if (W >= 8) {
        // eight at a time; the last step moves back to end at W (rewriting the same values)
        for (let w = 0; w < W; ) {
          if (W - w < 8) w = W - 8;
          v128.store(d + (<usize>w << 1), i16x8.sub(v128.load8x8_u(s + <usize>w), vzp));
          w += 8;
        }
      } else {
        for (let w = 0; w < W; w++) store<i16>(d + (<usize>w << 1), <i16>(<i32>load<u8>(s + <usize>w) - zp));
      }
    }
  }
}

/**
 * im2col_pairs_q16 for a stride-1 width, from the padded planes of pad_planes_q16: each row of a pair
 * (k, k+1) is eight pixels per step (two int16 runs interleaved). Steps may run up to seven pixels past a
 * row: the next row, the next pair (written later) or `out`'s 32 bytes of slack take the excess, and the
 * pixels P..P8−1 of a pair hold whatever landed there (qconv_pairs never stores them).
 */
export function im2col_pairs_s1(
  pad: usize, cg: i32, Hp: i32, Wp: i32, kh: i32, kw: i32, sh: i32, dh: i32, dw: i32, OH: i32, OW: i32, out: usize,
): void {
  const P8 = (OH * OW + 7) & ~7;
  const taps = kh * kw;
  const K = cg * taps;
  const zero = i32x4.splat(0);
  for (let k = 0; k < K; k += 2) {
    // element offsets of the two taps in the padded planes (the second may be the zero pad past K)
    const c1 = k / taps, r1 = (k % taps) / kw, s1 = k % kw;
    const o1 = (<usize>(c1 * Hp + r1 * dh) * <usize>Wp + <usize>(s1 * dw)) << 1;
    const two = k + 1 < K;
    const c2 = (k + 1) / taps, r2 = ((k + 1) % taps) / kw, s2 = (k + 1) % kw;
    const o2 = two ? (<usize>(c2 * Hp + r2 * dh) * <usize>Wp + <usize>(s2 * dw)) << 1 : 0;
    const row = out + ((<usize>(k >> 1) * <usize>P8) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const base = pad + ((<usize>(oh * sh) * <usize>Wp) << 1);
      const dst = row + (<usize>(oh * OW) << 2);
      for (let ow = 0; ow < OW; ow += 8) {
        const u = v128.load(base + o1 + (<usize>ow << 1));
        const v = two ? v128.load(base + o2 + (<usize>ow << 1)) : zero;
        const q = dst + (<usize>ow << 2);
        v128.store(q, i8x16.shuffle(u, v, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
        v128.store(q, i8x16.shuffle(u, v, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 16);
      }
    }
  }
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

/**
 * y[i][p] = requant(sum_k w[i][k] * col[k][p]) for M output channels (rows of the packed int16 weights,
 * stride kp, zero past k) and P pixels; bias (i32) / mult (f32) per row; y rows of ldy bytes. Only the
 * ceil(k/2) pairs that hold data are visited, not the row padding up to kp. Register tile: 2 channels ×
 * 16 pixels (so a channel's results are one 16-byte store), accumulators starting at the bias;
 * requantization as requant_x16 (`exact` as there). Pixels up to ceil(P/16)·16 are read: col needs 32
 * readable bytes past its last pair row.
 */
export function qconv_pairs(
  w: usize, col: usize, M: i32, P: i32, k: i32, kp: i32,
  y: usize, ldy: i32, bias: usize, mult: usize, zp: i32, lo: f32, hi: f32, exact: bool,
): void {
  const P8 = (P + 7) & ~7;
  const crow = <usize>P8 << 2;
  const wrow = <usize>kp << 1;
  const np = (k + 1) >> 1;
  const vlo = f32x4.splat(lo);
  const vmz = magic_minus(zp);
  const vqmin = i8x16.splat(<i8>(<i32>lo + zp));
  const vqmax = i8x16.splat(<i8>(<i32>hi + zp));
  const yrow = <usize>ldy;
  for (let p = 0; p < P; p += 16) {
    const left = P - p;
    let i = 0;
    for (; i + 2 <= M; i += 2) {
      const bp = bias + (<usize>i << 2);
      let a0 = v128.load32_splat(bp), b0 = v128.load32_splat(bp, 4);
      let a1 = a0, a2 = a0, a3 = a0, b1 = b0, b2 = b0, b3 = b0;
      let cp = col + (<usize>p << 2);
      let wp = w + <usize>i * wrow;
      for (let t = 0; t < np; t++) {
        const x0 = v128.load(cp);
        const x1 = v128.load(cp, 16);
        const x2 = v128.load(cp, 32);
        const x3 = v128.load(cp, 48);
        let s = v128.load32_splat(wp);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(x0, s));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(x1, s));
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(x2, s));
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(x3, s));
        s = v128.load32_splat(wp + wrow);
        b0 = i32x4.add(b0, i32x4.dot_i16x8_s(x0, s));
        b1 = i32x4.add(b1, i32x4.dot_i16x8_s(x1, s));
        b2 = i32x4.add(b2, i32x4.dot_i16x8_s(x2, s));
        b3 = i32x4.add(b3, i32x4.dot_i16x8_s(x3, s));
        cp += crow;
        wp += 4;
      }
      const mp = mult + (<usize>i << 2);
      const dst = y + <usize>i * yrow + <usize>p;
      const vma = v128.load32_splat(mp);
      const vmb = v128.load32_splat(mp, 4);
      store_bytes(dst, requant_x16(a0, a1, a2, a3, vma, vma, vlo, vmz, vqmin, vqmax, exact), left);
      store_bytes(dst + yrow, requant_x16(b0, b1, b2, b3, vmb, vmb, vlo, vmz, vqmin, vqmax, exact), left);
    }
    if (i < M) {
      let a0 = v128.load32_splat(bias + (<usize>i << 2));
      let a1 = a0, a2 = a0, a3 = a0;
      let cp = col + (<usize>p << 2);
      let wp = w + <usize>i * wrow;
      for (let t = 0; t < np; t++) {
        const s = v128.load32_splat(wp);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load(cp), s));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load(cp, 16), s));
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(v128.load(cp, 32), s));
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(v128.load(cp, 48), s));
        cp += crow;
        wp += 4;
      }
      const vm = v128.load32_splat(mult + (<usize>i << 2));
      store_bytes(y + <usize>i * yrow + <usize>p, requant_x16(a0, a1, a2, a3, vm, vm, vlo, vmz, vqmin, vqmax, exact), left);
    }
  }
}
