/**
 * The js reference of quantized LayerNorm: PyTorch 1.13's quantized_normalize_kernel (QuantizedOpKernels.cpp),
 * the order of its float32 steps kept (see ../../types.ts Int8Kernels.qlayer_norm). Every value of the
 * FmnistViT golden's 9 LayerNorms (230,400) is reproduced.
 */
import type { QInput, QLayerNormParams, QOutput } from '../../types.js';
import { group_stats } from './group_norm.js';
import { check_qinput, check_qoutput, rne } from './numerics.js';

const fround = Math.fround;

/** Throws unless the rows, affine parameters, eps and output are well formed; returns rows·n. */
export function check_qlayer_norm(
  x: QInput,
  p: QLayerNormParams,
  out: QOutput,
  y: Uint8Array | undefined,
  op: string,
): number {
  const { rows, n } = p;
  if (!(Number.isInteger(rows) && rows >= 0 && Number.isInteger(n) && n >= 1))
    throw new Error(`${op}: rows ${rows} and n ${n} must be whole numbers (n ≥ 1)`);
  check_qinput(x, rows * n, `${op}: x has ${x.data.length} elements, expected rows·n = ${rows}·${n}`, op);
  check_qoutput(out, op);
  for (const [name, v] of [
    ['weight', p.weight],
    ['bias', p.bias],
  ] as const)
    if (v !== null && (!(v instanceof Float32Array) || v.length !== n))
      throw new Error(`${op}: ${name} must be a Float32Array of n = ${n} elements or null, got ${v?.length}`);
  if (!(Number.isFinite(p.eps) && p.eps >= 0)) throw new Error(`${op}: eps ${p.eps} must be finite and ≥ 0`);
  if (y && y.length !== rows * n)
    throw new Error(`${op}: output buffer has ${y.length} elements, expected ${rows * n}`);
  return rows * n;
}

/** Per row: integer sums, float32 mean / variance / scale, then the float affine and quantize_val. */
export function qlayer_norm(x: QInput, p: QLayerNormParams, out: QOutput, y?: Uint8Array): Uint8Array {
  const len = check_qlayer_norm(x, p, out, y, 'js.qlayer_norm');
  const res = y ?? new Uint8Array(len);
  const { rows, n, weight, bias, eps } = p;
  const xs = fround(x.scale);
  const xz = x.zero_point;
  const inv = fround(1 / fround(out.scale));
  const { zero_point: zp, qmin, qmax } = out;
  const d = x.data;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    // the statistics GroupNorm / InstanceNorm share (group_norm.ts): integer sums, float32 mean, x_scale / std
    const { mean, inv_std: sc } = group_stats(d, o, n, xs, xz, eps);
    for (let i = 0; i < n; i++) {
      const t = fround(fround(d[o + i] - xz - mean) * sc);
      const g = weight ? fround(t * weight[i]) : t;
      const val = bias ? fround(g + bias[i]) : g;
      const q = zp + rne(fround(val * inv));
      // NaN (a zero-variance row with eps 0) lands at qmin, as torch's vectorized quantize gives 0 then clamps
      res[o + i] = q < qmin || Number.isNaN(q) ? qmin : q > qmax ? qmax : q;
    }
  }
  return res;
}
