/**
 * The js reference of qnnpack's softargmax (pytorch_qnnp_create_softargmax_nc_q8 + u8rmax + u8lut32norm), what
 * PyTorch 1.13's quantized::softmax runs with the qnnpack engine when the output qparams are (2^-8, 0).
 */
import { rne } from './numerics.js';

/** qnnpack's lookup table: lrint(min(UINT32_MAX / n, 2^23 − 1) · exp((i − 255) · input_scale)) in double. */
export function qnnpack_softargmax_table(n: number, input_scale: number): Uint32Array {
  const s = Math.fround(input_scale);
  if (!(Number.isInteger(n) && n >= 1) || !(s > 0 && Number.isFinite(s)))
    throw new Error(`qnnpack_softargmax_table: n ${n} must be ≥ 1 and the input scale ${input_scale} positive`);
  const qscale = Math.min(4294967295 / n, 8388607);
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) t[i] = rne(qscale * Math.exp((i - 255) * s));
  return t;
}

/** Throws unless the sizes match and the table is qnnpack-shaped (256 entries, the maximum's own ≥ 1). */
export function check_qsoftargmax(
  x: Uint8Array,
  rows: number,
  n: number,
  table: Uint32Array,
  y: Uint8Array | undefined,
  op: string,
): number {
  if (!(Number.isInteger(rows) && rows >= 0 && Number.isInteger(n) && n >= 1))
    throw new Error(`${op}: rows ${rows} and n ${n} must be whole numbers (n ≥ 1)`);
  if (!(x instanceof Uint8Array) || x.length !== rows * n)
    throw new Error(`${op}: x has ${x?.length} elements, expected rows·n = ${rows}·${n}`);
  if (!(table instanceof Uint32Array) || table.length !== 256 || table[255] < 1)
    throw new Error(`${op}: the table must be a Uint32Array of 256 entries with table[255] ≥ 1`);
  if (y && y.length !== rows * n)
    throw new Error(`${op}: output buffer has ${y.length} elements, expected ${rows * n}`);
  return rows * n;
}

/**
 * Per row: M = max, S = Σ t[x + 255 − M], y = min(255, ⌊(t·256 + ⌊S/2⌋) / S⌋), in qnnpack's wrapping uint32
 * arithmetic (a row of n equal maxima can carry S past 2^32 − 1 by rounding: qscale = UINT32_MAX / n rounds up).
 */
export function qsoftargmax(x: Uint8Array, rows: number, n: number, table: Uint32Array, y?: Uint8Array): Uint8Array {
  const len = check_qsoftargmax(x, rows, n, table, y, 'js.qsoftargmax');
  const res = y ?? new Uint8Array(len);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = 0;
    for (let i = 0; i < n; i++) if (x[o + i] > m) m = x[o + i];
    const adj = 255 - m;
    let sum = 0;
    for (let i = 0; i < n; i++) sum = (sum + table[x[o + i] + adj]) >>> 0;
    if (sum === 0) throw new Error(`js.qsoftargmax: row ${r}: the uint32 sum wrapped to 0 (qnnpack divides by it)`);
    const half = sum >>> 1;
    for (let i = 0; i < n; i++) {
      // numerator and S below 2^32: the float64 quotient's floor is exact (the gap to an integer is ≥ 1/S)
      const q = Math.floor(((table[x[o + i] + adj] * 256 + half) >>> 0) / sum);
      res[o + i] = q > 255 ? 255 : q;
    }
  }
  return res;
}
