import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  load_safetensors,
  load_safetensors_header,
  parse_safetensors,
  read_safetensors_header,
  serialize_safetensors,
} from '../../../runtime/io/index.js';
import { tensor } from '../../../runtime/tensor/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-sth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors file from a header text and a data section, the length field from the text. */
function build(header_text: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(header_text);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32x3 = new Uint8Array(new Float32Array([1, 2, 3]).buffer);

describe('read_safetensors_header', () => {
  it('gives dtypes, shapes and offsets in header order without reading the data', () => {
    const bytes = serialize_safetensors(
      { b: tensor([1, 2, 3], { dtype: 'int64' }), a: tensor([[1.5, 2]]) },
      { format: 'pt' },
    );
    const h = read_safetensors_header(bytes, 'x.safetensors');
    expect([...h.tensors.keys()]).toEqual(['b', 'a']);
    expect(h.tensors.get('b')).toEqual({ dtype: 'I64', shape: [3], data_offsets: [0, 24] });
    expect(h.tensors.get('a')).toEqual({ dtype: 'F32', shape: [1, 2], data_offsets: [24, 32] });
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.data_start + h.data_length).toBe(bytes.byteLength);
    // only the header given, the file size passed separately: the same answer
    const head_only = read_safetensors_header(bytes.subarray(0, h.data_start), 'x', bytes.byteLength);
    expect(head_only.tensors).toEqual(h.tensors);
    // the data section is never looked at: garbage there does not matter to the header
    const p = join(dir, 'h.safetensors');
    writeFileSync(p, bytes);
    expect(load_safetensors_header(p).tensors).toEqual(h.tensors);
  });

  it('load_safetensors_header checks the offsets against the file size without reading the data', () => {
    const p = join(dir, 'cut.safetensors');
    const bytes = build('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}', f32x3);
    writeFileSync(p, bytes.subarray(0, bytes.length - 1));
    expect(() => load_safetensors_header(p)).toThrow(/cut\.safetensors: tensor "w".*run past the data section of 11/);
    writeFileSync(p, bytes.subarray(0, 12));
    expect(() => load_safetensors_header(p)).toThrow(/cut\.safetensors: header length \d+ exceeds the 4 bytes/);
    expect(() => load_safetensors_header(join(dir, 'none.safetensors'))).toThrow(/none\.safetensors: cannot read/);
  });

  const refused: [string, string, Uint8Array, RegExp][] = [
    ['header not an object', 'arr', build('[1,2]'), /arr: header JSON is not an object/],
    [
      'shape with a fraction',
      'frac',
      build('{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,6]}}', f32x3),
      /frac: tensor "w": shape \[1\.5\] is not a list of non-negative/,
    ],
    [
      'negative shape',
      'neg',
      build('{"w":{"dtype":"F32","shape":[-3],"data_offsets":[0,12]}}', f32x3),
      /neg: tensor "w": shape \[-3\]/,
    ],
    [
      'shape as a string',
      'str',
      build('{"w":{"dtype":"F32","shape":"3","data_offsets":[0,12]}}', f32x3),
      /str: tensor "w": shape "3"/,
    ],
    [
      'huge shape product',
      'huge',
      build('{"w":{"dtype":"F32","shape":[1e9,1e9,1e9],"data_offsets":[0,12]}}', f32x3),
      /huge: tensor "w": .*needs more than 12/,
    ],
    [
      'unsafe-integer dim',
      'unsafe',
      build('{"w":{"dtype":"F32","shape":[1e300],"data_offsets":[0,12]}}', f32x3),
      /unsafe: tensor "w": shape/,
    ],
    [
      'fractional offset',
      'offs',
      build('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12.5]}}', f32x3),
      /offs: tensor "w": data_offsets \[0, 12\.5\] is not/,
    ],
    [
      'three offsets',
      'three',
      build('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,6,12]}}', f32x3),
      /three: tensor "w": data_offsets/,
    ],
    [
      'dtype not a string',
      'dt',
      build('{"w":{"dtype":7,"shape":[3],"data_offsets":[0,12]}}', f32x3),
      /dt: tensor "w": unknown dtype 7/,
    ],
    [
      'dtype inherited name',
      'dtp',
      build('{"w":{"dtype":"toString","shape":[3],"data_offsets":[0,12]}}', f32x3),
      /dtp: tensor "w": unknown dtype "toString"/,
    ],
    ['entry not an object', 'ent', build('{"w":[1]}'), /ent: tensor "w": header entry is not an object/],
    [
      'metadata value a number',
      'md',
      build('{"__metadata__":{"a":1}}'),
      /md: __metadata__ "a" must be a string, got number/,
    ],
    ['metadata an array', 'mda', build('{"__metadata__":["a"]}'), /mda: __metadata__ must be an object/],
    [
      'key __proto__',
      'proto',
      build('{"__proto__":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}', f32x3),
      /proto: key "__proto__" is not allowed/,
    ],
    [
      'key constructor',
      'ctor',
      build('{"constructor":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}', f32x3),
      /ctor: key "constructor" is not allowed/,
    ],
    [
      'key prototype in a path',
      'ptype',
      build('{"fc.prototype.w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}', f32x3),
      /ptype: key "fc\.prototype\.w" is not allowed/,
    ],
    [
      'empty key',
      'empty',
      build('{"":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}', f32x3),
      /empty: an empty key is not allowed/,
    ],
    [
      'metadata key __proto__',
      'mdp',
      build('{"__metadata__":{"__proto__":"x"}}'),
      /mdp: __metadata__: key "__proto__" is not allowed/,
    ],
    [
      'header length over the limit',
      'big',
      (() => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true);
        return b;
      })(),
      /big: header length 9223372036854775808 exceeds/,
    ],
    [
      'invalid UTF-8',
      'utf',
      build('{"w":1}').map((b, i) => (i === 10 ? 0xff : b)),
      /utf: header \(7 bytes\) is not valid UTF-8 JSON/,
    ],
  ];
  for (const [what, source, bytes, message] of refused) {
    it(`refuses ${what}, naming the file and key, before allocating`, () => {
      expect(() => read_safetensors_header(bytes, source)).toThrow(message);
      expect(() => parse_safetensors(bytes, source)).toThrow(message);
    });
  }

  it('refuses header values nested 200,000 deep with a plain Error (no stack overflow in the messages)', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const cases: [string, RegExp][] = [
      [`{"w":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`, /deep: tensor "w": shape \[\[…\]\] is not/],
      [`{"w":{"dtype":"F32","shape":[1],"data_offsets":${deep}}}`, /deep: tensor "w": data_offsets \[\[…\]\] is not/],
      [`{"w":{"dtype":${deep},"shape":[1],"data_offsets":[0,0]}}`, /deep: tensor "w": unknown dtype \[\[…\]\]/],
      [`{"__metadata__":{"a":${deep}}}`, /deep: __metadata__ "a" must be a string/],
    ];
    for (const [text, message] of cases) {
      let thrown: unknown;
      try {
        parse_safetensors(build(text), 'deep');
      } catch (e) {
        thrown = e;
      }
      expect((thrown as Error).constructor).toBe(Error);
      expect((thrown as Error).message).toMatch(message);
    }
  });

  it('refuses a BOOL byte other than 0 or 1', () => {
    const bytes = build('{"b":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}', new Uint8Array([1, 2]));
    expect(() => parse_safetensors(bytes, 'bool.st')).toThrow(/bool\.st: tensor "b": BOOL element 1 is 2/);
  });

  it('loaded tensors sit on a null-prototype object: "toString" and "hasOwnProperty" are ordinary keys', () => {
    const bytes = serialize_safetensors({ toString: tensor([1]), hasOwnProperty: tensor([2]), valueOf: tensor([3]) });
    const p = join(dir, 'names.safetensors');
    writeFileSync(p, bytes);
    const t = load_safetensors(p);
    expect(Object.getPrototypeOf(t)).toBe(null);
    expect(Object.keys(t).sort()).toEqual(['hasOwnProperty', 'toString', 'valueOf']);
    const own = new Map(Object.entries(t));
    expect(own.get('toString')?.data[0]).toBe(1);
    expect('constructor' in t).toBe(false);
  });

  it('refuses to save reserved or empty keys', () => {
    const one = tensor([1]);
    const own = JSON.parse('{"__proto__": 1}') as Record<string, typeof one>;
    Object.defineProperty(own, '__proto__', { value: one, enumerable: true });
    expect(() => serialize_safetensors(own)).toThrow(/key "__proto__" is not allowed/);
    expect(() => serialize_safetensors({ constructor: one })).toThrow(/key "constructor" is not allowed/);
    expect(() => serialize_safetensors({ '': one })).toThrow(/empty key/);
    expect(() => serialize_safetensors({ a: one }, { prototype: 'x' })).toThrow(/metadata key "prototype"/);
  });
});
