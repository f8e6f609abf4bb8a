/**
 * The js reference of the int8 elementwise kernels (the wasm backend's assembly/qelementwise.ts must agree bit
 * for bit): an integer clamp (relu, relu6, hardtanh), a 256-entry table per byte (hardswish, hardsigmoid, sigmoid,
 * tanh, cat's requantization), torch's qmul, and cat's strided copies.
 */
import type { QCatPart, QMulParams } from '../../types.js';
import { rne } from './numerics.js';

const fround = Math.fround;

function check_out(y: Uint8Array | undefined, n: number, op: string): Uint8Array {
  if (y && y.length !== n) throw new Error(`${op}: output buffer has ${y.length} elements, expected ${n}`);
  return y ?? new Uint8Array(n);
}

/** Throws unless 0 ≤ lo ≤ hi ≤ 255 are integers. */
export function check_qclamp(lo: number, hi: number, op: string): void {
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && 0 <= lo && lo <= hi && hi <= 255))
    throw new Error(`${op}: clamp bounds [${lo}, ${hi}] must be integers with 0 ≤ lo ≤ hi ≤ 255`);
}

/** y[i] = min(max(x[i], lo), hi). */
export function qclamp(x: Uint8Array, lo: number, hi: number, y?: Uint8Array): Uint8Array {
  check_qclamp(lo, hi, 'js.qclamp');
  const out = check_out(y, x.length, 'js.qclamp');
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}

/** Throws unless `lut` has 256 entries. */
export function check_lut(lut: Uint8Array, op: string): void {
  if (!(lut instanceof Uint8Array) || lut.length !== 256)
    throw new Error(`${op}: the table must be a Uint8Array of 256 entries, got ${lut?.length}`);
}

/** y[i] = lut[x[i]]. */
export function qlut(x: Uint8Array, lut: Uint8Array, y?: Uint8Array): Uint8Array {
  check_lut(lut, 'js.qlut');
  const out = check_out(y, x.length, 'js.qlut');
  for (let i = 0; i < x.length; i++) out[i] = lut[x[i]];
  return out;
}

/** Throws unless the operands match and the params are in range. */
export function check_qmul(a: Uint8Array, b: Uint8Array, p: QMulParams, op: string): void {
  if (a.length !== b.length)
    throw new Error(`${op}: inputs have ${a.length} and ${b.length} elements; they must match`);
  const u8 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 255;
  if (![p.a_zero_point, p.b_zero_point, p.zero_point, p.qmin, p.qmax].every(u8) || p.qmin > p.qmax)
    throw new Error(
      `${op}: zero points ${p.a_zero_point}, ${p.b_zero_point}, ${p.zero_point} and clamp [${p.qmin}, ${p.qmax}] must lie in 0..255`,
    );
  if (!(Number.isFinite(p.mult) && p.mult === fround(p.mult)))
    throw new Error(`${op}: multiplier ${p.mult} must be a finite float32`);
}

/** torch's qmul: y = clamp(zp + rne(f32((a − za)·(b − zb) · mult)), qmin, qmax). */
export function qmul(a: Uint8Array, b: Uint8Array, p: QMulParams, y?: Uint8Array): Uint8Array {
  check_qmul(a, b, p, 'js.qmul');
  const out = check_out(y, a.length, 'js.qmul');
  const { a_zero_point: za, b_zero_point: zb, mult, zero_point, qmin, qmax } = p;
  for (let i = 0; i < a.length; i++) {
    const q = zero_point + rne(fround((a[i] - za) * (b[i] - zb) * mult));
    out[i] = q < qmin ? qmin : q > qmax ? qmax : q;
  }
  return out;
}

/** Throws unless every part holds outer·len bytes and y (if given) outer·Σ len. */
export function check_qcat(parts: readonly QCatPart[], outer: number, y: Uint8Array | undefined, op: string): number {
  if (!Number.isInteger(outer) || outer < 0) throw new Error(`${op}: outer ${outer} must be a whole number`);
  let row = 0;
  parts.forEach((p, i) => {
    if (!Number.isInteger(p.len) || p.len < 0 || p.data.length !== outer * p.len)
      throw new Error(`${op}: part ${i} has ${p.data.length} bytes, expected ${outer} × ${p.len}`);
    if (p.lut) check_lut(p.lut, `${op} (part ${i})`);
    row += p.len;
  });
  if (y && y.length !== outer * row)
    throw new Error(`${op}: output buffer has ${y.length} elements, expected ${outer * row}`);
  return row;
}

/** Concatenation: row o of the output is part 0's row o, then part 1's, …, each through its table when it has one. */
export function qcat(parts: readonly QCatPart[], outer: number, y?: Uint8Array): Uint8Array {
  const row = check_qcat(parts, outer, y, 'js.qcat');
  const out = y ?? new Uint8Array(outer * row);
  let offset = 0;
  for (const { data, len, lut } of parts) {
    for (let o = 0; o < outer; o++) {
      const src = o * len;
      const dst = o * row + offset;
      if (lut) for (let j = 0; j < len; j++) out[dst + j] = lut[data[src + j]];
      else out.set(data.subarray(src, src + len), dst);
    }
    offset += len;
  }
  return out;
}
