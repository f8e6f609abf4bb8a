// Float32 conv2d without im2col ("shifted planes"). The input of one image is copied once into
// zero-padded phase planes: for stride (sh, sw), plane (c, a, b) holds xpad[i·sh + a][j·sw + b] as a
// [Hq][Wq] grid (only the phases some tap reads get a plane). Output pixel p = oh·Wq + ow then reads,
// for reduction index k = (c, r, s), the plane element at a fixed offset off[k] + p, so
// B[k][p] = planes[off[k] + p]: eight consecutive output pixels are one contiguous 32-byte run for every
// k, and the 4×8 register tile streams them straight from the planes. Columns ow ≥ OW (and positions
// past the last row) are computed and dropped when the tile is stored; that waste ((Wq − OW)/Wq:
// 1/29 at 28², 1/15 at 14², 1/8 at 7² with shared padding columns) costs less than writing im2col.
// Each output is bias + Σ_k w·x in k order, the same summation as im2col + sgemm_packed.

import { madd } from './sgemm';

/**
 * Floats of one phase plane: Hq rows of Wq plus one zero row, which the right padding of the last row
 * reads when rows share their padding columns (stride-1 width, Wq = W + pw: see fp32_conv.ts).
 */
@inline
function plane_floats(Hq: i32, Wq: i32): i32 {
  return (Hq + 1) * Wq;
}

/**
 * Floats of the phase planes of one image (C channels, na·nb used phases each: conv_phases), plus the
 * tail slack the last tile over-reads.
 */
export function conv_planes_floats(C: i32, na: i32, nb: i32, Hq: i32, Wq: i32, N: i32): i32 {
  return C * na * nb * plane_floats(Hq, Wq) + ((N + 7) & ~7) + 8;
}

/** Phases of a stride that some tap t < taps (spaced by dil) reads: stride for 3×3, 1 for a 1×1 kernel. */
export function conv_phases(taps: i32, dil: i32, stride: i32): i32 {
  return phase_rank(stride, taps, dil, stride);
}

