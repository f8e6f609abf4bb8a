import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parse_idx, read_idx, serialize_idx, write_idx } from '../../../runtime/io/index.js';
import { tensor } from '../../../runtime/tensor/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('IDX', () => {
  it('round-trips uint8, int8, int32 and float32, raw and gzip', () => {
    const cases = [
      tensor(
        [
          [0, 255, 7],
          [1, 2, 3],
        ],
        { dtype: 'uint8' },
      ),
      tensor([-128, 127], { dtype: 'int8' }),
      tensor([[-(2 ** 31), 2 ** 31 - 1]], { dtype: 'int32' }),
      tensor([1.5, -0.25, 3e38], { dtype: 'float32' }),
    ];
    for (const [i, t] of cases.entries()) {
      for (const ext of ['', '.gz']) {
        const p = join(dir, `c${i}${ext}`);
        write_idx(t, p);
        const back = read_idx(p);
        expect(back.dtype).toBe(t.dtype);
        expect(back.shape).toEqual(t.shape);
        expect([...back.data]).toEqual([...t.data]);
        expect(readFileSync(p)[0] === 0x1f).toBe(ext === '.gz');
      }
    }
  });

  it('writes the IDX header big-endian as the MNIST files have it', () => {
    const b = serialize_idx(tensor([1, 2, 3, 4, 5, 6], { dtype: 'uint8', shape: [1, 2, 3] }));
    expect([...b.subarray(0, 16)]).toEqual([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]);
  });

  it('rejects a bad magic number, naming the file', () => {
    const p = join(dir, 'magic-images-idx3-ubyte');
    writeFileSync(p, new Uint8Array([1, 2, 8, 1, 0, 0, 0, 1, 9]));
    expect(() => read_idx(p)).toThrow(/magic-images-idx3-ubyte: bad magic number 0x01020801/);
    expect(() => parse_idx(new Uint8Array([0, 0, 0x0e, 1, 0, 0, 0, 0]), 'x.idx')).toThrow(
      /x\.idx: .*unsupported element type 0xe/,
    );
  });

  it('rejects truncated and over-long data, naming the file and the sizes', () => {
    const raw = serialize_idx(tensor([1, 2, 3, 4], { dtype: 'uint8', shape: [2, 2] }));
    const p = join(dir, 'short.gz');
    writeFileSync(p, gzipSync(raw.subarray(0, raw.length - 1)));
    expect(() => read_idx(p)).toThrow(/short\.gz: truncated: shape \[2, 2\] needs 4 data bytes, file has 3/);
    expect(() => parse_idx(new Uint8Array([...raw, 0]), 'long')).toThrow(/long: 1 trailing bytes/);
    expect(() => parse_idx(raw.subarray(0, 6), 'hdr')).toThrow(/hdr: .*too short for 2 dimension sizes/);
  });

  it('rejects a truncated gzip stream, naming the file', () => {
    const gz = gzipSync(serialize_idx(tensor([1, 2, 3, 4], { dtype: 'uint8' })));
    const p = join(dir, 'cut-labels-idx1-ubyte.gz');
    writeFileSync(p, gz.subarray(0, gz.length - 6));
    expect(() => read_idx(p)).toThrow(/cut-labels-idx1-ubyte\.gz: gzip stream is corrupt or truncated/);
  });
});
