import { describe, expect, it } from 'vitest';
import { Generator, gradcheck, manual_seed, nn, no_grad, randn, type Tensor } from '../../../index.js';

function rnd(shape: number[], seed: number, requires_grad = false): Tensor {
  const t = randn(shape, { generator: new Generator(seed) });
  t.requires_grad = requires_grad;
  return t;
}

const sig = (v: number) => 1 / (1 + Math.exp(-v));

type Mode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';

/** Textbook float64 recurrence for one layer and direction: seq[t][n][i] → outputs[t][n][j], final h, c. */
function naive_layer(
  mode: Mode,
  seq: number[][][],
  p: Record<string, Float32Array | undefined>,
  H: number,
  reverse: boolean,
  h0: number[][],
  c0: number[][],
) {
  const T = seq.length;
  const N = seq[0].length;
  const I = seq[0][0].length;
  const G = mode === 'LSTM' ? 4 : mode === 'GRU' ? 3 : 1;
  const h = h0.map((r) => [...r]);
  const c = c0.map((r) => [...r]);
  const out: number[][][] = new Array(T);
  const mv = (w: Float32Array, b: Float32Array | undefined, v: number[], cols: number) => {
    const r = new Array(G * H).fill(0);
    for (let k = 0; k < G * H; k++) {
      let s = b ? b[k] : 0;
      for (let j = 0; j < cols; j++) s += w[k * cols + j] * v[j];
      r[k] = s;
    }
    return r;
  };
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let n = 0; n < N; n++) {
      const gi = mv(p.w_ih as Float32Array, p.b_ih, seq[t][n], I);
      const gh = mv(p.w_hh as Float32Array, p.b_hh, h[n], H);
      const hn = new Array(H);
      for (let j = 0; j < H; j++) {
        if (mode === 'LSTM') {
          const i = sig(gi[j] + gh[j]);
          const f = sig(gi[H + j] + gh[H + j]);
          const g = Math.tanh(gi[2 * H + j] + gh[2 * H + j]);
          const o = sig(gi[3 * H + j] + gh[3 * H + j]);
          c[n][j] = f * c[n][j] + i * g;
          hn[j] = o * Math.tanh(c[n][j]);
        } else if (mode === 'GRU') {
          const r = sig(gi[j] + gh[j]);
          const z = sig(gi[H + j] + gh[H + j]);
          const nn_ = Math.tanh(gi[2 * H + j] + r * gh[2 * H + j]);
          hn[j] = (1 - z) * nn_ + z * h[n][j];
        } else {
          const v = gi[j] + gh[j];
          hn[j] = mode === 'RNN_TANH' ? Math.tanh(v) : Math.max(v, 0);
        }
      }
      h[n] = hn;
    }
    out[t] = h.map((r) => [...r]);
  }
  return { out, h, c };
}

/** Runs the whole (multi-layer, maybe bidirectional) net naively; returns flat output in the module's layout, and h_n, c_n. */
function naive_rnn(mode: Mode, m: nn.RNNBase, x: Tensor, h0: Tensor | null, c0: Tensor | null) {
  const bf = m.batch_first;
  const [A, B, I] = x.shape;
  const T = bf ? B : A;
  const N = bf ? A : B;
  const H = m.hidden_size;
  const D = m.bidirectional ? 2 : 1;
  let seq: number[][][] = [];
  for (let t = 0; t < T; t++) {
    seq.push([]);
    for (let n = 0; n < N; n++) {
      const row = bf ? n * T + t : t * N + n;
      seq[t].push([...x.data.subarray(row * I, (row + 1) * I)]);
    }
  }
  const hn: number[] = [];
  const cn: number[] = [];
  const state = (s: Tensor | null, k: number) =>
    Array.from({ length: N }, (_, n) =>
      s ? [...s.data.subarray((k * N + n) * H, (k * N + n + 1) * H)] : new Array(H).fill(0),
    );
  for (let l = 0; l < m.num_layers; l++) {
    const outs: number[][][][] = [];
    for (let d = 0; d < D; d++) {
      const k = l * D + d;
      const p = {
        w_ih: m._param('weight_ih', l, d)?.data as Float32Array,
        w_hh: m._param('weight_hh', l, d)?.data as Float32Array,
        b_ih: m._param('bias_ih', l, d)?.data as Float32Array | undefined,
        b_hh: m._param('bias_hh', l, d)?.data as Float32Array | undefined,
      };
      const r = naive_layer(mode, seq, p, H, d === 1, state(h0, k), state(c0, k));
      outs.push(r.out);
      hn.push(...r.h.flat());
      cn.push(...r.c.flat());
    }
    seq = outs[0].map((step, t) => step.map((row, n) => (D === 1 ? row : [...row, ...outs[1][t][n]])));
  }
  const out: number[] = [];
  if (bf) for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) out.push(...seq[t][n]);
  else for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) out.push(...seq[t][n]);
  return { out, hn, cn };
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThan(tol);
}

