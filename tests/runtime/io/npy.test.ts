// parse_npy on files numpy wrote (tests/fixtures/npy/make_npy_fixtures.py), serialize_npy round trips,
// and every header field checked with an error naming the file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load_npy } from '../../../runtime/io/node/npy_file.js';
import { parse_npy, serialize_npy } from '../../../runtime/io/npy.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';

const DIR = join(import.meta.dirname, '../../fixtures/npy');
const f = (name: string) => join(DIR, name);
const values = (t: Tensor) => Array.from(t.data as ArrayLike<number>);

/** A .npy 1.0 file with header dict `dict` and `data` bytes, padded as numpy pads. */
function npy(dict: string, data: Uint8Array = new Uint8Array(0), version = [1, 0]): Uint8Array {
  const header = `${dict}${' '.repeat(63 - ((10 + dict.length) % 64))}\n`;
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version[0], version[1]]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + header.length);
  return out;
}

describe('parse_npy reads what numpy.save wrote', () => {
  it('float32, float64 (narrowed), int64, uint8, big-endian, bool, scalar, format 2.0', () => {
    const a = load_npy(f('f4_2x3.npy'));
    expect([a.dtype, a.shape]).toEqual(['float32', [2, 3]]);
    expect(values(a)).toEqual([0.5, -1.25, 3, Math.fround(1e-3), 2.5e7, -0]);
    const d = load_npy(f('f8_3.npy'));
    expect([d.dtype, values(d)]).toEqual(['float32', [1.5, -2.25, Math.fround(1e-8)]]);
    const i = load_npy(f('i8_4.npy'));
    expect([i.dtype, values(i)]).toEqual(['int64', [0, -3, 9, 2 ** 40]]);
    const u = load_npy(f('u1_2x2x2.npy'));
    expect([u.dtype, u.shape, values(u)]).toEqual(['uint8', [2, 2, 2], [0, 30, 60, 90, 120, 150, 180, 210]]);
    expect(values(load_npy(f('be_f4_2.npy')))).toEqual([1.5, -7]);
    const b = load_npy(f('b1_3.npy'));
    expect([b.dtype, values(b)]).toEqual(['bool', [1, 0, 1]]);
    const s = load_npy(f('scalar_f4.npy'));
    expect([s.shape, values(s)]).toEqual([[], [4]]);
    const v2 = load_npy(f('v2_i4_3.npy'));
    expect([v2.dtype, values(v2)]).toEqual(['int32', [7, -8, 9]]);
  });

  it('refuses fortran order and unsupported dtypes, naming the file', () => {
    expect(() => load_npy(f('fortran_2x2.npy'))).toThrow(/npy .*fortran_2x2\.npy: fortran_order is True/);
    expect(() => load_npy(f('u2_2.npy'))).toThrow(/npy .*u2_2\.npy: unsupported dtype '<u2'/);
    expect(() => load_npy(f('missing.npy'))).toThrow(/npy .*missing\.npy: cannot read file/);
  });
});

describe('serialize_npy', () => {
  it('round trips each dtype, with numpy-style 64-byte alignment', () => {
    const cases = [
      new Tensor(Float32Array.from([1.5, -2, 3.25, 0]), [2, 2], 'float32'),
      new Tensor(Float64Array.from([-5, 7, 2 ** 50]), [3], 'int64'),
      new Tensor(Int32Array.from([-1, 2]), [1, 2], 'int32'),
      new Tensor(Uint8Array.from([0, 255, 7]), [3], 'uint8'),
      new Tensor(Int8Array.from([-128, 127]), [2], 'int8'),
    ];
    for (const t of cases) {
      const bytes = serialize_npy(t);
      const header_end = 10 + new DataView(bytes.buffer).getUint16(8, true);
      expect(header_end % 64).toBe(0);
      const back = parse_npy(bytes, 'x.npy');
      expect([back.dtype, back.shape, values(back)]).toEqual([t.dtype, t.shape, values(t)]);
    }
    // numpy's own bytes for a [2, 3] float32 array decode to the same values as our re-encoding
    const a = parse_npy(readFileSync(f('f4_2x3.npy')), 'f4_2x3.npy');
    expect(values(parse_npy(serialize_npy(a)))).toEqual(values(a));
  });
});

