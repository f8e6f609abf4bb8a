/**
 * The js reference of the softmax float island: dequantize a row of quint8 values, torch.softmax's float32 order
 * on the FmnistViT reference over it (fp32/pytorch_x86_zen5.ts: ATen's AVX2 _vec_softmax_lastdim, Sleef's expf),
 * quantize_val at the output qparams.
 */

import type { QInput, QOutput } from '../../types.js';
import { softmax_lastdim_pytorch_x86_zen5 } from '../fp32/pytorch_x86_zen5.js';
import { check_qinput, check_qoutput, rne } from './numerics.js';

const fround = Math.fround;

/** Throws unless rows × n matches x and the output is well formed; returns rows·n. */
export function check_qsoftmax(
  x: QInput,
  rows: number,
  n: number,
  out: QOutput,
  y: Uint8Array | undefined,
  op: string,
): number {
  if (!(Number.isInteger(rows) && rows >= 0 && Number.isInteger(n) && n >= 1))
    throw new Error(`${op}: rows ${rows} and n ${n} must be whole numbers (n ≥ 1)`);
  check_qinput(x, rows * n, `${op}: x has ${x.data.length} elements, expected rows·n = ${rows}·${n}`, op);
  check_qoutput(out, op);
  if (y && y.length !== rows * n)
    throw new Error(`${op}: output buffer has ${y.length} elements, expected ${rows * n}`);
  return rows * n;
}

/** Row-wise dequantize → softmax → quantize. */
export function qsoftmax(x: QInput, rows: number, n: number, out: QOutput, y?: Uint8Array): Uint8Array {
  const len = check_qsoftmax(x, rows, n, out, y, 'js.qsoftmax');
  const res = y ?? new Uint8Array(len);
  const s = fround(x.scale);
  const z = x.zero_point;
  const inv = fround(1 / fround(out.scale));
  const { zero_point: zp, qmin, qmax } = out;
  const row = new Float32Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let i = 0; i < n; i++) row[i] = (x.data[o + i] - z) * s;
    softmax_lastdim_pytorch_x86_zen5(row, 1, n, row);
    for (let i = 0; i < n; i++) {
      const q = zp + rne(fround(row[i] * inv));
      // NaN (a zero-variance row with eps 0) lands at qmin, as torch's vectorized quantize gives 0 then clamps
      res[o + i] = q < qmin || Number.isNaN(q) ? qmin : q > qmax ? qmax : q;
    }
  }
  return res;
}
