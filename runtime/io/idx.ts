/**
 * The IDX format of (Fashion-)MNIST: magic [0, 0, type, ndim], ndim big-endian uint32 sizes, then the
 * elements big-endian, row-major. Input may be gzip-compressed (detected by the gzip magic, not the name).
 * Browser-safe: read_idx / write_idx (file paths) live in node/idx_file.ts.
 */
import type { TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { IDX_TYPES, type IdxHeader, read_idx_header } from './idx_format.js';
import { gunzip_idx } from './idx_gunzip.js';

/**
 * The default cap on the inflated size of a gzip IDX file: 256 MiB, over 5× Fashion-MNIST's 47 MB train
 * images. Inflation stops at the size the header declares, and a header declaring more than the cap is
 * refused before any data is inflated (pass `max_bytes` for larger files).
 */
export const IDX_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/** Options of parse_idx / read_idx. */
export interface IdxOptions {
  /** Cap on the inflated size of gzip input, in bytes (default IDX_MAX_DECOMPRESSED_BYTES). */
  max_bytes?: number;
}

function is_gzip(b: Uint8Array): boolean {
  return b.byteLength >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Parses IDX bytes (raw or gzip); `source` names the file in errors. */
export function parse_idx(bytes: Uint8Array, source = '<buffer>', options: IdxOptions = {}): Tensor {
  const fail = (msg: string): never => {
    throw new Error(`IDX ${source}: ${msg}`);
  };
  if (is_gzip(bytes)) bytes = gunzip_idx(bytes, options.max_bytes ?? IDX_MAX_DECOMPRESSED_BYTES, fail);
  // a Node Buffer's slice() shares memory: view it as a plain Uint8Array so slice() copies
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { type, shape, data_start, total_bytes } = read_idx_header(bytes, fail) as IdxHeader;
  const expected = total_bytes - data_start;
  const have = bytes.byteLength - data_start;
  if (have < expected) fail(`truncated: shape [${shape.join(', ')}] needs ${expected} data bytes, file has ${have}`);
  if (have > expected)
    fail(`${have - expected} trailing bytes after the ${expected} data bytes of shape [${shape.join(', ')}]`);
  const n = expected / type.size;
  let data: TypedArray;
  if (type.dtype === 'uint8') data = bytes.slice(data_start);
  else if (type.dtype === 'int8') data = new Int8Array(bytes.slice(data_start).buffer);
  else {
    // 4-byte elements are big-endian in IDX
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = type.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    const get = type.dtype === 'int32' ? view.getInt32.bind(view) : view.getFloat32.bind(view);
    for (let i = 0; i < n; i++) out[i] = get(data_start + 4 * i, false);
    data = out;
  }
  return new Tensor(data, shape, type.dtype);
}

/** Encodes a uint8/int8/int32/float32 tensor as IDX bytes (uncompressed). */
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
