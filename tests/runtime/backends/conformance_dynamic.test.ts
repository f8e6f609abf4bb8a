/**
 * Conformance of the dynamic-quantization and LSTM-cell kernels (RnnKernels): wasm equals the js reference
 * bit for bit on min/max, quantize_u8 and dequant_bias (random lengths for SIMD bodies and scalar tails,
 * values at quantization ties, clamps and infinities), the fused LSTM cell within 1e-6, and the js
 * reference equals the dynamic linear's own arithmetic (quantized/qtensor.ts).
 */

import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nn } from '../../../index.js';
import { no_grad } from '../../../runtime/autograd/grad_mode.js';
import { js_rnn } from '../../../runtime/backends/js/rnn.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { wasm_rnn } from '../../../runtime/backends/wasm/rnn.js';
import { load_safetensors } from '../../../runtime/io/index.js';
import { choose_qparams, quantize_to_u8 } from '../../../runtime/quantized/qtensor.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { load_golden, QUANTIZED_FIXTURES } from '../quantized/golden_helpers.js';

const wasm = wasm_rnn(load_wasm_backend()) as NonNullable<ReturnType<typeof wasm_rnn>>;
const RUNS = 1000;

/** Floats with ties: some values are exact (k + 0.5)·scale so round-half-even decides. */
const floats = (len: fc.Arbitrary<number>) =>
  fc.tuple(len, fc.integer({ min: 1, max: 2 ** 31 - 1 })).map(([n, seed]) => {
    let s = seed;
    const rnd = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 4294967296;
    };
    const span = 10 ** (rnd() * 6 - 3);
    const off = (rnd() - 0.3) * span;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const r = rnd();
      x[i] = r < 0.1 ? (Math.floor(rnd() * 64) - 32 + 0.5) * 0.25 : r < 0.13 ? 0 : off + (rnd() - 0.5) * span;
    }
    return x;
  });

function same_bits(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `index ${i}: js ${a[i]} wasm ${b[i]}`;
  return null;
}

