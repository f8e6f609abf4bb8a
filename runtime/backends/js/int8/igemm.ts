/**
 * The js backend's int8 GEMM: acc[r, c − n0] = Σ_j a[r, j]·w[c, j] (+ bias_q[c]), in wrapping int32.
 *
 * Both operands are packed into 4-row panels stored k-major (4 values per k; the weight's once, cached per
 * packed weight), and a 4×4 register block walks the two panels with unit stride: 16 multiply-adds per 8
 * loads, where a row-times-rows loop does 4 per 5. The products (|a|, |w| ≤ 255) and their sums stay exact in V8's doubles far past int32 (k is
 * bounded at pack time), so storing the sum into an Int32Array wraps it exactly as per-step int32 would.
 */

const R = 4;

// scratch panels for the activations, reused across calls (single-threaded, never re-entered)
let a_pack: Int32Array = new Int32Array(0);
// weight panels per packed weight and row range [n0, n1): packed weights never change, so pack them once
const w_panels = new WeakMap<Int32Array, Map<string, Int32Array>>();

function weight_panels(w: Int32Array, k: number, n0: number, nn: number): Int32Array {
  let by_range = w_panels.get(w);
  if (!by_range) {
    by_range = new Map();
    w_panels.set(w, by_range);
  }
  const key = `${n0}:${nn}:${k}`;
  let panels = by_range.get(key);
  if (!panels) {
    panels = new Int32Array(Math.ceil(nn / R) * R * k);
    pack_panels(w, k, n0, nn, panels);
    by_range.set(key, panels);
  }
  return panels;
}

function grow(buf: Int32Array, n: number): Int32Array {
  return buf.length >= n ? buf : new Int32Array(Math.max(n, buf.length * 2));
}

/** Packs rows [r0, r0 + rows) of the row-major [·, k] matrix `src` into 4-row k-major panels (zero-padded). */
function pack_panels(src: Int32Array, k: number, r0: number, rows: number, dst: Int32Array): void {
  let o = 0;
  for (let rb = 0; rb < rows; rb += R) {
    const live = Math.min(R, rows - rb);
    const p0 = (r0 + rb) * k;
    if (live === R) {
      const p1 = p0 + k;
      const p2 = p1 + k;
      const p3 = p2 + k;
      for (let j = 0; j < k; j++, o += R) {
        dst[o] = src[p0 + j];
        dst[o + 1] = src[p1 + j];
        dst[o + 2] = src[p2 + j];
        dst[o + 3] = src[p3 + j];
      }
    } else {
      for (let j = 0; j < k; j++, o += R) for (let t = 0; t < R; t++) dst[o + t] = t < live ? src[p0 + t * k + j] : 0;
    }
  }
}

/** Panels for an m × k operand (4-row, k-major, zero-padded): a scratch buffer reused across calls. */
export function a_panels(m: number, k: number): Int32Array {
  a_pack = grow(a_pack, Math.ceil(m / R) * R * k);
  return a_pack;
}

/** Index of element (row, j) of an operand packed by `a_panels` (4-row panels, k-major). */
export function panel_index(row: number, j: number, k: number): number {
  return (row >> 2) * (k << 2) + (j << 2) + (row & 3);
}

/**
 * acc[r·(n1 − n0) + (c − n0)] = Σ_j a[r·k + j]·w[c·k + j] (+ bias_q[c]) for r < m, n0 ≤ c < n1 (`a` already
 * zero-point shifted, `w` the packed weight's (w − w_zp) rows).
 */
export function igemm(
  a: Int32Array,
  m: number,
  k: number,
  w: Int32Array,
  n0: number,
  n1: number,
  bias_q: Int32Array | null,
  acc: Int32Array,
): void {
  const ap = a_panels(m, k);
  pack_panels(a, k, 0, m, ap);
  igemm_panels(ap, m, k, w, n0, n1, bias_q, acc);
}

