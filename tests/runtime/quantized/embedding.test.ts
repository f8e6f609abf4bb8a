/**
 * Weight-only quantized embeddings: the exact float32 fma and float16 rounding the tables rely on, torch's
 * float-qparams observer, nn.quantized.Embedding / EmbeddingBag against the float modules and against their own
 * rows (modes, offsets, weights, padding), and torch 1.13's qconfig rules (eager refuses, FX keeps float).
 */
import { describe, expect, it } from 'vitest';
import '../../../index.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { fma_f32 } from '../../../runtime/backends/js/fp32/fma.js';
import { f16_value } from '../../../runtime/backends/js/int8/embedding_bag.js';
import { Embedding } from '../../../runtime/nn/layers/misc.js';
import { EmbeddingBag } from '../../../runtime/nn/layers/upsample_bag.js';
import { Module } from '../../../runtime/nn/module.js';
import {
  float_qparams_weight_only_qconfig,
  float_qparams_weight_only_qconfig_4bit,
  get_default_qconfig,
} from '../../../runtime/quant/qconfig.js';
import { f16_bits } from '../../../runtime/quantized/embedding_pack.js';
import * as nnq from '../../../runtime/quantized/modules/embedding.js';
import { manual_seed } from '../../../runtime/tensor/random.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';

const f = Math.fround;
const idx = (v: number[], shape = [v.length]) => new Tensor(Float64Array.from(v), shape, 'int64');

/** Exact fma rounded to float32, in rationals: a, c float32 (as dyadic BigInt fractions), b an integer. */
function fma_exact(a: number, b: number, c: number): number {
  const S = 2n ** 200n;
  const big = (x: number) => BigInt(Math.round(x * 2 ** 160)) * 2n ** 40n;
  const exact = big(a) * BigInt(b) + big(c); // scaled by 2^200; every float32 here is a multiple of 2^-160
  // candidates: the float32 values around exact / S
  const approx = Number(exact) / Number(S);
  let lo = f(approx);
  const step = (x: number, up: boolean) => {
    const t = new Float32Array([x]);
    const u = new Uint32Array(t.buffer);
    if (x === 0) return up ? 2 ** -149 : -(2 ** -149);
    u[0] += x > 0 === up ? 1 : -1;
    return t[0];
  };
  while (big(lo) > exact) lo = step(lo, false);
  let hi = lo;
  while (big(hi) < exact) hi = step(hi, true);
  lo = big(hi) === exact ? hi : step(hi, false);
  if (big(lo) === exact) return lo;
  const dl = exact - big(lo);
  const dh = big(hi) - exact;
  if (dl !== dh) return dl < dh ? lo : hi;
  return (new Uint32Array(new Float32Array([lo]).buffer)[0] & 1) === 0 ? lo : hi;
}

describe('the arithmetic of the fused tables', () => {
  it('fma_f32 equals the exactly rounded fused multiply-add, double-rounding ties included', () => {
    let s = 12345;
    const rnd = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const cases: [number, number, number][] = [
      // a·b exactly on a float32 midpoint, c far below half a float64 ulp of it: rounding the float64 sum ties
      [f(1 + 2 ** -23), 3, f(2 ** -60)],
      [f(1 + 2 ** -23), 3, -f(2 ** -60)],
      [f(0.1), 255, f(-25.5)],
      // exact cancellation and the subnormal range
      [f(2 ** -100), 1, f(-(2 ** -100))],
      [f(2 ** -75), f(2 ** -75) * 0 + 1, f(2 ** -149)],
      [f(2 ** -100), 1, f(-(2 ** -100))],
    ];
    for (let i = 0; i < 2000; i++)
      cases.push([
        f((rnd() - 0.5) * 2 ** (rnd() * 20 - 10)),
        Math.floor(rnd() * 256),
        f((rnd() - 0.5) * 2 ** (rnd() * 60 - 30)),
      ]);
    for (const [a, b, c] of cases) expect(fma_f32(a, b, c), `${a}·${b} + ${c}`).toBe(fma_exact(a, b, c));
    // one of the two tie cases differs from rounding the float64 sum twice (the other agrees with ties-to-even)
    const twice = cases.slice(0, 2).filter(([a, b, c]) => fma_f32(a, b, c) !== f(a * b + c));
    expect(twice).toHaveLength(1);
  });

  it('float16 bits as c10::Half rounds (nearest even, subnormals, overflow) and back', () => {
    expect([1, -2, 65504, 65519, 65520, 0.1, 2 ** -24, 2 ** -25, 3 * 2 ** -25, 2 ** -14, 0].map(f16_bits)).toEqual([
      0x3c00, 0xc000, 0x7bff, 0x7bff, 0x7c00, 0x2e66, 0x0001, 0x0000, 0x0002, 0x0400, 0x0000,
    ]);
    for (const v of [0.1, -2.71, 1e-6, 1234.5]) {
      const h = f16_value(f16_bits(v));
      // the nearest half: no other half is closer
      const up = f16_value(f16_bits(v) + 1);
      expect(Math.abs(h - v)).toBeLessThanOrEqual(Math.abs(up - v));
    }
  });

  it('the float-qparams observer: scale = (max − min) / 255 and a float zero point, 0 not forced into the range', () => {
    const obs = float_qparams_weight_only_qconfig.weight() as unknown as {
      forward(x: Tensor): Tensor;
      calculate_qparams(): [Tensor, Tensor];
    };
    obs.forward(new Tensor(Float32Array.of(-1, 3, 1, 3, 2, 2), [3, 2], 'float32'));
    const [s, z] = obs.calculate_qparams();
    expect([...s.data]).toEqual([f(4 / 255), f(2 / 255), 1]);
    expect([...z.data]).toEqual([f(1 / f(4 / 255)), f(-1 / f(2 / 255)), -2]);
    expect(z.dtype).toBe('float32');
    expect(String(float_qparams_weight_only_qconfig_4bit)).toContain('dtype=torch.quint4x2');
  });
});

