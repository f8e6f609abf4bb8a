/**
 * Conformance of the int8 ops of issue #16 part 2 (ELU, LeakyReLU tables, qgroup_norm, qembedding_bag): the wasm backend equals
 * the js reference bit for bit, 1,000 random cases each, on lengths that do and do not fill the SIMD vectors.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { js_backend } from '../../../runtime/backends/js/index.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import type { QEmbeddingBagParams, QGroupNormParams } from '../../../runtime/backends/types.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import * as qf from '../../../runtime/quantized/functional/index.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { first_diff, lcg, zp_u8 } from './_arbitraries.js';
import { arb_length as length, same_on_both, arb_scale as scale, arb_seed as seed } from './_js_wasm.js';

const wasm = load_wasm_backend().int8;
const js = js_backend.int8;
const RUNS = 1000;
const previous = get_backend().name;
afterAll(() => set_backend(previous));

const qx = (n: number, s: number, sc: number, zp: number): Tensor => {
  const rnd = lcg(s);
  return make_qtensor(
    Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256)),
    [n],
    'quint8',
    sc,
    zp,
  );
};

describe('int8 ELU / LeakyReLU: wasm equals js bit for bit', () => {
  it(`elu, leaky_relu tables (${RUNS} random tensors, qparams, alpha and slopes)`, () => {
    fc.assert(
      fc.property(
        length,
        seed,
        fc.tuple(scale, zp_u8, scale, zp_u8),
        fc.double({ min: -2, max: 3, noNaN: true }),
        (n, s, [sc, zp, out_sc, out_zp], k) => {
          const x = qx(n, s, sc, zp);
          same_on_both(() => qf.elu(x, k, out_sc, out_zp), 'elu');
          same_on_both(() => qf.leaky_relu(x, k, out_sc, out_zp), 'leaky_relu');
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('int8 GroupNorm / InstanceNorm kernel: wasm equals js bit for bit', () => {
  it(`qgroup_norm (${RUNS} random shapes, groups, affine, eps and qparams; constant groups at eps 0)`, () => {
    fc.assert(
      fc.property(
        seed,
        fc.tuple(
          fc.integer({ min: 0, max: 3 }),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 70 }),
        ),
        fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
        fc.oneof(fc.constant(0), fc.constant(1e-5), fc.double({ min: 0, max: 2, noNaN: true })),
        fc.tuple(scale, zp_u8, scale, zp_u8, zp_u8),
        (s, [batch, groups, cpg, spatial], [has_w, has_b, constant], eps, [sc, zp, out_sc, out_zp, lo]) => {
          const rnd = lcg(s);
          const channels = groups * cpg;
          const n = batch * channels * spatial;
          const fill = Math.floor(rnd() * 256);
          const data = Uint8Array.from({ length: n }, () => (constant ? fill : Math.floor(rnd() * 256)));
          const vec = () => Float32Array.from({ length: channels }, () => (rnd() - 0.5) * 6);
          const p: QGroupNormParams = {
            batch,
            channels,
            groups,
            spatial,
            weight: has_w ? vec() : null,
            bias: has_b ? vec() : null,
            eps,
          };
          const out = { scale: out_sc, zero_point: out_zp, qmin: Math.min(lo, 255), qmax: 255 };
          const x = { data, scale: sc, zero_point: zp };
          const diff = first_diff(js.qgroup_norm(x, p, out), wasm.qgroup_norm(x, p, out));
          if (diff) throw new Error(`qgroup_norm: ${diff}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('both backends refuse the same malformed calls', () => {
    const x = { data: new Uint8Array(12), scale: 0.1, zero_point: 3 };
    const out = { scale: 0.1, zero_point: 0, qmin: 0, qmax: 255 };
    const p = { batch: 1, channels: 3, groups: 2, spatial: 4, weight: null, bias: null, eps: 1e-5 };
    for (const k of [js, wasm]) {
      expect(() => k.qgroup_norm(x, p, out)).toThrow(/channels 3 are not divisible by groups 2/);
      expect(() => k.qgroup_norm(x, { ...p, groups: 3, spatial: 5 }, out)).toThrow(/x has 12 elements/);
      expect(() => k.qgroup_norm(x, { ...p, groups: 1, weight: new Float32Array(2) }, out)).toThrow(/weight/);
      expect(() => k.qgroup_norm(x, { ...p, groups: 1, eps: -1 }, out)).toThrow(/eps/);
    }
  });
});

/** A random fused table: q bytes, then per row a float32 (8-bit) or float16 (4-bit) scale and bias. */
function random_table(rows: number, dim: number, bits: 8 | 4, rnd: () => number): Uint8Array {
  const rb = bits === 8 ? dim + 8 : dim / 2 + 4;
  const t = Uint8Array.from({ length: rows * rb }, () => Math.floor(rnd() * 256));
  const v = new DataView(t.buffer);
  for (let r = 0; r < rows; r++) {
    const o = r * rb + (bits === 8 ? dim : dim / 2);
    const scale = 2 ** (rnd() * 12 - 10);
    const bias = (rnd() - 0.5) * 300 * scale;
    if (bits === 8) {
      v.setFloat32(o, scale, true);
      v.setFloat32(o + 4, bias, true);
    } else {
      // finite halves: exponent field 1..29 (bits 10..14), any mantissa and sign
      const half = () => (rnd() < 0.5 ? 0x8000 : 0) | ((1 + Math.floor(rnd() * 29)) << 10) | Math.floor(rnd() * 1024);
      v.setUint16(o, half() & 0x7fff, true);
      v.setUint16(o + 2, half(), true);
    }
  }
  return t;
}