/** igemm with `ap` already in panel layout (from a_panels, e.g. written directly by a conv's im2col). */
export function igemm_panels(
  ap: Int32Array,
  m: number,
  k: number,
  w: Int32Array,
  n0: number,
  n1: number,
  bias_q: Int32Array | null,
  acc: Int32Array,
): void {
  const nn = n1 - n0;
  const wp = weight_panels(w, k, n0, nn);
  for (let cb = 0; cb < nn; cb += R) {
    const wo = cb * k;
    const cols = Math.min(R, nn - cb);
    const b0 = bias_q && cols > 0 ? bias_q[n0 + cb] : 0;
    const b1 = bias_q && cols > 1 ? bias_q[n0 + cb + 1] : 0;
    const b2 = bias_q && cols > 2 ? bias_q[n0 + cb + 2] : 0;
    const b3 = bias_q && cols > 3 ? bias_q[n0 + cb + 3] : 0;
    const m_full = m - (m % R);
    for (let rb = 0; rb < m_full; rb += R) {
      let s00 = b0,
        s01 = b1,
        s02 = b2,
        s03 = b3;
      let s10 = b0,
        s11 = b1,
        s12 = b2,
        s13 = b3;
      let s20 = b0,
        s21 = b1,
        s22 = b2,
        s23 = b3;
      let s30 = b0,
        s31 = b1,
        s32 = b2,
        s33 = b3;
      let pa = rb * k;
      let pw = wo;
      for (let j = 0; j < k; j++, pa += R, pw += R) {
        const a0 = ap[pa];
        const a1 = ap[pa + 1];
        const a2 = ap[pa + 2];
        const a3 = ap[pa + 3];
        const w0 = wp[pw];
        const w1 = wp[pw + 1];
        const w2 = wp[pw + 2];
        const w3 = wp[pw + 3];
        s00 += a0 * w0;
        s01 += a0 * w1;
        s02 += a0 * w2;
        s03 += a0 * w3;
        s10 += a1 * w0;
        s11 += a1 * w1;
        s12 += a1 * w2;
        s13 += a1 * w3;
        s20 += a2 * w0;
        s21 += a2 * w1;
        s22 += a2 * w2;
        s23 += a2 * w3;
        s30 += a3 * w0;
        s31 += a3 * w1;
        s32 += a3 * w2;
        s33 += a3 * w3;
      }
      const o = rb * nn + cb;
      if (cols === R) {
        acc[o] = s00;
        acc[o + 1] = s01;
        acc[o + 2] = s02;
        acc[o + 3] = s03;
        acc[o + nn] = s10;
        acc[o + nn + 1] = s11;
        acc[o + nn + 2] = s12;
        acc[o + nn + 3] = s13;
        acc[o + 2 * nn] = s20;
        acc[o + 2 * nn + 1] = s21;
        acc[o + 2 * nn + 2] = s22;
        acc[o + 2 * nn + 3] = s23;
        acc[o + 3 * nn] = s30;
        acc[o + 3 * nn + 1] = s31;
        acc[o + 3 * nn + 2] = s32;
        acc[o + 3 * nn + 3] = s33;
      } else {
        const sums = [s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33];
        for (let r = 0; r < R; r++) for (let c = 0; c < cols; c++) acc[o + r * nn + c] = sums[r * R + c];
      }
    }
    // the last m mod 4 rows one at a time (a padded 4×4 block would spend up to 4× the work, e.g. batch-1 Linear)
    for (let r = m_full; r < m; r++) {
      let s0 = b0;
      let s1 = b1;
      let s2 = b2;
      let s3 = b3;
      let pa = (r >> 2) * (k << 2) + (r & 3);
      let pw = wo;
      for (let j = 0; j < k; j++, pa += R, pw += R) {
        const av = ap[pa];
        s0 += av * wp[pw];
        s1 += av * wp[pw + 1];
        s2 += av * wp[pw + 2];
        s3 += av * wp[pw + 3];
      }
      const o = r * nn + cb;
      acc[o] = s0;
      if (cols > 1) acc[o + 1] = s1;
      if (cols > 2) acc[o + 2] = s2;
      if (cols > 3) acc[o + 3] = s3;
    }
  }
}