function observed(m: Module, qconfig: unknown): Module {
  (m as unknown as { qconfig: unknown }).qconfig = qconfig;
  return m;
}

describe('nn.quantized.Embedding / EmbeddingBag', () => {
  it('from_float: rows within half a step of the float table (8 and 4 bits); repr and state_dict as torch', () => {
    manual_seed(1);
    const emb = new Embedding(12, 6);
    const x = idx([0, 3, 11, 3, 7, 5], [2, 3]);
    const want = emb.forward(x).data;
    for (const [qconfig, levels] of [
      [float_qparams_weight_only_qconfig, 255],
      [float_qparams_weight_only_qconfig_4bit, 15],
    ] as const) {
      const q = nnq.Embedding.from_float(observed(emb, qconfig));
      const y = q.forward(x);
      expect(y.shape).toEqual([2, 3, 6]);
      for (let i = 0; i < want.length; i++) {
        const r = [0, 3, 11, 3, 7, 5][Math.floor(i / 6)];
        const row = [...emb.weight.data.subarray(r * 6, r * 6 + 6)];
        const step = (Math.max(...row) - Math.min(...row)) / levels;
        // half a step, plus float16's rounding of the 4-bit row scale and bias
        expect(Math.abs(y.data[i] - want[i])).toBeLessThanOrEqual(step * (levels === 15 ? 0.52 : 0.5) + 2e-3);
      }
      expect(Object.keys(q.state_dict())).toEqual(['_packed_weight']);
      expect(q.state_dict()._packed_weight.shape).toEqual([12, levels === 255 ? 6 + 8 : 3 + 4]);
    }
    const q = nnq.Embedding.from_float(observed(emb, float_qparams_weight_only_qconfig));
    expect(String(q)).toBe(
      'Embedding(num_embeddings=12, embedding_dim=6, dtype=torch.quint8, qscheme=torch.per_channel_affine_float_qparams)',
    );
  });

  it("refuses other qconfigs with torch's messages, and odd dims in 4 bits", () => {
    const emb = new Embedding(4, 3);
    expect(() => nnq.Embedding.from_float(observed(emb, get_default_qconfig('qnnpack')))).toThrow(
      /Embedding quantization is only supported with float_qparams_weight_only_qconfig/,
    );
    expect(() => nnq.Embedding.from_float(new Embedding(4, 3))).toThrow(/Embedding.from_float: .*qconfig/);
    expect(() => nnq.Embedding.from_float(observed(emb, float_qparams_weight_only_qconfig_4bit))).toThrow(
      /embedding_dim must be even/,
    );
  });

  it('bags: sum, mean, max, per_sample_weights, offsets, include_last_offset, padding_idx, empty bags', () => {
    manual_seed(2);
    const fb = new EmbeddingBag(10, 4, { mode: 'sum' });
    const make = (mode: 'sum' | 'mean' | 'max', extra: object = {}) => {
      const b = nnq.EmbeddingBag.from_float(
        observed(Object.assign(fb, { mode }, extra), float_qparams_weight_only_qconfig),
      );
      return b;
    };
    const sum = make('sum');
    const rows = (ids: number[]) => {
      const e = new nnq.Embedding(10, 4);
      e.register_buffer('_packed_weight', sum._packed_weight);
      return e.forward(idx(ids)).data;
    };
    const ids = [1, 4, 4, 9, 0, 2];
    const offsets = idx([0, 3, 3]); // bags [1, 4, 4], [], [9, 0, 2]
    const r = rows(ids);
    const y = sum.forward(idx(ids), offsets);
    expect(y.shape).toEqual([3, 4]);
    expect([...y.data.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
    // a one-row bag is the row itself; longer bags are within float32 rounding of the row sum
    expect([...sum.forward(idx([9]), idx([0])).data]).toEqual([...r.subarray(12, 16)]);
    for (let j = 0; j < 4; j++) expect(y.data[j]).toBeCloseTo(r[j] + r[4 + j] + r[8 + j], 5);
    const mean = make('mean').forward(idx(ids), offsets);
    const max = make('max').forward(idx(ids), offsets);
    for (let j = 0; j < 4; j++) {
      expect(mean.data[8 + j]).toBeCloseTo((r[12 + j] + r[16 + j] + r[20 + j]) / 3, 5);
      expect(max.data[8 + j]).toBe(Math.max(r[12 + j], r[16 + j], r[20 + j]));
    }
    // include_last_offset: the same bags from 4 offsets; 2-D input: fixed-length bags
    const last = make('sum', { include_last_offset: true }).forward(idx(ids), idx([0, 3, 3, 6]));
    expect([...last.data]).toEqual([...y.data]);
    const two_d = make('sum', { include_last_offset: false }).forward(idx(ids, [2, 3]));
    expect([...two_d.data.subarray(4, 8)]).toEqual([...y.data.subarray(8, 12)]);
    // per_sample_weights scale each row (mode sum)
    const w = new Tensor(Float32Array.of(2, 0, 0, 1, 1, 1), [6], 'float32');
    const wy = sum.forward(idx(ids), offsets, w);
    for (let j = 0; j < 4; j++) expect(wy.data[j]).toBeCloseTo(2 * r[j], 5);
    expect(() => make('mean').forward(idx(ids), offsets, w)).toThrow(
      /per_sample_weights are only supported for mode 'sum'/,
    );
    // padding_idx: skipped, and not counted by mean
    const padded = make('mean', { padding_idx: 4, include_last_offset: false }).forward(idx(ids), offsets);
    for (let j = 0; j < 4; j++) expect(padded.data[j]).toBe(r[j]);
    expect(() => sum.forward(idx(ids))).toThrow(/1-D indices need offsets/);
    expect(() => sum.forward(idx([10]), idx([0]))).toThrow(/index 10 at position 0 is out of range/);
  });

  it('FX: weight-only qconfig swaps the module; any other qconfig keeps it float, as torch 1.13 dtype configs do', () => {
    class Net extends Module {
      emb = new Embedding(8, 4);
      forward(x: Tensor): Tensor {
        return this.emb.forward(x);
      }
    }
    manual_seed(3);
    const x = idx([1, 2, 7]);
    const m = new Net().eval();
    const float_q = convert_fx(prepare_fx(m, { '': get_default_qconfig('qnnpack') }, [x]));
    expect(float_q.get_submodule('emb').constructor).toBe(Embedding);
    const q = convert_fx(
      prepare_fx(
        m,
        { '': get_default_qconfig('qnnpack'), module_name: [['emb', float_qparams_weight_only_qconfig]] } as never,
        [x],
      ),
    );
    expect(q.get_submodule('emb').constructor).toBe(nnq.Embedding);
    const want = m.forward(x).data;
    const got = (q.forward(x) as Tensor).data;
    for (let i = 0; i < want.length; i++) expect(Math.abs(want[i] - got[i])).toBeLessThan(0.03);
    // the reference model: a float Embedding over the quantized → dequantized table ((q − zp) · scale per row)
    const ref = convert_fx(prepare_fx(m, { '': float_qparams_weight_only_qconfig }, [x]), { is_reference: true });
    expect(ref.get_submodule('emb').constructor).toBe(Embedding);
    const r = (ref.forward(x) as Tensor).data;
    for (let i = 0; i < r.length; i++) expect(Math.abs(r[i] - got[i])).toBeLessThan(1e-5);
  });
});
