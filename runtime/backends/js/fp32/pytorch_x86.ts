/**
 * float32 conv2d and linear that round as PyTorch 1.13 does on an x86 AVX2 CPU (oneDNN 2.6 jit:avx2
 * convolutions, OpenBLAS sgemm for F.linear), so a model calibrated with these kernels feeds its observers
 * the bits PyTorch's observers saw. HistogramObserver's search reacts to the last bit of its input, so this
 * is what makes fxq's activation qparams equal PyTorch's (tests/compiler/quantize_fx_golden_suite.ts).
 *
 * The orders follow oneDNN's jit:avx2 kernels and OpenBLAS 0.3.21's sgemm driver and ZEN kernel, and were
 * confirmed against the goldens (no PyTorch here): with them, and HistogramObserver's torch-exact float32 sums
 * (cascade_sum.ts), all 14 activation qparams of FmnistResNet and those of FmnistCNN (conv1,
 * conv2, fc1, fc2) equal PyTorch's bit for bit, and every int8 node output of the converted FmnistResNet
 * equals the golden. Slower than the default kernels: for calibration, not speed.
 * - conv, ≥ 8 input channels per group: acc = bias; for each block of 8 channels: for kh: for kw: for c in
 *   block: acc = fma(x, w, acc)  (jit_avx2_conv_fwd_kernel_f32 on nChw8c data; padded taps are skipped).
 *   1x1 convs (jit_avx2_1x1 after the stride-2 "reduce to unit stride" copy) are the same single chain.
 * - conv, < 8 input channels per group ("flat" kernel): acc = bias; for kh: for kw: for c: fma
 * - linear (openblas_sgemm.ts; addmm → OpenBLAS sgemm, C preset to the bias): m·n·k ≤ 100³: r = Σ_k fl(x·w)
 *   in k order (separate multiply and add), y = fl(bias + r); larger: for each K step of 320 (a rest above
 *   320 halved):
 *   C = fl(C + fma chain over the step), or fl(C + fl(even-k chain + odd-k chain)) for the elements that
 *   OpenBLAS's 2-thread partition sends to its two-accumulator m8n4 / m8n6 micro-kernels (sgemm_two_acc).
 */
import type { Conv2dGeometry } from '../../types.js';
import { conv2d_out_hw } from './conv2d.js';
import { fma_tie } from './fma.js';

export { fma_f32 } from './fma.js';
export { linear_pytorch_x86 } from './openblas_sgemm.js';

const f = Math.fround;

const ONEDNN_IC_BLOCK = 8;

/**
 * NCHW conv2d (+ bias) with oneDNN jit:avx2's summation order and fma rounding. `bias_last`: oneDNN's
 * jit:avx512_core kernel (the ViT reference, Zen 5), which starts the chain at 0 and adds the bias when it
 * stores the output (modeled for its 1st-layer "flat" kernel, < 8 input channels).
 */
export function conv2d_pytorch_x86(
  x: Float32Array,
  g: Conv2dGeometry,
  w: Float32Array,
  bias: Float32Array | null,
  y?: Float32Array,
  bias_last = false,
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
        const b0 = bias && !bias_last ? bias[oc] : 0;
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
          if (bias_last && bias) for (let ox = 0; ox < ow; ox++) out[yo + ox] = f(acc[ox] + bias[oc]);
          else for (let ox = 0; ox < ow; ox++) out[yo + ox] = acc[ox];
        }
      }
  return out;
}
