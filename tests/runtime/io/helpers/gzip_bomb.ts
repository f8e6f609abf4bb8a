/**
 * Builds gzip "bombs" for the IDX tests without inflating them: a deflate segment ended by a full flush
 * is self-contained and byte-aligned, so one compressed MiB of zeros repeated N times is a valid deflate
 * stream of N MiB (each segment ~1 KiB). The gzip trailer's CRC is left zero: a bounded reader stops
 * before reaching it.
 */
import { constants, deflateRawSync } from 'node:zlib';

const MIB = 1024 * 1024;

/** gzip bytes that inflate to `prefix` followed by zeros, `total_mib` MiB in all (prefix included). */
export function gzip_bomb(prefix: Uint8Array, total_mib: number): Uint8Array {
  const opts = { level: 9, finishFlush: constants.Z_FULL_FLUSH };
  const first = new Uint8Array(MIB);
  first.set(prefix);
  const seg_first = deflateRawSync(first, opts);
  const seg_zero = deflateRawSync(new Uint8Array(MIB), opts);
  const last = deflateRawSync(new Uint8Array(0)); // the final (empty) block
  const head = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
  const size = head.length + seg_first.length + (total_mib - 1) * seg_zero.length + last.length + 8;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const part of [head, seg_first]) {
    out.set(part, pos);
    pos += part.length;
  }
  for (let i = 1; i < total_mib; i++) {
    out.set(seg_zero, pos);
    pos += seg_zero.length;
  }
  out.set(last, pos);
  pos += last.length;
  new DataView(out.buffer).setUint32(pos + 4, (total_mib * MIB) % 2 ** 32, true);
  return out;
}

/** An IDX header: uint8 elements of `shape`. */
export function idx_header(shape: number[], type = 8): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = shape.length;
  for (const [i, d] of shape.entries()) view.setUint32(4 + 4 * i, d, false);
  return out;
}
