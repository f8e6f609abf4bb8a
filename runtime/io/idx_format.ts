/**
 * The IDX header of (Fashion-)MNIST files: magic [0, 0, type, ndim], then ndim big-endian uint32 sizes.
 * Browser-safe. Shared by the parser and the bounded gunzip (which reads it from the first inflated bytes).
 */
import type { DType } from '../tensor/dtype.js';

/** IDX element type codes and the dtype each loads as. */
export const IDX_TYPES: Record<number, { dtype: DType; size: number; name: string }> = {
  8: { dtype: 'uint8', size: 1, name: 'ubyte' },
  9: { dtype: 'int8', size: 1, name: 'byte' },
  12: { dtype: 'int32', size: 4, name: 'int' },
  13: { dtype: 'float32', size: 4, name: 'float' },
};

/** A decoded IDX header: element type, shape, where the data starts and the file size it implies. */
export interface IdxHeader {
  type: { dtype: DType; size: number; name: string };
  shape: number[];
  data_start: number;
  /** data_start + numel × element size; Infinity when that is beyond 2^53. */
  total_bytes: number;
}

/**
 * Decodes the header at the start of `bytes`, or returns the byte count needed to decode it when
 * `bytes` is shorter (`partial` true; with `partial` false a short input is an error).
 */
export function read_idx_header(bytes: Uint8Array, fail: (msg: string) => never, partial = false): IdxHeader | number {
  if (bytes.byteLength < 4) {
    if (partial) return 4;
    fail(`file is ${bytes.byteLength} bytes, too short for the 4-byte magic number`);
  }
  const hex = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
  if (bytes[0] !== 0 || bytes[1] !== 0) fail(`bad magic number 0x${hex}: an IDX file starts with two zero bytes`);
  const type = Object.hasOwn(IDX_TYPES, bytes[2]) ? IDX_TYPES[bytes[2]] : undefined;
  if (!type)
    fail(`bad magic number 0x${hex}: unsupported element type 0x${bytes[2].toString(16)} (supported: 08, 09, 0c, 0d)`);
  const ndim = bytes[3];
  if (ndim === 0) fail(`bad magic number 0x${hex}: zero dimensions`);
  const data_start = 4 + 4 * ndim;
  if (bytes.byteLength < data_start) {
    if (partial) return data_start;
    fail(`file is ${bytes.byteLength} bytes, too short for ${ndim} dimension sizes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  let data_bytes = (type as IdxHeader['type']).size;
  for (const d of shape) data_bytes *= d;
  const total = data_start + data_bytes;
  return {
    type: type as IdxHeader['type'],
    shape,
    data_start,
    total_bytes: Number.isSafeInteger(total) ? total : Infinity,
  };
}
