import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  load_safetensors,
  load_safetensors_with_metadata,
  parse_safetensors,
  save_safetensors,
  serialize_safetensors,
} from '../../../runtime/io/index.js';
import { type Tensor, tensor } from '../../../runtime/tensor/index.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'reference', 'golden');
const dir = mkdtempSync(join(tmpdir(), 'fxq-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Builds a safetensors file by hand from a header object and a data section. */
function build(header: unknown, data: Uint8Array, header_text?: string): Uint8Array {
  const json = new TextEncoder().encode(header_text ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('safetensors', () => {
  it('reads the reference golden file: dtypes, shapes and values as PyTorch wrote them', () => {
    const g = load_safetensors(join(fixtures, 'fmnist_cnn_ptq.safetensors'));
    const w = g['module/conv1/weight_int8'];
    expect(w.dtype).toBe('int8');
    expect(w.shape).toEqual([32, 1, 3, 3]);
    expect(g['module/conv1/out_zero_point'].dtype).toBe('int64');
    expect(g['input/x_u8'].dtype).toBe('uint8');
    expect(g['input/x_fp32'].shape).toEqual([8, 1, 28, 28]);
    // the JSON's fp32 logits are the same numbers as the safetensors tensor
    const json = JSON.parse(readFileSync(join(fixtures, 'fmnist_cnn_ptq.json'), 'utf8')) as { fp32_logits: number[][] };
    expect([...g['fp32/logits'].data]).toEqual(json.fp32_logits.flat().map(Math.fround));
  });

  it('round-trips every writable dtype, scalars and metadata, byte-stable', () => {
    const tensors: Record<string, Tensor> = {
      'a.weight': tensor([
        [1.5, -2.25],
        [3, 1e-30],
      ]),
      'a.count': tensor(938, { dtype: 'int64' }),
      big: tensor([2 ** 52, -(2 ** 53)], { dtype: 'int64' }),
      i32: tensor([-5, 7, 2147483647], { dtype: 'int32' }),
      i8: tensor([-128, 0, 127], { dtype: 'int8' }),
      u8: tensor([0, 255], { dtype: 'uint8' }),
      flag: tensor([1, 0], { dtype: 'bool' }),
      empty: tensor([], { dtype: 'float32' }),
    };
    const p = join(dir, 'rt.safetensors');
    save_safetensors(tensors, p, { format: 'pt', note: 'x' });
    const { tensors: back, metadata } = load_safetensors_with_metadata(p);
    expect(metadata).toEqual({ format: 'pt', note: 'x' });
    for (const [k, t] of Object.entries(tensors)) {
      expect(back[k].dtype, k).toBe(t.dtype);
      expect(back[k].shape, k).toEqual(t.shape);
      expect([...back[k].data], k).toEqual([...t.data]);
    }
    expect(serialize_safetensors(back, { format: 'pt', note: 'x' })).toEqual(new Uint8Array(readFileSync(p)));
    // header padded to 8 and every tensor aligned to its element size
    const bytes = readFileSync(p);
    const hlen = Number(bytes.readBigUInt64LE(0));
    expect(hlen % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + hlen).toString()) as Record<string, { data_offsets: number[] }>;
    expect(header['a.count'].data_offsets[0] % 8).toBe(0);
    // no temp file left behind
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a failed save names the path, leaves no temp file and keeps the old file', () => {
    const target = join(dir, 'is-a-dir.safetensors');
    mkdirSync(target);
    expect(() => save_safetensors({ a: tensor([1]) }, target)).toThrow(/is-a-dir\.safetensors/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const p = join(dir, 'keep.safetensors');
    save_safetensors({ a: tensor([1]) }, p);
    expect(() => save_safetensors({ q: tensor([1], { dtype: 'qint8' }) }, p)).toThrow(/"q" has dtype qint8/);
    expect(load_safetensors(p).a.data[0]).toBe(1);
  });

  it('reads F16 as float32 exactly', () => {
    // 1.0, -2.0, 65504 (max half), 2^-24 (smallest subnormal)
    const halves = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001]);
    const bytes = build({ h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }, new Uint8Array(halves.buffer));
    const t = parse_safetensors(bytes).tensors.h;
    expect(t.dtype).toBe('float32');
    expect([...t.data]).toEqual([1, -2, 65504, 2 ** -24]);
  });

  it('refuses quantized tensors and non-integer int64 on save, naming the key', () => {
    const q = tensor([1, 2], { dtype: 'qint8' });
    expect(() => serialize_safetensors({ 'fc.w': q })).toThrow(/"fc\.w" has dtype qint8/);
    expect(() => serialize_safetensors({ n: tensor([1.5], { dtype: 'int64' }) })).toThrow(
      /"n".*1\.5 is not an integer/,
    );
  });

  describe('bad files: errors name the file and the key', () => {
    const f32 = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    it('truncated file', () => {
      const good = build({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, f32);
      const p = write('trunc.safetensors', good.subarray(0, good.length - 4));
      expect(() => load_safetensors(p)).toThrow(
        new RegExp(`${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*"w".*run past the data section`),
      );
      const p2 = write('tiny.safetensors', good.subarray(0, 5));
      expect(() => load_safetensors(p2)).toThrow(/tiny\.safetensors: file is 5 bytes, too short/);
    });
    it('header length beyond the file', () => {
      const bytes = build({}, new Uint8Array(0));
      new DataView(bytes.buffer).setBigUint64(0, 1000n, true);
      const p = write('hlen.safetensors', bytes);
      expect(() => load_safetensors(p)).toThrow(/hlen\.safetensors: header length 1000 exceeds/);
    });
    it('corrupt header JSON', () => {
      const p = write('json.safetensors', build(null, f32, '{"w": {"dtype": "F32", '));
      expect(() => load_safetensors(p)).toThrow(/json\.safetensors: header .* is not valid UTF-8 JSON/);
    });
    it('unknown dtype', () => {
      const p = write('dtype.safetensors', build({ w: { dtype: 'F8_E4M3', shape: [3], data_offsets: [0, 12] } }, f32));
      expect(() => load_safetensors(p)).toThrow(/dtype\.safetensors: tensor "w": unknown dtype "F8_E4M3"/);
    });
    it('shape × dtype size differs from the byte span', () => {
      const p = write('span.safetensors', build({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 12] } }, f32));
      expect(() => load_safetensors(p)).toThrow(
        /span\.safetensors: tensor "w": .*span 12 bytes but shape \[2\] × F32 needs 8/,
      );
    });
    it('gaps, overlaps and out-of-range offsets', () => {
      const gap = {
        a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
      };
      expect(() => parse_safetensors(build(gap, f32), 'gap.st')).toThrow(
        /gap\.st: tensor "b".*leave a gap after byte 4/,
      );
      const overlap = {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
      };
      expect(() => parse_safetensors(build(overlap, f32), 'ov.st')).toThrow(/ov\.st: tensor "b".*overlap/);
      const past = { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } };
      expect(() => parse_safetensors(build(past, f32), 'past.st')).toThrow(/past\.st: tensor "a".*run past/);
      const trailing = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
      expect(() => parse_safetensors(build(trailing, f32), 'tr.st')).toThrow(/tr\.st: .*trailing bytes/);
      const neg = { a: { dtype: 'F32', shape: [3], data_offsets: [12, 0] } };
      expect(() => parse_safetensors(build(neg, f32), 'neg.st')).toThrow(/neg\.st: tensor "a".*end before begin/);
    });
    it('a missing file names the path', () => {
      expect(() => load_safetensors(join(dir, 'nope.safetensors'))).toThrow(/nope\.safetensors: cannot read file/);
    });
  });
});
