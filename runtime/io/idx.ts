/**
 * The IDX format of (Fashion-)MNIST: magic [0, 0, type, ndim], ndim big-endian uint32 sizes, then the
 * elements big-endian, row-major. Files may be gzip-compressed (detected by the gzip magic, not the name).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { shape_numel, Tensor } from '../tensor/tensor.js';
import { write_file_atomic } from './atomic.js';

/** IDX element type codes and the dtype each loads as. */
const IDX_TYPES: Record<number, { dtype: DType; size: number; name: string }> = {
  8: { dtype: 'uint8', size: 1, name: 'ubyte' },
  9: { dtype: 'int8', size: 1, name: 'byte' },
  12: { dtype: 'int32', size: 4, name: 'int' },
  13: { dtype: 'float32', size: 4, name: 'float' },
};

function is_gzip(b: Uint8Array): boolean {
  return b.byteLength >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Parses IDX bytes (raw or gzip); `source` names the file in errors. */
export function parse_idx(bytes: Uint8Array, source = '<buffer>'): Tensor {
  const fail = (msg: string): never => {
    throw new Error(`IDX ${source}: ${msg}`);
  };
  if (is_gzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      fail(`gzip stream is corrupt or truncated (${(e as Error).message})`);
    }
  }
  // a Node Buffer's slice() shares memory: view it as a plain Uint8Array so slice() copies
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) fail(`file is ${bytes.byteLength} bytes, too short for the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hex = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
  if (bytes[0] !== 0 || bytes[1] !== 0) fail(`bad magic number 0x${hex}: an IDX file starts with two zero bytes`);
  const type = IDX_TYPES[bytes[2]];
  if (!type)
    fail(`bad magic number 0x${hex}: unsupported element type 0x${bytes[2].toString(16)} (supported: 08, 09, 0c, 0d)`);
  const ndim = bytes[3];
  if (ndim === 0) fail(`bad magic number 0x${hex}: zero dimensions`);
  const data_start = 4 + 4 * ndim;
  if (bytes.byteLength < data_start) fail(`file is ${bytes.byteLength} bytes, too short for ${ndim} dimension sizes`);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const n = shape_numel(shape);
  const expected = n * type.size;
  const have = bytes.byteLength - data_start;
  if (have < expected) fail(`truncated: shape [${shape.join(', ')}] needs ${expected} data bytes, file has ${have}`);
  if (have > expected)
    fail(`${have - expected} trailing bytes after the ${expected} data bytes of shape [${shape.join(', ')}]`);
  let data: TypedArray;
  if (type.dtype === 'uint8') data = bytes.slice(data_start);
  else if (type.dtype === 'int8') data = new Int8Array(bytes.slice(data_start).buffer);
  else {
    // 4-byte elements are big-endian in IDX
    const out = type.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    const get = type.dtype === 'int32' ? view.getInt32.bind(view) : view.getFloat32.bind(view);
    for (let i = 0; i < n; i++) out[i] = get(data_start + 4 * i, false);
    data = out;
  }
  return new Tensor(data, shape, type.dtype);
}

/** Reads an IDX file (raw or .gz) into a tensor with the IDX shape (uint8 for image/label files). */
export function read_idx(path: string): Tensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`IDX ${path}: cannot read file: ${(e as Error).message}`);
  }
  return parse_idx(bytes, path);
}

/** Encodes a uint8/int8/int32/float32 tensor as IDX bytes. */
export function serialize_idx(t: Tensor): Uint8Array {
  const code = Number(Object.keys(IDX_TYPES).find((k) => IDX_TYPES[Number(k)].dtype === t.dtype));
  if (!code || t.is_quantized)
    throw new Error(`write_idx: dtype ${t.dtype} has no IDX element type (use uint8, int8, int32 or float32)`);
  if (t.ndim === 0 || t.ndim > 255)
    throw new Error(`write_idx: IDX needs 1 to 255 dimensions, got shape [${t.shape.join(', ')}]`);
  const size = IDX_TYPES[code].size;
  const start = 4 + 4 * t.ndim;
  const out = new Uint8Array(start + t.numel() * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = t.ndim;
  for (let i = 0; i < t.ndim; i++) view.setUint32(4 + 4 * i, t.shape[i], false);
  const d = t.data;
  if (size === 1) out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), start);
  else if (t.dtype === 'int32') for (let i = 0; i < d.length; i++) view.setInt32(start + 4 * i, d[i], false);
  else for (let i = 0; i < d.length; i++) view.setFloat32(start + 4 * i, d[i], false);
  return out;
}

/** Writes a tensor as an IDX file, gzip-compressed when the path ends in .gz; atomic (temp + rename). */
export function write_idx(t: Tensor, path: string): void {
  const raw = serialize_idx(t);
  write_file_atomic(path, path.endsWith('.gz') ? gzipSync(raw, { level: 9 }) : raw);
}
