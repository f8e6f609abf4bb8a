/**
 * Bounded gunzip of IDX files, browser-safe (fflate's streaming inflate, synchronous): the output stops
 * at the size the IDX header declares (read from the first inflated bytes), and a header that declares
 * more than `max_bytes` is refused before its data is inflated. So a small gzip "bomb" costs at most
 * min(declared size, max_bytes) plus one inflated chunk of memory.
 */
import { Gunzip } from 'fflate';
import { type IdxHeader, read_idx_header } from './idx_format.js';

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** Continues a CRC-32 (gzip's) over `bytes`; start with crc = 0. */
function crc32(crc: number, bytes: Uint8Array): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

// deflate expands at most ~1032×, so one pushed KiB inflates to ≤ 1.1 MB; small pushes keep fflate's
// per-push garbage (output + window copies) small (measured: a 1 GiB bomb whose header declares 47 MB peaks
// at ~165 MB RSS in Node, whose baseline with tsx is ~80 MB)
const CHUNK = 1024;

/**
 * Inflates gzip `gz` holding an IDX file; returns the IDX bytes (possibly shorter than declared, which
 * the parser then reports as truncated). Errors (via `fail`) when the stream is corrupt, when the header
 * declares more than `max_bytes`, or when the stream inflates to more than the header declares.
 */
export function gunzip_idx(gz: Uint8Array, max_bytes: number, fail: (msg: string) => never): Uint8Array {
  return inflate(gz, max_bytes, fail, false) as Uint8Array;
}

/**
 * Inflates only as much of `gz` as it takes to read the IDX header (checked against `max_bytes` as
 * gunzip_idx does); null when the whole stream is too short to hold one. For callers that inflate the
 * rest with a faster inflater bounded by the header's total_bytes (node:zlib's maxOutputLength).
 */
export function gunzip_idx_header(gz: Uint8Array, max_bytes: number, fail: (msg: string) => never): IdxHeader | null {
  return inflate(gz, max_bytes, fail, true) as IdxHeader | null;
}

function inflate(
  gz: Uint8Array,
  max_bytes: number,
  fail: (msg: string) => never,
  header_only: boolean,
): Uint8Array | IdxHeader | null {
  if (gz.byteLength < 18)
    fail(`gzip stream is corrupt or truncated (${gz.byteLength} bytes, shorter than a gzip header and trailer)`);
  let head = new Uint8Array(0); // the inflated bytes until the header is known
  let found: IdxHeader | null = null;
  let out: Uint8Array | null = null;
  let written = 0;
  let problem: string | null = null;
  let header_error: unknown = null;
  let crc = 0;
  let inflated = 0;
  const sink = (chunk: Uint8Array): void => {
    if (problem || header_error) return;
    crc = crc32(crc, chunk);
    inflated += chunk.byteLength;
    if (!out) {
      const h = new Uint8Array(head.byteLength + chunk.byteLength);
      h.set(head);
      h.set(chunk, head.byteLength);
      head = h;
      let header: ReturnType<typeof read_idx_header>;
      try {
        header = read_idx_header(head.subarray(0, Math.min(head.byteLength, 4 + 4 * 255)), fail, true);
      } catch (e) {
        header_error = e; // a bad magic number: stop inflating, report it as the parser would
        return;
      }
      if (typeof header === 'number') return; // not enough bytes yet
      if (header.total_bytes > max_bytes) {
        problem = `gzip stream: header declares shape [${header.shape.join(', ')}] of ${header.type.name} = ${header.total_bytes} bytes, over the ${max_bytes}-byte decompression cap (pass max_bytes to raise it)`;
        return;
      }
      found = header;
      if (header_only) return;
      out = new Uint8Array(header.total_bytes);
      chunk = head;
    }
    if (written + chunk.byteLength > out.byteLength) {
      problem = `gzip stream inflates to more than the ${out.byteLength} bytes its IDX header declares (corrupt file or decompression bomb)`;
      return;
    }
    out.set(chunk, written);
    written += chunk.byteLength;
  };
  const stream = new Gunzip((chunk) => sink(chunk));
  stream.onmember = () => {
    problem ??= 'gzip stream has several members (concatenated gzip files), expected one';
  };
  try {
    // header_only: small pushes, as the header is in the first inflated bytes
    const step = header_only ? 512 : CHUNK;
    for (let off = 0; off < gz.byteLength && !problem && !header_error && !(header_only && found); off += step) {
      const end = Math.min(off + step, gz.byteLength);
      stream.push(gz.subarray(off, end), end === gz.byteLength);
    }
  } catch (e) {
    fail(`gzip stream is corrupt or truncated (${(e as Error).message})`);
  }
  if (header_error) throw header_error;
  if (problem) fail(problem);
  if (header_only) return found;
  // fflate does not check the trailer: its CRC-32 and size catch a cut or corrupted stream
  const trailer = new DataView(gz.buffer, gz.byteOffset + gz.byteLength - 8, 8);
  if (trailer.getUint32(0, true) !== crc || trailer.getUint32(4, true) !== inflated % 2 ** 32) {
    fail('gzip stream is corrupt or truncated (CRC-32 or size in the gzip trailer does not match the data)');
  }
  if (!out) return head; // too short for a header: the parser says so
  return (out as Uint8Array).subarray(0, written);
}
