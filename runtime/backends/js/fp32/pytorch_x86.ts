/**
 * float32 conv2d and linear that round as PyTorch 1.13 does on an x86 AVX2 CPU (oneDNN 2.6 jit:avx2
 * convolutions, OpenBLAS sgemm for F.linear), so a model calibrated with these kernels feeds its observers
 * the bits PyTorch's observers saw. HistogramObserver's search reacts to the last bit of its input, so this
 * is what makes fxq's activation qparams equal PyTorch's (tests/compiler/quantize_fx_golden_suite.ts).
 *
 * The orders follow oneDNN's jit:avx2 kernels and were confirmed against the goldens (no PyTorch here): with
 * them, and HistogramObserver's torch-exact float32 sums (runtime/quant/cascade_sum.ts), all 14 activation
 * qparams of FmnistResNet and FmnistCNN's conv1/conv2 equal PyTorch's bit for bit, and every int8 node
 * output of the converted FmnistResNet equals the golden. Still approximate: OpenBLAS's sgemm order for
 * F.linear (FmnistCNN's fc1/fc2 scales differ in the 7th digit, their int8 outputs are still exact).
 * Slower than the default kernels: for calibration, not speed.
 * - conv, ≥ 8 input channels per group: acc = bias; for each block of 8 channels: for kh: for kw: for c in
 *   block: acc = fma(x, w, acc)  (jit_avx2_conv_fwd_kernel_f32 on nChw8c data; padded taps are skipped).
 *   1x1 convs (jit_avx2_1x1 after the stride-2 "reduce to unit stride" copy) are the same single chain.
 * - conv, < 8 input channels per group ("flat" kernel): acc = bias; for kh: for kw: for c: fma
 * - linear: acc = Σ_k fl(x·w) in k order (separate multiply and add), then y = bias + acc
 */
import type { Conv2dGeometry } from '../../types.js';
import { conv2d_out_hw } from './conv2d.js';

const f = Math.fround;

/** fl(a·b + c) rounded once, as a hardware fma: the float32 product is exact in float64, so one rounding of
 * the float64 sum to float32 is exact except when that sum is itself a rounded tie, which is resolved here. */
const tie_buf = new Float32Array(1);
const tie_bits = new Int32Array(tie_buf.buffer);
export function fma_f32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f(s);
  // only a float64 sum lying exactly halfway between two floats can have been rounded the wrong way; such
  // a sum is r ± half an ulp, so r + 2(s − r) is a float (the cheap test lets almost every case out here)
  const t = r + 2 * (s - r);
  if (f(t) !== t || r === s) return r;
  return fma_tie(p, c, s, r);
}

function fma_tie(p: number, c: number, s: number, r: number): number {
  const bp = s - p;
  const err = p - (s - bp) + (c - bp);
  if (err === 0) return r;
  tie_buf[0] = r;
  tie_bits[0] += s > r === r >= 0 ? 1 : -1;
  const other = tie_buf[0];
  if (s - r !== other - s) return r;
  return err > 0 === other > r ? other : r;
}

const ONEDNN_IC_BLOCK = 8;

/** NCHW conv2d (+ bias) with oneDNN jit:avx2's summation order and fma rounding. */
export function conv2d_pytorch_x86(
  x: Float32Array,
  g: Conv2dGeometry,
  w: Float32Array,
  bias: Float32Array | null,
  y?: Float32Array,
): Float32Array {
  const [oh, ow] = conv2d_out_hw(g);
  const { batch, in_h: ih, in_w: iw, kernel_h: kh, kernel_w: kw, groups } = g;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const cg = g.in_channels / groups;
  const og = g.out_channels / groups;
  const out = y ?? new Float32Array(batch * g.out_channels * oh * ow);
  const plane = ih * iw;
  const block = Math.min(cg, ONEDNN_IC_BLOCK);
  // one output row at a time, each tap applied across the row: every output still receives its terms in
  // oneDNN's order, and the inner loop is a unit-stride run over the row
  const acc = new Float64Array(ow);
  for (let n = 0; n < batch; n++)
    for (let gi = 0; gi < groups; gi++)
      for (let o = 0; o < og; o++) {
        const oc = gi * og + o;
        const wo = oc * cg * kh * kw;
        const xg = (n * g.in_channels + gi * cg) * plane;
        const b0 = bias ? bias[oc] : 0;
        for (let oy = 0; oy < oh; oy++) {
          const yo = ((n * g.out_channels + oc) * oh + oy) * ow;
          acc.fill(b0);
          for (let c0 = 0; c0 < cg; c0 += block) {
            const c1 = Math.min(cg, c0 + block);
            for (let ky = 0; ky < kh; ky++) {
              const yy = oy * sh - ph + ky * dh;
              if (yy < 0 || yy >= ih) continue;
              for (let kx = 0; kx < kw; kx++) {
                const shift = kx * dw - pw;
                // outputs whose input column ox·sw + shift falls inside the image (padded taps are skipped)
                const lo = Math.max(0, Math.ceil(-shift / sw));
                const hi = Math.min(ow, Math.floor((iw - 1 - shift) / sw) + 1);
                for (let c = c0; c < c1; c++) {
                  const wv = w[wo + (c * kh + ky) * kw + kx];
                  const xr = xg + c * plane + yy * iw + shift;
                  for (let ox = lo; ox < hi; ox++) {
                    const a = acc[ox];
                    const p = x[xr + ox * sw] * wv;
                    const s = p + a;
                    const r = f(s);
                    const t = r + 2 * (s - r);
                    acc[ox] = f(t) !== t || r === s ? r : fma_tie(p, a, s, r);
                  }
                }
              }
            }
          }
          for (let ox = 0; ox < ow; ox++) out[yo + ox] = acc[ox];
        }
      }
  return out;
}

/** y[m, n] = bias[n] + Σ_k fl(x[m, k]·w[n, k]) summed in k order, as F.linear on PyTorch 1.13 x86. */
export function linear_pytorch_x86(
  m: number,
  n: number,
  k: number,
  x: Float32Array,
  w: Float32Array,
  y: Float32Array,
  bias: Float32Array | null,
): void {
  for (let i = 0; i < m; i++) {
    const xo = i * k;
    for (let j = 0; j < n; j++) {
      const wo = j * k;
      let acc = 0;
      for (let t = 0; t < k; t++) acc = f(acc + f(x[xo + t] * w[wo + t]));
      y[i * n + j] = bias ? f(bias[j] + acc) : acc;
    }
  }
}
