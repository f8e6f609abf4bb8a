// Int8 dense conv without im2col: the int8 twin of the fp32 shifted-planes conv (assembly/sconv.ts).
// One image and group is widened once into zero-padded planes of int16 channel pairs: plane (cp, phase)
// holds, at grid position [i][j], the 32-bit pair (x[2cp] − zp, x[2cp + 1] − zp) of padded-input pixel
// (i·sh + a, j·sw + b) (the high half is 0 for the missing channel of an odd count). For the reduction
// index t = (cp, r, s) the pairs of four consecutive output grid positions are one contiguous 16-byte run
// at a fixed offset off[t] (the fp32 conv's conv_offsets with channel pairs for channels), so one
// i32x4.dot_i16x8_s against the splatted weight pair (w[2cp][r][s], w[2cp + 1][r][s]) adds both channels
// for four pixels, exactly in int32 (|x − zp|, |w − zw| ≤ 255). Pixels run along the lanes, so the
// accumulators are already the outputs: no horizontal sums, no im2col matrix. Register tile: 4 output
// channels × 8 grid positions. Grid columns past OW are computed and dropped: tiles store into a
// grid-shaped stage whose rows are then copied out (or, without such columns, straight into y).
import { magic_minus, requant_x16 } from './requant';
import { conv_phases } from './sconv';

/** Weight bytes of one row block: its four-channel groups' pairs stay in L1 while the tiles pass over them. */
const WBLOCK_BYTES: i32 = 16384;

/** Whether some tap t < taps (spaced by dil) lands on phase `ph` of a stride (as assembly/sconv.ts). */
@inline
function phase_used(ph: i32, taps: i32, dil: i32, stride: i32): bool {
  for (let t = 0; t < taps; t++) if ((t * dil) % stride == ph) return true;
  return false;
}

/**
 * Eight bytes at p (stride 1) or bytes 0, 2, …, 14 of the sixteen at p (stride 2: the low byte of each
 * 16-bit lane), zero-extended to int16 lanes. Reads up to 16 bytes past p whatever the caller uses.
 */
@inline
function widen8(p: usize, sw: i32): v128 {
  if (sw == 1) return v128.load8x8_u(p);
  return v128.and(v128.load(p), i16x8.splat(0xff));
}

/**
 * Widens channels c0..c0+cg−1 of image x ([C][H][W] u8) into pair planes at out: for each channel pair
 * cp < ceil(cg/2) and each used stride phase (a, b) (conv_phases), a [Hq + 1][Wq] plane of int32 pairs
 * with element [i][j] = (x[c0 + 2cp][i·sh + a − ph][j·sw + b − pw] − zp, x[c0 + 2cp + 1][…] − zp), 0
 * outside the image and in the last row. Then `slack` zero elements (the last tile's over-read).
 * Rows are read 8 (stride 1) or 16 (stride 2) bytes at a time: x needs 16 readable bytes past its end.
 */
