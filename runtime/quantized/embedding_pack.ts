/**
 * Row-wise weight-only quantization of embedding tables as torch 1.13 does it: quantize_per_channel with float
 * qparams (quantize_val_float_qparams: q = lrintf(x · (1 / scale) + zero_point), clamped to 0..qmax) and
 * embedding_bag_prepack's fused rows — the values (8-bit bytes, or 4-bit nibbles low first), then per row the
 * scale and the bias = −(zero_point · scale), as float32 for 8 bits and float16 for 4 bits.
 */
import { packed_row_bytes } from '../backends/js/int8/embedding_bag.js';
import { rne } from '../backends/js/int8/numerics.js';

const fround = Math.fround;

/** IEEE half-precision bits of `v`, rounded to nearest even (c10::Half's conversion), ±∞ past the range. */
export function f16_bits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === 0) return sign;
  // 65520 is halfway between 65504 (the largest half) and 2^16: ties to even go up, to infinity
  if (a >= 65520) return sign | 0x7c00;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (Math.max(e, -14) - 10);
  const m = rne(a / ulp); // the value in units of the last place: exact, then one rounding
  if (e < -14) return sign | m; // subnormal (m may reach 1024: the smallest normal, same bits)
  // m in 1024..2048; 2048 carries into the next binade
  const [mm, ee] = m === 2048 ? [1024, e + 1] : [m, e];
  if (ee > 15) return sign | 0x7c00;
  return sign | ((ee + 15) << 10) | (mm - 1024);
}

/** torch's quantize_val_float_qparams for each row of `w` [rows, dim]: one value 0..qmax per element. */
export function quantize_rows(
  w: Float32Array,
  rows: number,
  dim: number,
  scales: Float32Array,
  zero_points: Float32Array,
  qmax: number,
): Uint8Array {
  const q = new Uint8Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const s = fround(scales[r]);
    const inv = s === 0 ? 1 : fround(1 / s);
    const zp = fround(zero_points[r]);
    for (let j = 0; j < dim; j++) {
      const v = rne(fround(fround(w[r * dim + j] * inv) + zp));
      q[r * dim + j] = v < 0 ? 0 : v > qmax ? qmax : v;
    }
  }
  return q;
}

/** embedding_bag_prepack: the fused table of `q` (one value per element) with each row's scale and bias. */
export function prepack_rows(
  q: Uint8Array,
  rows: number,
  dim: number,
  scales: Float32Array,
  zero_points: Float32Array,
  bits: 8 | 4,
): Uint8Array {
  if (bits === 4 && dim % 2) throw new Error(`embedding_bag_prepack: a 4-bit table needs an even dim, got ${dim}`);
  const rb = packed_row_bytes(dim, bits);
  const out = new Uint8Array(rows * rb);
  const view = new DataView(out.buffer);
  for (let r = 0; r < rows; r++) {
    const o = r * rb;
    if (bits === 8) out.set(q.subarray(r * dim, (r + 1) * dim), o);
    else for (let j = 0; j < dim; j += 2) out[o + j / 2] = (q[r * dim + j] & 15) | ((q[r * dim + j + 1] & 15) << 4);
    const scale = fround(scales[r]);
    const bias = -fround(fround(zero_points[r]) * scale);
    const at = o + (bits === 8 ? dim : dim / 2);
    if (bits === 8) {
      view.setFloat32(at, scale, true);
      view.setFloat32(at + 4, bias, true);
    } else {
      view.setUint16(at, f16_bits(scale), true);
      view.setUint16(at + 2, f16_bits(bias), true);
    }
  }
  return out;
}

/**
 * torch's quantize → dequantize of a table with row-wise float qparams (the reference nn.Embedding's weight):
 * x̂ = f32(f32(q − zero_point) · scale) with q from quantize_rows.
 */
export function fake_quantize_rows(
  w: Float32Array,
  rows: number,
  dim: number,
  scales: Float32Array,
  zero_points: Float32Array,
  qmax: number,
): Float32Array {
  const q = quantize_rows(w, rows, dim, scales, zero_points, qmax);
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < dim; j++) out[r * dim + j] = fround(fround(q[r * dim + j] - zero_points[r]) * scales[r]);
  return out;
}
