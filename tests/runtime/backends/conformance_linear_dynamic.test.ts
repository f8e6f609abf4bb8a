/**
 * Conformance of RnnKernels.linear_dynamic (torch's dynamic int8 Linear in one call): wasm equals the js
 * reference bit for bit on 1,000 random cases — rows m (batch × tokens) including 0 and odd counts, k and n
 * that do and do not divide the SIMD widths (8, 4), per-tensor and per-channel weights with zero points,
 * with / without bias and relu — and the js reference equals the step-by-step formula of qnnpack's dynamic
 * linear (choose_qparams on the whole input's min/max, quantize, int32 dot, f32(f32(acc)·f32(s_x·s_w)) + b).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { js_backend } from '../../../runtime/backends/js/index.js';
import type { QWeightSource } from '../../../runtime/backends/types.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { choose_qparams, quantize_to_u8 } from '../../../runtime/quantized/qtensor.js';

const wasm = load_wasm_backend();
const RUNS = 1000;
const fround = Math.fround;

interface Case {
  m: number;
  src: QWeightSource;
  x: Float32Array;
  relu: boolean;
}

/** A seeded case (sizes from fast-check, values from a small LCG so 1,000 runs stay fast). */
const cases: fc.Arbitrary<Case> = fc
  .record({
    m: fc.integer({ min: 0, max: 37 }),
    k: fc.integer({ min: 1, max: 41 }),
    n: fc.integer({ min: 1, max: 19 }),
    per_channel: fc.boolean(),
    bias: fc.boolean(),
    relu: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .map(({ m, k, n, per_channel, bias, relu, seed }) => {
    let s = seed;
    const rnd = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 4294967296;
    };
    const span = 10 ** (rnd() * 4 - 2);
    const off = (rnd() - 0.5) * span;
    const x = Float32Array.from({ length: m * k }, () => (rnd() < 0.05 ? 0 : off + (rnd() - 0.5) * span));
    const ch = per_channel ? n : 1;
    const src: QWeightSource = {
      data: Int8Array.from({ length: n * k }, () => Math.floor(rnd() * 256) - 128),
      n,
      k,
      scales: Float32Array.from({ length: ch }, () => fround(10 ** (rnd() * 3 - 4))),
      zero_points: Int32Array.from({ length: ch }, () => (rnd() < 0.5 ? 0 : Math.floor(rnd() * 21) - 10)),
      bias: bias ? Float32Array.from({ length: n }, () => fround((rnd() - 0.5) * 4)) : null,
    };
    return { m, src, x, relu };
  });

/** The weight scale per output channel, as the functional op passes it. */
const scales_of = (src: QWeightSource) =>
  Float32Array.from({ length: src.n }, (_, c) => src.scales[src.scales.length === 1 ? 0 : c]);

function run(be: typeof js_backend, c: Case): Float32Array {
  const w = be.int8.pack_qweight(c.src);
  return be.rnn.linear_dynamic(c.x, c.m, w, scales_of(c.src), c.src.bias, c.relu);
}

/** qnnpack's dynamic linear written out step by step. */
function formula(c: Case): Float32Array {
  const { n, k } = c.src;
  const out = new Float32Array(c.m * n);
  if (c.m === 0) return out;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of c.x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const qp = choose_qparams(lo, hi, 0, 255);
  const xq = quantize_to_u8(c.x, qp.scale, qp.zero_point);
  const ws = scales_of(c.src);
  for (let r = 0; r < c.m; r++) {
    for (let j = 0; j < n; j++) {
      const zw = c.src.zero_points[c.src.zero_points.length === 1 ? 0 : j];
      let acc = 0;
      for (let i = 0; i < k; i++) acc += (xq[r * k + i] - qp.zero_point) * (c.src.data[j * k + i] - zw);
      let v = fround(fround(acc) * fround(qp.scale * ws[j]));
      if (c.src.bias) v = fround(v + c.src.bias[j]);
      out[r * n + j] = c.relu && v < 0 ? 0 : v;
    }
  }
  return out;
}

function first_difference(a: Float32Array, b: Float32Array): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

describe('linear_dynamic: wasm = js = the formula, bit for bit', () => {
  it('1,000 random cases', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const js = run(js_backend, c);
        expect(first_difference(js, formula(c))).toBeNull();
        expect(first_difference(run(wasm, c), js)).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects NaN / infinite inputs and mismatched sizes, naming the kernel', () => {
    const src: QWeightSource = {
      data: new Int8Array(6),
      n: 2,
      k: 3,
      scales: Float32Array.of(0.1),
      zero_points: Int32Array.of(0),
      bias: null,
    };
    for (const be of [js_backend, wasm]) {
      const w = be.int8.pack_qweight(src);
      const s = Float32Array.of(0.1, 0.1);
      expect(() => be.rnn.linear_dynamic(Float32Array.of(1, Number.NaN, 2), 1, w, s, null, false)).toThrow(
        `${be.name}.linear_dynamic: input [1, 3] contains NaN or infinite values`,
      );
      expect(() => be.rnn.linear_dynamic(new Float32Array(4), 1, w, s, null, false)).toThrow(/x has 4 elements/);
      expect(() => be.rnn.linear_dynamic(new Float32Array(3), 1, w, Float32Array.of(1), null, false)).toThrow(
        /w_scales has 1 entries, expected n = 2/,
      );
    }
  });
});
