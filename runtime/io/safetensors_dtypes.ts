import type { DType, TypedArray } from '../tensor/dtype.js';

/** The safetensors dtype names fxq reads; F16 is widened to float32 on load. */
export type SafetensorsDType = 'F32' | 'F16' | 'I64' | 'I32' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each safetensors dtype. */
export const ST_ITEMSIZE: Record<SafetensorsDType, number> = { F32: 4, F16: 2, I64: 8, I32: 4, I8: 1, U8: 1, BOOL: 1 };

/** The fxq dtype each safetensors dtype loads as. */
export const ST_TO_DTYPE: Record<SafetensorsDType, DType> = {
  F32: 'float32',
  F16: 'float32',
  I64: 'int64',
  I32: 'int32',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

/** The safetensors dtype each (non-quantized) fxq dtype is saved as. */
export const DTYPE_TO_ST: Partial<Record<DType, SafetensorsDType>> = {
  float32: 'F32',
  int64: 'I64',
  int32: 'I32',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};

export function is_safetensors_dtype(s: unknown): s is SafetensorsDType {
  return typeof s === 'string' && Object.hasOwn(ST_ITEMSIZE, s);
}

const little_endian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE half → float (exact: every half is a float32). */
function half_to_float(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Decodes `n` little-endian elements of `st` from `bytes` (any alignment) into fresh storage.
 * `where` names the file and key for errors (an I64 beyond ±2^53 cannot be held exactly).
 */
export function decode_elements(bytes: Uint8Array, st: SafetensorsDType, n: number, where: string): TypedArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (st) {
    case 'F32': {
      const out = new Float32Array(n);
      if (little_endian) new Uint8Array(out.buffer).set(bytes);
      else for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'I32': {
      const out = new Int32Array(n);
      if (little_endian) new Uint8Array(out.buffer).set(bytes);
      else for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = half_to_float(view.getUint16(2 * i, true));
      return out;
    }
    case 'I64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2n ** 53n || v < -(2n ** 53n)) {
          throw new Error(
            `${where}: I64 element ${i} = ${v} is beyond ±2^53 and cannot be held exactly as int64 (Float64Array)`,
          );
        }
        out[i] = Number(v);
      }
      return out;
    }
    case 'I8':
      return new Int8Array(bytes.slice().buffer, 0, n);
    case 'U8':
    case 'BOOL':
      return bytes.slice();
  }
}

/** Encodes a tensor's storage as little-endian bytes of `st` (I64 elements must be integers). */
export function encode_elements(data: TypedArray, st: SafetensorsDType, where: string): Uint8Array {
  const n = data.length;
  if (st === 'I64') {
    const out = new Uint8Array(8 * n);
    const view = new DataView(out.buffer);
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (!Number.isInteger(v)) throw new Error(`${where}: int64 element ${i} = ${v} is not an integer`);
      view.setBigInt64(8 * i, BigInt(v), true);
    }
    return out;
  }
  if (st === 'F32' || st === 'I32') {
    if (little_endian) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const out = new Uint8Array(4 * n);
    const view = new DataView(out.buffer);
    for (let i = 0; i < n; i++) {
      if (st === 'F32') view.setFloat32(4 * i, data[i], true);
      else view.setInt32(4 * i, data[i], true);
    }
    return out;
  }
  if (st === 'F16') throw new Error(`${where}: writing F16 is not supported (fxq stores float32)`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
