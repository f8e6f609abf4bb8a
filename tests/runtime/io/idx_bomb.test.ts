import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { IDX_MAX_DECOMPRESSED_BYTES, parse_idx, read_idx } from '../../../runtime/io/index.js';
import { gzip_bomb, idx_header } from './helpers/gzip_bomb.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-bomb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child loader on `path`; returns its error, shape and peak RSS in MB. */
function child(
  path: string,
  mode: 'read' | 'parse',
): { error: string | null; shape: number[] | null; max_rss_mb: number } {
  const script = join(import.meta.dirname, 'helpers', 'idx_bomb_child.ts');
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, path, mode], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1) as string);
}

describe('IDX gzip bombs stop at the size the header declares', () => {
  // Fashion-MNIST's train-images header (47,040,016 bytes declared), then zeros up to 1 GiB
  const bomb = gzip_bomb(idx_header([60000, 28, 28]), 1024);
  const bomb_path = join(dir, 'bomb-images-idx3-ubyte.gz');
  writeFileSync(bomb_path, bomb);

  it('the bomb is about 1 MB of gzip that inflates to 1 GiB', () => {
    expect(bomb.byteLength).toBeLessThan(1.5e6);
    expect(new DataView(bomb.buffer).getUint32(bomb.byteLength - 4, true)).toBe(2 ** 30); // the trailer's size
  });

  for (const mode of ['read', 'parse'] as const) {
    it(`${mode === 'read' ? 'read_idx (node:zlib)' : 'parse_idx (fflate, browser-safe)'} refuses it with peak RSS under 200 MB`, () => {
      const r = child(bomb_path, mode);
      expect(r.error).toMatch(
        /^Error: IDX .*bomb-images-idx3-ubyte\.gz: gzip stream inflates to more than the 47040016 bytes its IDX header declares/,
      );
      expect(r.max_rss_mb).toBeLessThan(200);
    });
  }

  it('a header that declares 1 GiB is refused at the header (over the documented cap), before inflating data', () => {
    const big = gzip_bomb(idx_header([1024, 1024, 1024]), 1025);
    const p = join(dir, 'declares-1gib.gz');
    writeFileSync(p, big);
    const cap = new RegExp(
      `declares-1gib\\.gz: gzip stream: header declares shape \\[1024, 1024, 1024\\] of ubyte = 1073741840 bytes, over the ${IDX_MAX_DECOMPRESSED_BYTES}-byte decompression cap`,
    );
    expect(() => read_idx(p)).toThrow(cap);
    expect(() => parse_idx(big, p)).toThrow(cap);
    const r = child(p, 'read');
    expect(r.error).toMatch(cap);
    expect(r.max_rss_mb).toBeLessThan(200);
    // the cap is an option
    expect(() => parse_idx(big, p, { max_bytes: 1000 })).toThrow(/over the 1000-byte decompression cap/);
  });

  it('a bomb without an IDX header is refused at its first bytes', () => {
    const zeros = gzip_bomb(new Uint8Array(0), 1024);
    expect(() => parse_idx(zeros, 'zeros.gz')).toThrow(/zeros\.gz: bad magic number 0x00000000/);
    const p = join(dir, 'zeros.gz');
    writeFileSync(p, zeros);
    expect(() => read_idx(p)).toThrow(/zeros\.gz: bad magic number 0x00000000/);
  });

  it('a header that lies low (data longer than declared) is refused', () => {
    const raw = new Uint8Array([...idx_header([2, 2]), 1, 2, 3, 4, 5]);
    const gz = gzipSync(raw);
    expect(() => parse_idx(gz, 'low.gz')).toThrow(/low\.gz: gzip stream inflates to more than the 16 bytes/);
    const p = join(dir, 'low.gz');
    writeFileSync(p, gz);
    expect(() => read_idx(p)).toThrow(/low\.gz: gzip stream inflates to more than the 16 bytes/);
  });

  it('a header that lies high (data shorter than declared) or is itself cut is refused', () => {
    const gz = gzipSync(new Uint8Array([...idx_header([3, 2]), 1, 2, 3, 4]));
    const p = join(dir, 'high.gz');
    writeFileSync(p, gz);
    expect(() => parse_idx(gz, p)).toThrow(/high\.gz: truncated: shape \[3, 2\] needs 6 data bytes, file has 4/);
    expect(() => read_idx(p)).toThrow(/high\.gz: truncated: shape \[3, 2\] needs 6 data bytes, file has 4/);
    const cut = gzipSync(idx_header([3, 2]).subarray(0, 9));
    writeFileSync(p, cut);
    expect(() => parse_idx(cut, p)).toThrow(/high\.gz: file is 9 bytes, too short for 2 dimension sizes/);
    expect(() => read_idx(p)).toThrow(/high\.gz: file is 9 bytes, too short for 2 dimension sizes/);
  });

  it('corrupt gzip data and concatenated members are refused, naming the file', () => {
    const gz = new Uint8Array(gzipSync(new Uint8Array([...idx_header([4]), 1, 2, 3, 4])));
    const flipped = gz.slice();
    flipped[gz.length - 9] ^= 0xff; // last byte of deflate data
    expect(() => parse_idx(flipped, 'flip.gz')).toThrow(/flip\.gz: gzip stream (is corrupt|inflates to more)/);
    const bad_crc = gz.slice();
    bad_crc[gz.length - 8] ^= 1;
    expect(() => parse_idx(bad_crc, 'crc.gz')).toThrow(/crc\.gz: gzip stream is corrupt or truncated \(CRC-32/);
    const p = join(dir, 'crc.gz');
    writeFileSync(p, bad_crc);
    expect(() => read_idx(p)).toThrow(/crc\.gz: gzip stream is corrupt or truncated/);
    const two = new Uint8Array([...gz, ...gz]);
    expect(() => parse_idx(two, 'two.gz')).toThrow(/two\.gz: gzip stream (has several members|inflates to more)/);
    expect(() => parse_idx(gz.subarray(0, 10), 'tiny.gz')).toThrow(/tiny\.gz: gzip stream is corrupt or truncated/);
  });
});
