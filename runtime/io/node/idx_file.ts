/** IDX files from and to paths (Node only; the byte-level format is in ../idx.ts). */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Tensor } from '../../tensor/tensor.js';
import { IDX_MAX_DECOMPRESSED_BYTES, type IdxOptions, parse_idx, serialize_idx } from '../idx.js';
import { gunzip_idx_header } from '../idx_gunzip.js';
import { write_file_atomic } from './atomic.js';

/**
 * The IDX bytes of a file, inflated when it is gzip: the header is read from the first inflated bytes
 * (a header over `max_bytes` is refused there), then node:zlib inflates with its output capped at the size
 * the header declares, so a decompression bomb stops at that size. Errors name the file.
 */
export function read_idx_bytes(path: string, options: IdxOptions = {}): Uint8Array {
  const fail = (msg: string): never => {
    throw new Error(`IDX ${path}: ${msg}`);
  };
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return fail(`cannot read file: ${(e as Error).message}`);
  }
  if (bytes.byteLength < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const header = gunzip_idx_header(bytes, options.max_bytes ?? IDX_MAX_DECOMPRESSED_BYTES, fail);
  // too short for a header: parse_idx's own inflater reports exactly what is missing
  if (!header) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(header.total_bytes, 1) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      fail(
        `gzip stream inflates to more than the ${header.total_bytes} bytes its IDX header declares (corrupt file or decompression bomb)`,
      );
    }
    return fail(`gzip stream is corrupt or truncated (${(e as Error).message})`);
  }
}

/** Reads an IDX file (raw or .gz, bounded inflation: see read_idx_bytes) into a tensor with the IDX shape. */
export function read_idx(path: string, options: IdxOptions = {}): Tensor {
  return parse_idx(read_idx_bytes(path, options), path, options);
}

/** Writes a tensor as an IDX file, gzip-compressed when the path ends in .gz; atomic (temp + rename). */
export function write_idx(t: Tensor, path: string): void {
  const raw = serialize_idx(t);
  write_file_atomic(path, path.endsWith('.gz') ? gzipSync(raw, { level: 9 }) : raw);
}