/** Zeroes n floats at dst (rows are short: inline stores beat a memory.fill call). */
@inline
function zero_f32(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** Copies n floats from src to dst (non-overlapping). */
@inline
function copy_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** Whether some tap t < taps (spaced by dil) lands on phase `ph` of a stride: (t·dil) mod stride == ph. */
@inline
function phase_used(ph: i32, taps: i32, dil: i32, stride: i32): bool {
  for (let t = 0; t < taps; t++) if ((t * dil) % stride == ph) return true;
  return false;
}

/** Used phases below `ph` (the rank of a used phase among them): unused phases get no plane at all. */
@inline
function phase_rank(ph: i32, taps: i32, dil: i32, stride: i32): i32 {
  let n = 0;
  for (let a = 0; a < ph; a++) if (phase_used(a, taps, dil, stride)) n++;
  return n;
}

/**
 * Copies image x ([C][H][W]) into phase planes at out: for each channel c and each used phase pair
 * (a, b) in order (phases no tap of the kh×kw kernel with dilation dh, dw reads get no plane, e.g. 3 of
 * 4 for a 1×1 stride-2 conv), a [Hq][Wq] plane (then a zero row) with element [i][j] =
 * x[c][i·sh + a − ph][j·sw + b − pw] (0 outside). Zeroes the `slack` floats after them.
 */
export function conv_planes_f32(
  x: usize, C: i32, H: i32, W: i32, ph: i32, pw: i32, sh: i32, sw: i32, Hq: i32, Wq: i32, out: usize, slack: i32,
  kh: i32, kw: i32, dh: i32, dw: i32, c0: i32, c1: i32,
): void {
  // channels [c0, c1) only (the range ending at the last channel also clears the slack): threads fill disjoint
  // planes of one image
  const row = <usize>Wq << 2;
  const per_channel = <usize>(conv_phases(kh, dh, sh) * conv_phases(kw, dw, sw) * plane_floats(Hq, Wq)) << 2;
  let dst = out + <usize>c0 * per_channel;
  for (let c = c0; c < c1; c++) {
    const src = x + ((<usize>c * <usize>H * <usize>W) << 2);
    for (let a = 0; a < sh; a++) {
      for (let b = 0; b < sw; b++) {
        if (!phase_used(a, kh, dh, sh) || !phase_used(b, kw, dw, sw)) continue;
        // columns j with 0 ≤ j·sw + b − pw < W: [j0, j1)
        let j0 = 0;
        while (j0 < Wq && j0 * sw + b - pw < 0) j0++;
        let j1 = j0;
        while (j1 < Wq && j1 * sw + b - pw < W) j1++;
        for (let i = 0; i < Hq; i++) {
          const ih = i * sh + a - ph;
          zero_f32(dst, Wq);
          if (ih >= 0 && ih < H && j1 > j0) {
            const srow = src + ((<usize>ih * <usize>W) << 2);
            if (sw == 1) copy_f32(dst + (<usize>j0 << 2), srow + (<usize>(j0 + b - pw) << 2), j1 - j0);
            else for (let j = j0; j < j1; j++) store<f32>(dst + (<usize>j << 2), load<f32>(srow + (<usize>(j * sw + b - pw) << 2)));
          }
          dst += row;
        }
        zero_f32(dst, Wq);
        dst += row;
      }
    }
  }
  if (c1 >= C) memory.fill(dst, 0, <usize>slack << 2);
}

/** Byte offset into the phase planes of each k = (c, r, s) of a cg·kh·kw reduction, as i32 at out. */
export function conv_offsets(
  cg: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, Hq: i32, Wq: i32, out: usize,
): void {
  const plane = plane_floats(Hq, Wq);
  const na = conv_phases(kh, dh, sh);
  const nb = conv_phases(kw, dw, sw);
  let k = 0;
  for (let c = 0; c < cg; c++) {
    for (let r = 0; r < kh; r++) {
      const rr = r * dh;
      for (let s = 0; s < kw; s++) {
        const ss = s * dw;
        const p = (c * na + phase_rank(rr % sh, kh, dh, sh)) * nb + phase_rank(ss % sw, kw, dw, sw);
        store<i32>(out + (<usize>k << 2), (p * plane + (rr / sh) * Wq + ss / sw) << 2);
        k++;
      }
    }
  }
}

/** Packs w ([CO][K]) into [ceil(CO/4)][K][4] (four output channels' weights per k adjacent), zero rows past CO. */
export function pack_conv_w(w: usize, CO: i32, K: i32, out: usize): void {
  const cb = (CO + 3) >> 2;
  const rowb = <usize>K << 2;
  for (let r = 0; r < cb; r++) {
    const co = r << 2;
    const dst = out + <usize>r * (<usize>K << 4);
    let k = 0;
    if (co + 4 <= CO) {
      // four full rows: 4×4 blocks transposed in registers
      const w0 = w + <usize>co * rowb, w1 = w0 + rowb, w2 = w1 + rowb, w3 = w2 + rowb;
      for (; k + 4 <= K; k += 4) {
        const o = <usize>k << 2;
        const v0 = v128.load(w0 + o), v1 = v128.load(w1 + o), v2 = v128.load(w2 + o), v3 = v128.load(w3 + o);
        const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5), t1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
        const t2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5), t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
        const d = dst + (<usize>k << 4);
        v128.store(d, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
        v128.store(d, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
        v128.store(d, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
        v128.store(d, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
      }
    }
    for (; k < K; k++) {
      for (let l = 0; l < 4; l++) {
        const c = co + l;
        store<f32>(dst + (<usize>k << 4) + (<usize>l << 2), c < CO ? load<f32>(w + <usize>c * rowb + (<usize>k << 2)) : 0);
      }
    }
  }
}

/** Longest reduction block: its slice of four weight rows plus a tile's B runs stay in L1. */
const KC_MAX: i32 = 256;
/** Weight bytes of one row group in one reduction block (the rows every tile of the block passes over). */
const WBLOCK_BYTES: i32 = 16384;

/**
 * For each padded-grid position q < ceil(OH·Wq/8)·8: its index oh·OW + ow in the output plane, or −1
 * when q is a dropped column or past the last row (i32 at out). Built once per call for the kernel.
 */
export function conv_out_map(OH: i32, OW: i32, Wq: i32, out: usize): void {
  const n = (OH * Wq + 7) & ~7;
  let oh = 0, ow = 0;
  for (let q = 0; q < n; q++) {
    store<i32>(out + (<usize>q << 2), oh < OH && ow < OW ? oh * OW + ow : -1);
    if (++ow == Wq) { ow = 0; oh++; }
  }
}

/**
 * Stores the four lanes of v (grid positions q..q+3) into the output row yr: one vector store when the
 * four are consecutive valid pixels of one row (d0 ≥ 0 && contiguous), else lane by lane (−1 = dropped).
 */
@inline
function store_out(yr: usize, v: v128, contiguous: bool, d0: i32, d1: i32, d2: i32, d3: i32): void {
  if (contiguous) {
    v128.store(yr + (<usize>d0 << 2), v);
    return;
  }
  if (d0 >= 0) store<f32>(yr + (<usize>d0 << 2), f32x4.extract_lane(v, 0));
  if (d1 >= 0) store<f32>(yr + (<usize>d1 << 2), f32x4.extract_lane(v, 1));
  if (d2 >= 0) store<f32>(yr + (<usize>d2 << 2), f32x4.extract_lane(v, 2));
  if (d3 >= 0) store<f32>(yr + (<usize>d3 << 2), f32x4.extract_lane(v, 3));
}

/**
 * y[co][oh][ow] = bias[co] + Σ_k wp[co][k]·x[off[k] + oh·Wq + ow] for co < CO, oh < OH, ow < OW (y is
 * [CO][P = OH·OW]); wp from pack_conv_w (zero rows up to ceil(CO/4)·4), bias ceil(CO/4)·4 floats or 0.
 * Register tiles cover grid positions q < ceil(N/8)·8 (N = OH·Wq) and are stored straight into y
 * through `map` (conv_out_map), dropping the padding columns. K is split into near-equal blocks of at most KC_MAX and the rows into groups of
 * WBLOCK_BYTES of weights, so the weights a tile loop touches stay in L1; partial sums between K blocks
 * live in c ([ceil(CO/4)·4][ldc], ldc ≥ ceil(OH·Wq/8)·8; unused when K ≤ KC_MAX), in the same k order.
 */
export function conv_shifted_f32(
  CO: i32, K: i32, wp: usize, x: usize, offs: usize, bias: usize, c: usize, ldc: i32,
  y: usize, P: i32, N: i32, map: usize,
): void {
  const crow = <usize>ldc << 2;
  const yrow = <usize>P << 2;
  const nt = (N + 7) >> 3;
  const cb = (CO + 3) >> 2;
  const wrow = <usize>K << 4;
  const nkb = max(1, (K + KC_MAX - 1) / KC_MAX);
  const kc = (K + nkb - 1) / nkb;
  const rb = max(1, WBLOCK_BYTES / (kc << 4));
  for (let k0 = 0; k0 < K || k0 == 0; k0 += kc) {
    const kb = <usize>(min(K, k0 + kc) - k0);
    const first = k0 == 0;
    const last = k0 + kc >= K;
    for (let r0 = 0; r0 < cb; r0 += rb) {
      const r1 = min(cb, r0 + rb);
      for (let t = 0; t < nt; t++) {
        const xt = x + (<usize>t << 5);
        // where the tile's eight grid positions land in y (conv_out_map), for the last K block's stores
        const mt = map + (<usize>t << 5);
        const a0 = load<i32>(mt), a1 = load<i32>(mt, 4), a2 = load<i32>(mt, 8), a3 = load<i32>(mt, 12);
        const b0 = load<i32>(mt, 16), b1 = load<i32>(mt, 20), b2 = load<i32>(mt, 24), b3 = load<i32>(mt, 28);
        const fa = a0 >= 0 && a3 == a0 + 3;
        const fb = b0 >= 0 && b3 == b0 + 3;
        for (let r = r0; r < r1; r++) {
          const c0 = c + (<usize>(r << 2)) * crow + (<usize>t << 5);
          const c1 = c0 + crow, c2 = c1 + crow, c3 = c2 + crow;
          let d00: v128, d01: v128, d10: v128, d11: v128, d20: v128, d21: v128, d30: v128, d31: v128;
          if (!first) {
            d00 = v128.load(c0); d01 = v128.load(c0, 16);
            d10 = v128.load(c1); d11 = v128.load(c1, 16);
            d20 = v128.load(c2); d21 = v128.load(c2, 16);
            d30 = v128.load(c3); d31 = v128.load(c3, 16);
          } else if (bias != 0) {
            const bp = bias + (<usize>r << 4);
            d00 = v128.load32_splat(bp); d01 = d00;
            d10 = v128.load32_splat(bp, 4); d11 = d10;
            d20 = v128.load32_splat(bp, 8); d21 = d20;
            d30 = v128.load32_splat(bp, 12); d31 = d30;
          } else {
            d00 = f32x4.splat(0); d01 = d00; d10 = d00; d11 = d00; d20 = d00; d21 = d00; d30 = d00; d31 = d00;
          }
          let pa = wp + <usize>r * wrow + (<usize>k0 << 4);
          let po = offs + (<usize>k0 << 2);
          for (let k: usize = 0; k < kb; k++) {
            const px = xt + <usize>load<i32>(po);
            const x0 = v128.load(px);
            const x1 = v128.load(px, 16);
            let w = v128.load32_splat(pa);
            d00 = madd(w, x0, d00); d01 = madd(w, x1, d01);
            w = v128.load32_splat(pa, 4);
            d10 = madd(w, x0, d10); d11 = madd(w, x1, d11);
            w = v128.load32_splat(pa, 8);
            d20 = madd(w, x0, d20); d21 = madd(w, x1, d21);
            w = v128.load32_splat(pa, 12);
            d30 = madd(w, x0, d30); d31 = madd(w, x1, d31);
            pa += 16;
            po += 4;
          }
          if (!last) {
            v128.store(c0, d00); v128.store(c0, d01, 16);
            v128.store(c1, d10); v128.store(c1, d11, 16);
            v128.store(c2, d20); v128.store(c2, d21, 16);
            v128.store(c3, d30); v128.store(c3, d31, 16);
            continue;
          }
          // rows past CO are the zero padding of the packed weights: not stored
          const rows = min(4, CO - (r << 2));
          const y0 = y + <usize>(r << 2) * yrow;
          store_out(y0, d00, fa, a0, a1, a2, a3); store_out(y0, d01, fb, b0, b1, b2, b3);
          if (rows > 1) { store_out(y0 + yrow, d10, fa, a0, a1, a2, a3); store_out(y0 + yrow, d11, fb, b0, b1, b2, b3); }
          if (rows > 2) { store_out(y0 + 2 * yrow, d20, fa, a0, a1, a2, a3); store_out(y0 + 2 * yrow, d21, fb, b0, b1, b2, b3); }
          if (rows > 3) { store_out(y0 + 3 * yrow, d30, fa, a0, a1, a2, a3); store_out(y0 + 3 * yrow, d31, fb, b0, b1, b2, b3); }
        }
      }
    }
    if (K == 0) break;
  }
}