describe('parse_npy checks every field', () => {
  const four = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
  const ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
  it('accepts a well-formed header', () => {
    expect(values(parse_npy(npy(ok, four), 'a.npy'))).toEqual([1, 2, 3, 4]);
  });
  it.each([
    [
      'magic',
      (() => {
        const b = npy(ok, four);
        b[1] = 0x4f;
        return b;
      })(),
      /a\.npy: bad magic/,
    ],
    ['version', npy(ok, four, [4, 0]), /a\.npy: unsupported format version 4\.0/],
    ['short file', new Uint8Array([0x93, 0x4e]), /a\.npy: file is 2 bytes/],
    [
      'header length',
      (() => {
        const b = npy(ok, four);
        new DataView(b.buffer).setUint16(8, 9999, true);
        return b;
      })(),
      /a\.npy: header of 9999 bytes runs past/,
    ],
    ['missing descr', npy("{'fortran_order': False, 'shape': (2, 2), }", four), /a\.npy: header has no 'descr'/],
    ['missing shape', npy("{'descr': '<f4', 'fortran_order': False, }", four), /a\.npy: header has no 'shape'/],
    [
      'extra key',
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': True, }", four),
      /a\.npy: unexpected header key 'x'/,
    ],
    [
      'duplicate key',
      npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four),
      /a\.npy: header key 'descr' appears twice/,
    ],
    ['not a dict', npy("['descr']", four), /a\.npy: header is not a dict literal/],
    ['garbage entry', npy("{'descr': <f4, 'shape': (4,), }", four), /a\.npy: cannot parse the header dict/],
    [
      'bad fortran_order',
      npy("{'descr': '<f4', 'fortran_order': '0', 'shape': (4,), }", four),
      /a\.npy: header 'fortran_order' must be True or False/,
    ],
    [
      'bad shape',
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }", four),
      /a\.npy: header 'shape' must be a tuple of non-negative integers/,
    ],
    [
      'shape not a tuple',
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': 'x', }", four),
      /a\.npy: header 'shape' must be a tuple/,
    ],
    [
      'descr not a string',
      npy("{'descr': True, 'fortran_order': False, 'shape': (4,), }", four),
      /a\.npy: header 'descr' must be a string/,
    ],
    [
      'byte order',
      npy("{'descr': '|f4', 'fortran_order': False, 'shape': (4,), }", four),
      /a\.npy: dtype '\|f4' needs a byte order/,
    ],
    [
      'object dtype',
      npy("{'descr': '|O', 'fortran_order': False, 'shape': (4,), }", four),
      /a\.npy: unsupported dtype '\|O'/,
    ],
    [
      'truncated data',
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", four),
      /a\.npy: shape \(5\) of <f4 needs 20 data bytes, the file has 16 \(truncated\)/,
    ],
    [
      'trailing data',
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", four),
      /a\.npy: .*needs 12 data bytes, the file has 16 \(trailing bytes\)/,
    ],
    [
      'no newline',
      (() => {
        const b = npy(ok, four);
        b[b.length - 17] = 0x20;
        return b;
      })(),
      /a\.npy: header does not end with a newline/,
    ],
    [
      'bool byte',
      npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", Uint8Array.from([1, 2])),
      /a\.npy: bool data holds a byte other than 0 or 1/,
    ],
    [
      'int64 beyond 2^53',
      npy(
        "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
        new Uint8Array(new BigInt64Array([2n ** 60n]).buffer),
      ),
      /a\.npy: int64 element 0 = 1152921504606846976 is beyond 2\^53/,
    ],
  ])('%s', (_name, bytes, err) => {
    expect(() => parse_npy(bytes as Uint8Array, 'a.npy')).toThrow(err as RegExp);
  });
});