function make(mode: Mode, I: number, H: number, opts: nn.RNNOptions): nn.RNNBase {
  if (mode === 'LSTM') return new nn.LSTM(I, H, opts);
  if (mode === 'GRU') return new nn.GRU(I, H, opts);
  return new nn.RNN(I, H, { ...opts, nonlinearity: mode === 'RNN_TANH' ? 'tanh' : 'relu' });
}

function run(
  m: nn.RNNBase,
  x: Tensor,
  h0: Tensor | null,
  c0: Tensor | null,
): { out: Tensor; h: Tensor; c: Tensor | null } {
  if (m instanceof nn.LSTM) {
    const [out, [h, c]] = m.forward(x, h0 && c0 ? [h0, c0] : null);
    return { out, h, c };
  }
  const [out, h] = (m as nn.GRU).forward(x, h0);
  return { out, h, c: null };
}

describe('LSTM / GRU / RNN against a naive float64 recurrence', () => {
  const modes: Mode[] = ['LSTM', 'GRU', 'RNN_TANH', 'RNN_RELU'];
  for (const mode of modes) {
    for (const [label, opts, with_state] of [
      ['1 layer, seq-first', {}, false],
      ['2 layers, batch_first, initial state', { num_layers: 2, batch_first: true }, true],
      ['2 layers, bidirectional', { num_layers: 2, bidirectional: true }, true],
      ['no bias', { bias: false }, false],
    ] as [string, nn.RNNOptions, boolean][]) {
      it(`${mode}: ${label} — fast path and autograd path both match`, () => {
        manual_seed(mode.length + label.length);
        const m = make(mode, 3, 4, opts);
        const D = opts.bidirectional ? 2 : 1;
        const L = opts.num_layers ?? 1;
        const x = rnd(opts.batch_first ? [2, 5, 3] : [5, 2, 3], 1);
        const h0 = with_state ? rnd([L * D, 2, 4], 2) : null;
        const c0 = with_state && mode === 'LSTM' ? rnd([L * D, 2, 4], 3) : null;
        const want = naive_rnn(mode, m, x, h0, c0);
        const fast_state = no_grad(() => run(m, x, h0, c0));
        const slow = run(m, x, h0, c0);
        expect(slow.out.requires_grad).toBe(true);
        expect(fast_state.out.requires_grad).toBe(false);
        for (const r of [fast_state, slow]) {
          expect(r.out.shape).toEqual(opts.batch_first ? [2, 5, 4 * D] : [5, 2, 4 * D]);
          expect(r.h.shape).toEqual([L * D, 2, 4]);
          close(r.out.data, want.out, 2e-5);
          close(r.h.data, want.hn, 2e-5);
          if (mode === 'LSTM') close((r.c as Tensor).data, want.cn, 2e-5);
        }
      });
    }
  }

  it('unbatched [T, I] input returns [T, H] and [L, H] states', () => {
    const m = new nn.LSTM(3, 4, { num_layers: 2 });
    const x = rnd([5, 3], 1);
    const [out, [h, c]] = m.forward(x);
    expect(out.shape).toEqual([5, 4]);
    expect(h.shape).toEqual([2, 4]);
    expect(c.shape).toEqual([2, 4]);
    const [out_b] = m.forward(x.unsqueeze(1));
    close(out.data, out_b.data, 1e-7);
  });

  it('dropout between layers acts only in training mode', () => {
    const m = new nn.GRU(3, 8, { num_layers: 2, dropout: 0.5 });
    const x = rnd([4, 2, 3], 1);
    m.eval();
    const [a] = no_grad(() => m.forward(x));
    const [b] = no_grad(() => m.forward(x));
    expect([...a.data]).toEqual([...b.data]);
    m.train();
    const [c] = no_grad(() => m.forward(x));
    expect(Math.max(...[...c.data].map((v, i) => Math.abs(v - a.data[i])))).toBeGreaterThan(1e-3);
  });

  it('errors name the layer, the expected layout and the shapes', () => {
    const m = new nn.LSTM(28, 16, { batch_first: true });
    expect(() => m.forward(rnd([2, 28, 27], 1))).toThrow(
      'LSTM: expected input [N, T, 28] or unbatched [T, 28], got [2, 28, 27]',
    );
    expect(() => m.forward(rnd([2, 5, 28], 1), [rnd([1, 3, 16], 2), rnd([1, 2, 16], 3)])).toThrow(
      'LSTM: expected hidden state h_0 of shape [1, 2, 16], got [1, 3, 16]',
    );
  });
});