describe('dynamic quantization kernels: wasm = js bit for bit', () => {
  it('minmax', () => {
    fc.assert(
      fc.property(floats(fc.integer({ min: 0, max: 70 })), (x) => {
        const [a, b] = js_rnn.minmax(x);
        const [c, d] = wasm.minmax(x);
        // -0 vs 0 ties may pick either sign; both widen to the same qparams
        expect(a === c && b === d).toBe(true);
      }),
      { numRuns: RUNS },
    );
    expect(wasm.minmax(Float32Array.of(1, Number.NaN, 2)).every(Number.isNaN)).toBe(true);
    expect(js_rnn.minmax(Float32Array.of(1, 2, Number.NaN)).every(Number.isNaN)).toBe(true);
    expect(wasm.minmax(new Float32Array(0))).toEqual([0, 0]);
  });

  it('quantize_u8 with the qparams the dynamic linear chooses', () => {
    fc.assert(
      fc.property(floats(fc.integer({ min: 1, max: 70 })), (x) => {
        const [lo, hi] = js_rnn.minmax(x);
        const qp = choose_qparams(lo, hi, 0, 255);
        const want = quantize_to_u8(x, qp.scale, qp.zero_point);
        expect(same_bits(js_rnn.quantize_u8(x, qp.scale, qp.zero_point), want)).toBeNull();
        expect(same_bits(wasm.quantize_u8(x, qp.scale, qp.zero_point), want)).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it('quantize_u8 at fixed qparams clamps and rounds ties to even, infinities included', () => {
    fc.assert(
      fc.property(
        floats(fc.integer({ min: 1, max: 40 })),
        fc.float({ min: Math.fround(1e-3), max: 4, noNaN: true }),
        fc.integer({ min: 0, max: 255 }),
        (x, scale, zp) => {
          const y = Float32Array.from([...x, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5, 1.5, 2.5]);
          const want = quantize_to_u8(y, scale, zp);
          expect(same_bits(wasm.quantize_u8(y, scale, zp), want)).toBeNull();
          expect(same_bits(js_rnn.quantize_u8(y, scale, zp), want)).toBeNull();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('dequant_bias (per-tensor and per-channel scales, with and without bias, accumulators past 2^24)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 23 }),
        fc.float({ min: Math.fround(1e-6), max: 1, noNaN: true }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (m, n, x_scale, per_channel, with_bias, seed) => {
          let s = seed;
          const rnd = () => {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return s / 4294967296;
          };
          const acc = Int32Array.from({ length: m * n }, () =>
            rnd() < 0.2 ? Math.floor((rnd() - 0.5) * 2 ** 31) : Math.floor((rnd() - 0.5) * 2e5),
          );
          const s0 = Math.fround(rnd() * 0.05 + 1e-5);
          const ws = Float32Array.from({ length: n }, () => (per_channel ? rnd() * 0.05 + 1e-5 : s0));
          const bias = with_bias ? Float32Array.from({ length: n }, () => (rnd() - 0.5) * 4) : null;
          const want = new Float32Array(m * n);
          for (let r = 0; r < m; r++)
            for (let c = 0; c < n; c++) {
              const v = Math.fround(Math.fround(acc[r * n + c]) * Math.fround(x_scale * ws[c]));
              want[r * n + c] = bias ? Math.fround(v + bias[c]) : v;
            }
          expect(same_bits(js_rnn.dequant_bias(acc, m, n, x_scale, ws, bias), want)).toBeNull();
          expect(same_bits(wasm.dequant_bias(acc, m, n, x_scale, ws, bias), want)).toBeNull();
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('fused LSTM cell', () => {
  it('wasm within 1e-6 of the js reference, and the js reference is the float32 LSTM cell', () => {
    let exact = 0;
    let total = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 13 }),
        fc.float({ min: Math.fround(0.01), max: 30, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (n, H, span, seed) => {
          let s = seed;
          const rnd = () => {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return (s / 4294967296 - 0.5) * span;
          };
          const gx = Float32Array.from({ length: n * 4 * H }, rnd);
          const gh = Float32Array.from({ length: n * 4 * H }, rnd);
          const c0 = Float32Array.from({ length: n * H }, rnd);
          const h0 = Float32Array.from({ length: n * H }, rnd);
          const [cj, hj, cw, hw] = [c0.slice(), h0.slice(), c0.slice(), h0.slice()];
          js_rnn.lstm_cell(gx, gh, cj, hj, n, H);
          wasm.lstm_cell(gx, gh, cw, hw, n, H);
          for (let r = 0; r < n; r++)
            for (let j = 0; j < H; j++) {
              const a = r * 4 * H + j;
              const sg = (v: number) => 1 / (1 + Math.exp(-v));
              const pre = (k: number) => gx[a + k * H] + gh[a + k * H];
              const c = sg(pre(1)) * c0[r * H + j] + sg(pre(0)) * Math.tanh(pre(2));
              // float64 cell vs float32 reference: a few float32 ulps of the cell state's magnitude
              expect(Math.abs(cj[r * H + j] - c)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(c)) * 4);
              expect(Math.abs(hj[r * H + j] - sg(pre(3)) * Math.tanh(cj[r * H + j]))).toBeLessThanOrEqual(1e-6);
            }
          for (let i = 0; i < n * H; i++) {
            expect(Math.abs(cw[i] - cj[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(cj[i])));
            expect(Math.abs(hw[i] - hj[i])).toBeLessThanOrEqual(1e-6);
            exact += Number(cw[i] === cj[i] && hw[i] === hj[i]);
            total++;
          }
        },
      ),
      { numRuns: RUNS },
    );
    // both evaluate exp / tanh in float64 and round once: nearly always the very same float32
    expect(exact / total).toBeGreaterThan(0.999);
  });

  it('rejects buffers that do not fit', () => {
    expect(() =>
      wasm.lstm_cell(new Float32Array(7), new Float32Array(8), new Float32Array(2), new Float32Array(2), 1, 2),
    ).toThrow(/wasm.lstm_cell: need gx, gh of 1·8/);
    expect(() => js_rnn.dequant_bias(new Int32Array(3), 2, 2, 1, new Float32Array(2), null)).toThrow(/acc has 3/);
  });
});

/** Runs fn with `name` as the current backend, restoring the previous one. */
function on<T>(name: 'js' | 'wasm', fn: () => T): T {
  const prev = get_backend().name;
  set_backend(name);
  try {
    return no_grad(fn);
  } finally {
    set_backend(prev);
  }
}

function max_diff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('whole LSTM layers on wasm (resident buffers) vs the js path', () => {
  const rand = (n: number, seed: number) => {
    let s = seed;
    return Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 4294967296 - 0.5;
    });
  };
  for (const [N, bidirectional, batch_first] of [
    [1, false, true],
    [5, true, false],
    [3, true, true],
  ] as const) {
    it(`N=${N}, bidirectional=${bidirectional}, batch_first=${batch_first}, 2 layers`, () => {
      const T = 6;
      const lstm = new nn.LSTM(7, 9, { num_layers: 2, bidirectional, batch_first });
      const L = 2 * (bidirectional ? 2 : 1);
      const x = new Tensor(rand(T * N * 7, 11 + N), batch_first ? [N, T, 7] : [T, N, 7], 'float32');
      const h0 = new Tensor(rand(L * N * 9, 3), [L, N, 9], 'float32');
      const c0 = new Tensor(rand(L * N * 9, 5), [L, N, 9], 'float32');
      const [fj, [hj, cj]] = on('js', () => lstm.forward(x, [h0, c0]));
      const [fw, [hw, cw]] = on('wasm', () => lstm.forward(x, [h0, c0]));
      // float path: js computes the gates in float64, wasm per op in float32
      expect(max_diff(fj.data, fw.data)).toBeLessThan(1e-5);
      expect(max_diff(hj.data, hw.data)).toBeLessThan(1e-5);
      expect(max_diff(cj.data, cw.data)).toBeLessThan(1e-5);
      const q = nn.quantized.dynamic.LSTM.from_float(lstm);
      const [qj, [qhj, qcj]] = on('js', () => q.forward(x, [h0, c0]));
      const [qw, [qhw, qcw]] = on('wasm', () => q.forward(x, [h0, c0]));
      // same quantization, same int32 sums, same float32 steps: identical
      expect(max_diff(qj.data, qw.data)).toBe(0);
      expect(max_diff(qhj.data, qhw.data)).toBe(0);
      expect(max_diff(qcj.data, qcw.data)).toBe(0);
    });
  }

  it("FmnistLSTM dynamic on wasm gives PyTorch's dynamic logits exactly (golden batch)", () => {
    const golden = load_golden('fmnist_lstm_dynamic');
    const w = load_safetensors(join(QUANTIZED_FIXTURES, 'fmnist_lstm.safetensors'));
    const lstm = new nn.LSTM(28, 128, { batch_first: true });
    const fc = new nn.Linear(128, 10);
    lstm.load_state_dict(
      Object.fromEntries(
        Object.entries(w)
          .filter(([k]) => k.startsWith('lstm.'))
          .map(([k, v]) => [k.slice(5), v]),
      ),
    );
    fc.load_state_dict({ weight: w['fc.weight'], bias: w['fc.bias'] });
    const ql = nn.quantized.dynamic.LSTM.from_float(lstm);
    const qf = nn.quantized.dynamic.Linear.from_float(fc);
    const seq = new Tensor(golden.t['input/x_fp32'].data, [8, 28, 28], 'float32');
    const logits = on('wasm', () => {
      const out = ql.forward(seq)[0];
      const last = new Float32Array(8 * 128);
      for (let i = 0; i < 8; i++)
        last.set((out.data as Float32Array).subarray((i * 28 + 27) * 128, (i * 28 + 28) * 128), i * 128);
      return qf.forward(new Tensor(last, [8, 128], 'float32'));
    });
    expect(max_diff(logits.data, golden.t['int8/logits_dynamic'].data)).toBe(0);
  });
});
