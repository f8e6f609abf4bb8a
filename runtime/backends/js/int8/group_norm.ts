/**
 * The js reference of quantized GroupNorm / InstanceNorm: PyTorch 1.13's quantized_normalize_kernel
 * (QuantizedOpKernels.cpp) on its per-channel-affine path, the order of its float32 steps kept (see
 * ../../types.ts Int8Kernels.qgroup_norm). The group statistics are the ones its LayerNorm path uses too.
 */
import type { QGroupNormParams, QInput, QOutput } from '../../types.js';
import { check_qinput, check_qoutput, rne } from './numerics.js';

const fround = Math.fround;

/** Throws unless the sizes, affine parameters, eps and output are well formed; returns the element count. */
export function check_qgroup_norm(
  x: QInput,
  p: QGroupNormParams,
  out: QOutput,
  y: Uint8Array | undefined,
  op: string,
): number {
  const { batch, channels, groups, spatial } = p;
  for (const [k, v] of [
    ['batch', batch],
    ['channels', channels],
    ['groups', groups],
    ['spatial', spatial],
  ] as const)
    if (!(Number.isInteger(v) && v >= (k === 'batch' ? 0 : 1)))
      throw new Error(`${op}: ${k} ${v} must be a whole number${k === 'batch' ? '' : ' ≥ 1'}`);
  if (channels % groups) throw new Error(`${op}: channels ${channels} are not divisible by groups ${groups}`);
  const len = batch * channels * spatial;
  check_qinput(x, len, `${op}: x has ${x.data.length} elements, expected ${batch}·${channels}·${spatial}`, op);
  check_qoutput(out, op);
  for (const [name, v] of [
    ['weight', p.weight],
    ['bias', p.bias],
  ] as const)
    if (v !== null && (!(v instanceof Float32Array) || v.length !== channels))
      throw new Error(`${op}: ${name} must be a Float32Array of ${channels} elements or null, got ${v?.length}`);
  if (!(Number.isFinite(p.eps) && p.eps >= 0)) throw new Error(`${op}: eps ${p.eps} must be finite and ≥ 0`);
  if (y && y.length !== len) throw new Error(`${op}: output buffer has ${y.length} elements, expected ${len}`);
  return len;
}

/**
 * torch's statistics of n quint8 values at d[o..o+n): [mean / x_scale, x_scale / std] in float32, from the
 * integer sums of x and x² (exact in float64 for any typed-array length).
 */
export function group_stats(d: Uint8Array, o: number, n: number, x_scale: number, x_zp: number, eps: number) {
  let s = 0;
  let ss = 0;
  for (let i = o; i < o + n; i++) {
    const v = d[i];
    s += v;
    ss += v * v;
  }
  const nf = fround(n);
  const m = fround(fround(s) / nf);
  const mean = fround(m - x_zp);
  const v0 = fround(fround(fround(ss) / nf) - fround(m * m));
  const variance = v0 > 0 ? v0 : 0;
  // the variance product is float32, then + eps and sqrt in double (eps is a double), the ratio rounded to float
  const xs = fround(x_scale);
  const inv_std = fround(xs / Math.sqrt(fround(fround(variance * xs) * xs) + eps));
  return { mean, inv_std };
}

/** quantize_val at (inv, zp) clamped to [qmin, qmax]; NaN gives qmin, as the AVX2 conversion's INT_MIN does. */
export function quantize_clamped(v: number, inv: number, zp: number, qmin: number, qmax: number): number {
  const q = zp + rne(fround(v * inv));
  // biome-ignore lint/suspicious/noSelfCompare: the NaN test
  return q !== q || q < qmin ? qmin : q > qmax ? qmax : q;
}

/** Per group: the statistics; per channel of the group: the premultiplied weight, then affine and quantize. */
export function qgroup_norm(x: QInput, p: QGroupNormParams, out: QOutput, y?: Uint8Array): Uint8Array {
  const len = check_qgroup_norm(x, p, out, y, 'js.qgroup_norm');
  const res = y ?? new Uint8Array(len);
  const { batch, channels, groups, spatial, weight, bias, eps } = p;
  const cpg = channels / groups;
  const n = cpg * spatial;
  const xz = x.zero_point;
  const inv = fround(1 / fround(out.scale));
  const { zero_point: zp, qmin, qmax } = out;
  const d = x.data;
  for (let g = 0; g < batch * groups; g++) {
    const o = g * n;
    const { mean, inv_std } = group_stats(d, o, n, x.scale, xz, eps);
    for (let c = 0; c < cpg; c++) {
      const ch = (g * cpg + c) % channels;
      const gp = weight ? fround(inv_std * weight[ch]) : inv_std;
      const b = bias ? bias[ch] : 0;
      for (let i = o + c * spatial; i < o + (c + 1) * spatial; i++) {
        const v = fround(fround(fround(d[i] - xz - mean) * gp) + b);
        res[i] = quantize_clamped(v, inv, zp, qmin, qmax);
      }
    }
  }
  return res;
}
