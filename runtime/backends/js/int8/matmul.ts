/**
 * The js reference of the batched quint8 matmul (torch.ops.quantized.matmul): int32 dot products of the
 * zero-point-shifted operands, requantized as qlinear does (see ../../types.ts Int8Kernels.qmatmul).
 */
import type { QInput, QMatmulGeometry, QOutput } from '../../types.js';
import { check_qinput, check_qoutput, requant_multipliers, requantize } from './numerics.js';

const I32_MAX = 2147483647;

/** Throws unless the geometry, operands and output are well formed; returns the output length. */
export function check_qmatmul(
  a: QInput,
  b: QInput,
  g: QMatmulGeometry,
  out: QOutput,
  y: Uint8Array | undefined,
  op: string,
): number {
  const { batch, m, k, n } = g;
  if (![batch, m, k, n].every((v) => Number.isInteger(v) && v >= 0))
    throw new Error(`${op}: batch ${batch}, m ${m}, k ${k}, n ${n} must be whole numbers`);
  if (k * 255 * 255 > I32_MAX)
    throw new Error(`${op}: reduction length k = ${k} overflows the int32 accumulator (k must be ≤ 33025)`);
  const geo = `[${batch}, ${m}, ${k}] × [${batch}, ${k}, ${n}]`;
  check_qinput(a, batch * m * k, `${op}: a has ${a.data.length} elements, expected ${geo}`, op);
  check_qinput(b, batch * k * n, `${op}: b has ${b.data.length} elements, expected ${geo}`, op);
  check_qoutput(out, op);
  const len = batch * m * n;
  if (y && y.length !== len) throw new Error(`${op}: output buffer has ${y.length} elements, expected ${len}`);
  return len;
}

/** y[bt, i, j] = requant(Σ_k (a[bt, i, k] − a_zp)(b[bt, k, j] − b_zp)). */
export function qmatmul(a: QInput, b: QInput, g: QMatmulGeometry, out: QOutput, y?: Uint8Array): Uint8Array {
  const len = check_qmatmul(a, b, g, out, y, 'js.qmatmul');
  const res = y ?? new Uint8Array(len);
  const { batch, m, k, n } = g;
  const mult = requant_multipliers(a.scale, Float32Array.of(b.scale), out.scale, 'js.qmatmul')[0];
  const az = a.zero_point;
  const bz = b.zero_point;
  // b's columns as zero-point-shifted rows, once per batch entry, so the dot product runs along unit strides
  const bt = new Int32Array(n * k);
  const ar = new Int32Array(k);
  for (let s = 0; s < batch; s++) {
    const bo = s * k * n;
    for (let kk = 0; kk < k; kk++) for (let j = 0; j < n; j++) bt[j * k + kk] = b.data[bo + kk * n + j] - bz;
    for (let i = 0; i < m; i++) {
      const ao = (s * m + i) * k;
      for (let kk = 0; kk < k; kk++) ar[kk] = a.data[ao + kk] - az;
      const yo = (s * m + i) * n;
      for (let j = 0; j < n; j++) {
        let acc = 0;
        const bj = j * k;
        for (let kk = 0; kk < k; kk++) acc += ar[kk] * bt[bj + kk];
        res[yo + j] = requantize(acc, mult, out);
      }
    }
  }
  return res;
}