describe('int8 embedding bag kernel: wasm equals js bit for bit', () => {
  it('a float64 tie of the fused multiply-add (scale·q on an f32 midpoint, a bias far below it) rounds as the exact fma', () => {
    // row: q = 3, scale 1 + 2^-23, bias ∓2^-60: scale·q is halfway between two f32 values, the bias decides
    const table = new Uint8Array(2 * 9);
    const v = new DataView(table.buffer);
    for (const [r, bias] of [
      [0, -(2 ** -60)],
      [1, 2 ** -60],
    ] as const) {
      table[r * 9] = 3;
      v.setFloat32(r * 9 + 1, 1 + 2 ** -23, true);
      v.setFloat32(r * 9 + 5, bias, true);
    }
    const p: QEmbeddingBagParams = {
      rows: 2,
      dim: 1,
      bits: 8,
      offsets: Int32Array.of(0, 1, 2),
      mode: 'sum',
      per_sample_weights: null,
      padding_idx: -1,
    };
    const want = [3 + 2 ** -22, 3 + 2 * 2 ** -22].map(Math.fround);
    expect([...js.qembedding_bag(table, Int32Array.of(0, 1), p)]).toEqual(want);
    expect([...wasm.qembedding_bag(table, Int32Array.of(0, 1), p)]).toEqual(want);
  });

  it(`qembedding_bag (${RUNS} random tables, 8 and 4 bits, bags, modes, weights, padding_idx)`, () => {
    fc.assert(
      fc.property(
        seed,
        fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 37 }), fc.constantFrom<8 | 4>(8, 4)),
        fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 30 })),
        fc.tuple(fc.constantFrom<'sum' | 'mean' | 'max'>('sum', 'mean', 'max'), fc.boolean(), fc.boolean()),
        (s, [rows, d, bits], [bags, n], [mode, weighted, padded]) => {
          const rnd = lcg(s);
          const dim = bits === 4 ? 2 * d : d;
          const table = random_table(rows, dim, bits, rnd);
          const indices = Int32Array.from({ length: n }, () => Math.floor(rnd() * rows));
          const cuts = Array.from({ length: bags }, () => Math.floor(rnd() * (n + 1))).sort((a, b) => a - b);
          const offsets = Int32Array.from([0, ...cuts, n]);
          const p: QEmbeddingBagParams = {
            rows,
            dim,
            bits,
            offsets,
            mode,
            per_sample_weights:
              weighted && mode === 'sum' ? Float32Array.from({ length: n }, () => (rnd() - 0.3) * 3) : null,
            padding_idx: padded ? Math.floor(rnd() * rows) : -1,
          };
          const diff = first_diff(js.qembedding_bag(table, indices, p), wasm.qembedding_bag(table, indices, p));
          if (diff) throw new Error(`qembedding_bag: ${diff}`);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