describe('gradients through the recurrences', () => {
  for (const mode of ['LSTM', 'GRU', 'RNN_TANH'] as Mode[]) {
    it(`${mode}: gradcheck for input, initial state and every weight (2 layers, bidirectional)`, () => {
      manual_seed(5);
      const m = make(mode, 3, 2, { num_layers: 2, batch_first: true, bidirectional: true });
      const x = rnd([2, 3, 3], 1, true);
      const h0 = rnd([4, 2, 2], 2, true);
      const c0 = rnd([4, 2, 2], 3, true);
      const params = [...m.parameters()];
      const fn = (a: Tensor) => {
        const r = run(m, a, h0, mode === 'LSTM' ? c0 : null);
        return mode === 'LSTM' ? r.out.add(r.h.sum()).add((r.c as Tensor).mean()) : r.out.add(r.h.sum());
      };
      const inputs = mode === 'LSTM' ? [x, h0, c0, ...params] : [x, h0, ...params];
      expect(gradcheck(fn, inputs, { atol: 2e-3, rtol: 2e-2 })).toBe(true);
    });
  }

  it('cells: LSTMCell / GRUCell / RNNCell equal one step of the sequence modules and pass gradcheck', () => {
    manual_seed(9);
    const seq = new nn.LSTM(3, 4);
    const cell = new nn.LSTMCell(3, 4);
    expect(seq.weight_ih_l0.shape).toEqual([16, 3]);
    const sd = seq.state_dict();
    cell.load_state_dict({
      weight_ih: sd.weight_ih_l0,
      weight_hh: sd.weight_hh_l0,
      bias_ih: sd.bias_ih_l0,
      bias_hh: sd.bias_hh_l0,
    });
    const x = rnd([1, 2, 3], 1);
    const [out, [, c]] = seq.forward(x);
    const [h1, c1] = cell.forward(x.select(0, 0));
    close(h1.data, out.data, 1e-6);
    close(c1.data, c.data, 1e-6);
    const [hu] = cell.forward(rnd([3], 1));
    expect(hu.shape).toEqual([4]);
    const xg = rnd([2, 3], 4, true);
    const hg = rnd([2, 4], 5, true);
    const cg = rnd([2, 4], 6, true);
    expect(
      gradcheck(
        (a, h, cc) => {
          const [hh, c2] = cell.forward(a, [h, cc]);
          return hh.add(c2);
        },
        [xg, hg, cg, cell.weight_ih],
      ),
    ).toBe(true);
    const gru = new nn.GRUCell(3, 4);
    expect(gradcheck((a, h) => gru.forward(a, h), [xg, hg, gru.weight_hh, gru.bias_hh as Tensor])).toBe(true);
    const rnn = new nn.RNNCell(3, 4, { nonlinearity: 'relu' });
    expect(rnn.forward(xg).shape).toEqual([2, 4]);
    expect(() => gru.forward(rnd([2, 5], 1))).toThrow('GRUCell: expected input [N, 3] or [3], got [2, 5]');
  });
});
