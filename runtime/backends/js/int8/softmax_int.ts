/**
 * The js reference of the integer softmax (the opt-in int8-attention config, beyond PyTorch; see ../../types.ts
 * QSoftmaxIntParams): exp of the byte distance to the row maximum from a 256-entry table, int32 sums, one
 * integer division per row, a multiply and shift per element. Every intermediate is an integer below 2^53, so
 * doubles hold them exactly.
 */
import type { QSoftmaxIntParams } from '../../types.js';

/** Fixed-point exponent of the exp table (exp_table[0] = 2^15). */
export const SOFTMAX_INT_EXP_BITS = 15;
const ONE = 2 ** SOFTMAX_INT_EXP_BITS;
/** Longest row: n·2^15 must fit int32. */
export const SOFTMAX_INT_MAX_N = 65535;

/** The params for input scale x_scale and output (scale, zero_point); relu-free (qmin 0, qmax 255). */
export function softmax_int_params(x_scale: number, scale: number, zero_point: number): QSoftmaxIntParams {
  if (!(Number.isFinite(x_scale) && x_scale > 0) || !(Number.isFinite(scale) && scale > 0))
    throw new Error(`softmax_int_params: scales ${x_scale}, ${scale} must be positive and finite`);
  const exp_table = new Int32Array(256);
  const s = Math.fround(x_scale);
  for (let k = 0; k < 256; k++) exp_table[k] = Math.round(ONE * Math.exp(-k * s));
  const mult = Math.round(2 ** 16 / Math.fround(scale));
  if (!(mult >= 1 && mult <= 2147483647))
    throw new Error(`softmax_int_params: output scale ${scale} is outside (2^-15, 2^16]: 2^16 / scale must fit int32`);
  return { exp_table, mult, zero_point, qmin: 0, qmax: 255 };
}

/** Throws unless the table, multiplier, clamp and sizes are usable. */
export function check_qsoftmax_int(
  x: Uint8Array,
  rows: number,
  n: number,
  p: QSoftmaxIntParams,
  y: Uint8Array | undefined,
  op: string,
): number {
  if (!(Number.isInteger(rows) && rows >= 0 && Number.isInteger(n) && n >= 1 && n <= SOFTMAX_INT_MAX_N))
    throw new Error(`${op}: rows ${rows} and n ${n} must be whole numbers (1 ≤ n ≤ ${SOFTMAX_INT_MAX_N})`);
  if (!(x instanceof Uint8Array) || x.length !== rows * n)
    throw new Error(`${op}: x has ${x?.length} elements, expected rows·n = ${rows}·${n}`);
  const t = p.exp_table;
  if (
    !(t instanceof Int32Array) ||
    t.length !== 256 ||
    t[0] !== ONE ||
    t.some((v, i) => v < 0 || (i > 0 && v > t[i - 1]))
  )
    throw new Error(
      `${op}: exp_table must be 256 non-increasing int32 values from 2^${SOFTMAX_INT_EXP_BITS} down to ≥ 0`,
    );
  if (!(Number.isInteger(p.mult) && p.mult >= 1 && p.mult <= 2147483647))
    throw new Error(`${op}: mult ${p.mult} must be an integer in 1..2^31−1`);
  const u8 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 255;
  if (![p.zero_point, p.qmin, p.qmax].every(u8) || p.qmin > p.qmax)
    throw new Error(`${op}: zero_point ${p.zero_point}, clamp [${p.qmin}, ${p.qmax}] must lie in 0..255`);
  if (y && y.length !== rows * n)
    throw new Error(`${op}: output buffer has ${y.length} elements, expected ${rows * n}`);
  return rows * n;
}

/** Per row R = ⌊(mult·2^16 + ⌊S/2⌋) / S⌋, then y = clamp(zp + ⌊(e·R + 2^31) / 2^32⌋) per element. */
export function qsoftmax_int(x: Uint8Array, rows: number, n: number, p: QSoftmaxIntParams, y?: Uint8Array): Uint8Array {
  const len = check_qsoftmax_int(x, rows, n, p, y, 'js.qsoftmax_int');
  const res = y ?? new Uint8Array(len);
  const { exp_table: t, mult, zero_point, qmin, qmax } = p;
  const scaled = mult * 65536; // < 2^47
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = 0;
    for (let i = 0; i < n; i++) if (x[o + i] > m) m = x[o + i];
    let sum = 0;
    for (let i = 0; i < n; i++) sum += t[m - x[o + i]];
    // sum ≥ 2^15 (the maximum's own term), so R < 2^32 and e·R < 2^47
    const num = scaled + Math.floor(sum / 2);
    // the float64 quotient can round across an integer (R up to 2^32, the gap to it 1/sum): correct it exactly
    let R = Math.floor(num / sum);
    if (R * sum > num) R--;
    else if ((R + 1) * sum <= num) R++;
    for (let i = 0; i < n; i++) {
      const q = zero_point + Math.floor((t[m - x[o + i]] * R + 2147483648) / 4294967296);
      res[o + i] = q < qmin ? qmin : q > qmax ? qmax : q;
    }
  }
  return res;
}