export function qdirect_planes(
  x: usize, c0: i32, cg: i32, H: i32, W: i32, ph: i32, pw: i32, sh: i32, sw: i32, Hq: i32, Wq: i32,
  kh: i32, kw: i32, dh: i32, dw: i32, zp: i32, out: usize, slack: i32, cp0: i32, cp1: i32,
): void {
  // channel pairs [cp0, cp1) only (the range ending at the last pair also clears the slack): threads fill
  // disjoint planes
  const plane = (<usize>(Hq + 1) * <usize>Wq) << 2;
  const npairs = (cg + 1) >> 1;
  const nph = conv_phases(kh, dh, sh) * conv_phases(kw, dw, sw);
  const pair_bytes = <usize>nph * plane;
  const tail = cp1 >= npairs ? <usize>slack << 2 : 0;
  memory.fill(out + <usize>cp0 * pair_bytes, 0, <usize>(cp1 - cp0) * pair_bytes + tail);
  const hw = <usize>H * <usize>W;
  const vzp = i16x8.splat(<i16>zp);
  const vzero = i32x4.splat(0);
  let dst = out + <usize>cp0 * pair_bytes;
  for (let cp = cp0; cp < cp1; cp++) {
    const s0 = x + <usize>(c0 + 2 * cp) * hw;
    const two = 2 * cp + 1 < cg;
    const s1 = s0 + hw;
    for (let a = 0; a < sh; a++) {
      if (!phase_used(a, kh, dh, sh)) continue;
      for (let b = 0; b < sw; b++) {
        if (!phase_used(b, kw, dw, sw)) continue;
        // columns j with 0 ≤ j·sw + b − pw < W: [j0, j1)
        let j0 = 0;
        while (j0 < Wq && j0 * sw + b - pw < 0) j0++;
        let j1 = j0;
        while (j1 < Wq && j1 * sw + b - pw < W) j1++;
        for (let i = 0; i < Hq; i++) {
          const ih = i * sh + a - ph;
          if (ih < 0 || ih >= H) continue;
          const r0 = s0 + <usize>ih * <usize>W;
          const r1 = s1 + <usize>ih * <usize>W;
          const d = dst + ((<usize>i * <usize>Wq) << 2);
          if (sw <= 2 && j1 - j0 >= 4) {
            // eight (or, for rows of 4..7, four) pairs per step: two widened rows interleaved; a last
            // partial step moves back to end at j1, rewriting pairs already stored with the same values
            const step = j1 - j0 >= 8 ? 8 : 4;
            for (let j = j0; j < j1; j += step) {
              if (j1 - j < step) j = j1 - step;
              const col = <usize>(j * sw + b - pw);
              const u = i16x8.sub(widen8(r0 + col, sw), vzp);
              const v = two ? i16x8.sub(widen8(r1 + col, sw), vzp) : vzero;
              const q = d + (<usize>j << 2);
              v128.store(q, i8x16.shuffle(u, v, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
              if (step == 8) {
                v128.store(q, i8x16.shuffle(u, v, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 16);
              }
            }
          } else {
            for (let j = j0; j < j1; j++) {
              const col = <usize>(j * sw + b - pw);
              const lo = <i32>load<u8>(r0 + col) - zp;
              const hi = two ? <i32>load<u8>(r1 + col) - zp : 0;
              store<i32>(d + (<usize>j << 2), (lo & 0xffff) | (hi << 16));
            }
          }
        }
        dst += plane;
      }
    }
  }
}

/**
 * Packs CO int16 weight rows (row stride kp elements, cg channels × taps in k order (c, r, s), or (r, s, c)
 * when `rsc`) into [ceil(CO/4)][NP][4] int32 pairs, NP = ceil(cg/2)·taps, t = cp·taps + tap:
 * (w[2cp][tap], w[2cp + 1][tap]) low half first, 0 for the missing odd channel and for rows past CO.
 */
export function qdirect_pack_w(w: usize, CO: i32, kp: i32, cg: i32, taps: i32, rsc: bool, out: usize): void {
  const cs = rsc ? 1 : taps;
  const ts = rsc ? cg : 1;
  const np = ((cg + 1) >> 1) * taps;
  const cb = (CO + 3) >> 2;
  for (let rg = 0; rg < cb; rg++) {
    for (let t = 0; t < np; t++) {
      const c = (t / taps) << 1;
      const tap = t % taps;
      for (let l = 0; l < 4; l++) {
        const co = (rg << 2) + l;
        let v = 0;
        if (co < CO) {
          const row = w + ((<usize>co * <usize>kp) << 1);
          v = <i32>load<i16>(row + (<usize>(c * cs + tap * ts) << 1)) & 0xffff;
          if (c + 1 < cg) v |= <i32>load<i16>(row + (<usize>((c + 1) * cs + tap * ts) << 1)) << 16;
        }
        store<i32>(out + ((<usize>(rg * np + t) << 4) + (<usize>l << 2)), v);
      }
    }
  }
}

/** Bytes of qdirect_pack_w's output. */
export function qdirect_w_bytes(CO: i32, cg: i32, taps: i32): i32 {
  return ((CO + 3) >> 2) * ((cg + 1) >> 1) * taps * 16;
}

/**
 * Stores eight result bytes (word, grid position q first) into output row yr through the map entries
 * a0..a3, b0..b3 of q..q+7 (−1 = dropped column): one 8-byte store when all eight are one run, 4-byte
 * stores for a contiguous half, else byte by byte.
 */
@inline
function store8(
  yr: usize, word: u64, all: bool, fa: bool, fb: bool,
  a0: i32, a1: i32, a2: i32, a3: i32, b0: i32, b1: i32, b2: i32, b3: i32,
): void {
  if (all) {
    store<u64>(yr + <usize>a0, word);
    return;
  }
  if (fa) store<u32>(yr + <usize>a0, <u32>word);
  else {
    if (a0 >= 0) store<u8>(yr + <usize>a0, <u8>word);
    if (a1 >= 0) store<u8>(yr + <usize>a1, <u8>(word >> 8));
    if (a2 >= 0) store<u8>(yr + <usize>a2, <u8>(word >> 16));
    if (a3 >= 0) store<u8>(yr + <usize>a3, <u8>(word >> 24));
  }
  if (fb) store<u32>(yr + <usize>b0, <u32>(word >> 32));
  else {
    if (b0 >= 0) store<u8>(yr + <usize>b0, <u8>(word >> 32));
    if (b1 >= 0) store<u8>(yr + <usize>b1, <u8>(word >> 40));
    if (b2 >= 0) store<u8>(yr + <usize>b2, <u8>(word >> 48));
    if (b3 >= 0) store<u8>(yr + <usize>b3, <u8>(word >> 56));
  }
}

/**
 * y[co][p] = requant(Σ_t w[co][t] · planes[off[t] + q(p)]) for co < CO and output pixels p < P (y is
 * [CO][P] u8): wp from qdirect_pack_w (NP pairs per channel), offs NP byte offsets (conv_offsets over
 * channel pairs), bias (i32) / mult (f32) per channel, map from conv_out_map over N = OH·Wq grid
 * positions. Rows are walked in blocks of WBLOCK_BYTES of weights so a block stays in L1 for all tiles.
 * The accumulators start at the bias; requantization as requant_x16 (`exact` as there). With `stage`
 * (CO·ceil(N/8)·8 bytes) the tiles store whole 8-byte runs into a grid-shaped copy of y instead and the
 * OH rows of OW pixels (grid rows Wq apart) are copied out at the end, map unused: 2–4% faster than the
 * map's scattered stores on ResNet shapes, far more at short reductions.
 */
export function qconv_direct(
  CO: i32, NP: i32, wp: usize, x: usize, offs: usize, bias: usize, mult: usize, zp: i32, lo: f32, hi: f32,
  y: usize, P: i32, N: i32, map: usize, exact: bool, stage: usize, Wq: i32, OW: i32,
): void {
  if (stage == 0) {
    direct_tiles(CO, NP, wp, x, offs, bias, mult, zp, lo, hi, y, P, N, map, exact, false);
    return;
  }
  // tiles store whole 8-byte runs into the grid-shaped stage ([CO][npad]), the rows are copied out after
  const npad = (N + 7) & ~7;
  direct_tiles(CO, NP, wp, x, offs, bias, mult, zp, lo, hi, stage, npad, N, map, exact, true);
  const OH = N / Wq;
  for (let c = 0; c < CO; c++) {
    const src = stage + <usize>c * <usize>npad;
    const dst = y + <usize>c * <usize>P;
    for (let oh = 0; oh < OH; oh++) copy_row(dst + <usize>(oh * OW), src + <usize>(oh * Wq), OW);
  }
}

/**
 * qconv_direct's tiles into y rows of `ldy` bytes: through the map (`staged` false) or at their grid
 * positions (`staged`, a compile-time constant: that variant keeps no map values live in registers).
 */
@inline
function direct_tiles(
  CO: i32, NP: i32, wp: usize, x: usize, offs: usize, bias: usize, mult: usize, zp: i32, lo: f32, hi: f32,
  y: usize, ldy: i32, N: i32, map: usize, exact: bool, staged: bool,
): void {
  const yrow = <usize>ldy;
  const nt = (N + 7) >> 3;
  const cb = (CO + 3) >> 2;
  const wrow = <usize>NP << 4;
  const rb = max(1, WBLOCK_BYTES / (NP << 4));
  const vlo = f32x4.splat(lo);
  const vmz = magic_minus(zp);
  const vqmin = i8x16.splat(<i8>(<i32>lo + zp));
  const vqmax = i8x16.splat(<i8>(<i32>hi + zp));
  for (let r0 = 0; r0 < cb; r0 += rb) {
    const r1 = min(cb, r0 + rb);
    for (let t = 0; t < nt; t++) {
      const xt = x + (<usize>t << 5);
      let a0 = t << 3, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      let fa = true, fb = true, all = true;
      if (!staged) {
        const mt = map + (<usize>t << 5);
        a0 = load<i32>(mt); a1 = load<i32>(mt, 4); a2 = load<i32>(mt, 8); a3 = load<i32>(mt, 12);
        b0 = load<i32>(mt, 16); b1 = load<i32>(mt, 20); b2 = load<i32>(mt, 24); b3 = load<i32>(mt, 28);
        fa = a0 >= 0 && a3 == a0 + 3;
        fb = b0 >= 0 && b3 == b0 + 3;
        all = fa && fb && b0 == a3 + 1;
      }
      for (let r = r0; r < r1; r++) {
        // the accumulators start at the bias (int32 wrap-around is associative: the same as adding it last)
        const c = r << 2;
        const bp = bias + (<usize>c << 2);
        let d00 = v128.load32_splat(bp), d10 = v128.load32_splat(bp, 4);
        let d20 = v128.load32_splat(bp, 8), d30 = v128.load32_splat(bp, 12);
        let d01 = d00, d11 = d10, d21 = d20, d31 = d30;
        let pa = wp + <usize>r * wrow;
        let po = offs;
        for (let k = 0; k < NP; k++) {
          const px = xt + <usize>load<i32>(po);
          const x0 = v128.load(px);
          const x1 = v128.load(px, 16);
          let w = v128.load32_splat(pa);
          d00 = i32x4.add(d00, i32x4.dot_i16x8_s(x0, w));
          d01 = i32x4.add(d01, i32x4.dot_i16x8_s(x1, w));
          w = v128.load32_splat(pa, 4);
          d10 = i32x4.add(d10, i32x4.dot_i16x8_s(x0, w));
          d11 = i32x4.add(d11, i32x4.dot_i16x8_s(x1, w));
          w = v128.load32_splat(pa, 8);
          d20 = i32x4.add(d20, i32x4.dot_i16x8_s(x0, w));
          d21 = i32x4.add(d21, i32x4.dot_i16x8_s(x1, w));
          w = v128.load32_splat(pa, 12);
          d30 = i32x4.add(d30, i32x4.dot_i16x8_s(x0, w));
          d31 = i32x4.add(d31, i32x4.dot_i16x8_s(x1, w));
          pa += 16;
          po += 4;
        }
        // rows past CO are the zero padding of the packed weights: not stored
        const rows = min(4, CO - c);
        const yr = y + <usize>c * yrow;
        const mp = mult + (<usize>c << 2);
        const q01 = requant_x16(d00, d01, d10, d11, v128.load32_splat(mp), v128.load32_splat(mp, 4), vlo, vmz, vqmin, vqmax, exact);
        store8(yr, i64x2.extract_lane(q01, 0), all, fa, fb, a0, a1, a2, a3, b0, b1, b2, b3);
        if (rows > 1) store8(yr + yrow, i64x2.extract_lane(q01, 1), all, fa, fb, a0, a1, a2, a3, b0, b1, b2, b3);
        if (rows > 2) {
          const q23 = requant_x16(d20, d21, d30, d31, v128.load32_splat(mp, 8), v128.load32_splat(mp, 12), vlo, vmz, vqmin, vqmax, exact);
          store8(yr + 2 * yrow, i64x2.extract_lane(q23, 0), all, fa, fb, a0, a1, a2, a3, b0, b1, b2, b3);
          if (rows > 3) store8(yr + 3 * yrow, i64x2.extract_lane(q23, 1), all, fa, fb, a0, a1, a2, a3, b0, b1, b2, b3);
        }
      }
    }
  }
}

/** Copies n bytes (non-overlapping), 16 (or 8, 4) at a time with a last chunk moved back to end at n. */
@inline
function copy_row(dst: usize, src: usize, n: i32): void {
  if (n >= 16) {
    for (let i = 0; i < n; i += 16) {
      if (n - i < 16) i = n - 16;
      v128.store(dst + <usize>i, v128.load(src + <usize>i));
    }
  } else if (n >= 8) {
    store<u64>(dst, load<u64>(src));
    store<u64>(dst + <usize>(n - 8), load<u64>(src + <usize>(n - 8)));
  } else if (n >= 4) {
    store<u32>(dst, load<u32>(src));
    store<u32>(dst + <usize>(n - 4), load<u32>(src + <usize>(n - 4)));
  } else {
    for (let i = 0; i < n; i++) store<u8>(dst + <usize>i, load<u8>(src + <usize>i));
  }
}
