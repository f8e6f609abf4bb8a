/**
 * Inference kernels for a whole recurrent layer (no autograd): one sgemm projects every time step's
 * input at once, then each step is one [N, H] x [H, G·H] sgemm plus fused gate math in plain loops.
 * This is the path nn.LSTM / GRU / RNN take under no_grad (and the float baseline the quantized
 * LSTM comparisons run against).
 */
import { get_backend } from '../../backends/registry.js';
import { sigmoid_scalar } from './_util.js';

/** The recurrence of one layer: LSTM, GRU, or Elman RNN with tanh / relu. */
export type RnnMode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';

/** Number of gate blocks of H rows in w_ih / w_hh for a mode. */
export function gate_count(mode: RnnMode): number {
  return mode === 'LSTM' ? 4 : mode === 'GRU' ? 3 : 1;
}

/** One layer's weights as raw arrays (torch layout: w_ih [G·H, I], w_hh [G·H, H]). */
export interface LayerWeights {
  w_ih: Float32Array;
  w_hh: Float32Array;
  b_ih: Float32Array | null;
  b_hh: Float32Array | null;
}

/** Sequence geometry: x is [T, N, I] (time_major) or [N, T, I]; out has the same layout with H features. */
export interface SeqGeometry {
  T: number;
  N: number;
  I: number;
  H: number;
  time_major: boolean;
  /** Walk time backwards (the reverse direction of a bidirectional layer). */
  reverse?: boolean;
}

/**
 * Runs one layer over the sequence. h (and c for LSTM) hold the initial state [N, H] and are updated
 * in place to the final state; out receives h at every step in x's layout, with row stride `out_stride`
 * and column offset `out_offset` (so the two directions can interleave into one [.., 2H] output).
 */
export function rnn_layer_forward(
  mode: RnnMode,
  x: Float32Array,
  geo: SeqGeometry,
  w: LayerWeights,
  h: Float32Array,
  c: Float32Array | null,
  out: Float32Array,
  out_stride: number,
  out_offset: number,
): void {
  const { T, N, I, H, time_major } = geo;
  const G = gate_count(mode) * H;
  const { sgemm } = get_backend().fp32;
  // input projection of every step; LSTM and the Elman RNN fold b_hh in here too, GRU cannot (r ⊙ (W_hn h + b_hn))
  let bias: Float32Array | null = w.b_ih;
  if (mode !== 'GRU' && w.b_hh) {
    bias = new Float32Array(G);
    for (let j = 0; j < G; j++) bias[j] = (w.b_ih ? w.b_ih[j] : 0) + w.b_hh[j];
  }
  // a backend with whole-layer drivers (wasm: buffers resident in its memory, w_hh packed once, fused cell)
  const wr = mode === 'LSTM' ? get_backend().rnn.lstm_layers : null;
  if (wr) {
    wr.lstm_fp32_layer(x, geo, w.w_ih, w.w_hh, bias, h, c as Float32Array, out, out_stride, out_offset);
    return;
  }
  const gx = new Float32Array(T * N * G);
  sgemm(T * N, G, I, x, w.w_ih, gx, { trans_b: true, bias });
  const gh = new Float32Array(N * G);
  const hb = mode === 'GRU' ? w.b_hh : null;
  for (let s = 0; s < T; s++) {
    const t = geo.reverse ? T - 1 - s : s;
    sgemm(N, G, H, h, w.w_hh, gh, { trans_b: true, bias: hb });
    for (let n = 0; n < N; n++) {
      const row = time_major ? t * N + n : n * T + t;
      const xo = row * G;
      const ho = n * G;
      const oo = row * out_stride + out_offset;
      const so = n * H;
      if (mode === 'LSTM') {
        const cs = c as Float32Array;
        for (let j = 0; j < H; j++) {
          const i = sigmoid_scalar(gx[xo + j] + gh[ho + j]);
          const f = sigmoid_scalar(gx[xo + H + j] + gh[ho + H + j]);
          const g = Math.tanh(gx[xo + 2 * H + j] + gh[ho + 2 * H + j]);
          const o = sigmoid_scalar(gx[xo + 3 * H + j] + gh[ho + 3 * H + j]);
          const cn = f * cs[so + j] + i * g;
          cs[so + j] = cn;
          // read back the float32-rounded cell state, as torch's float32 tensors hold it
          const hn = o * Math.tanh(cs[so + j]);
          h[so + j] = hn;
          out[oo + j] = h[so + j];
        }
      } else if (mode === 'GRU') {
        for (let j = 0; j < H; j++) {
          const r = sigmoid_scalar(gx[xo + j] + gh[ho + j]);
          const z = sigmoid_scalar(gx[xo + H + j] + gh[ho + H + j]);
          const nn = Math.tanh(gx[xo + 2 * H + j] + r * gh[ho + 2 * H + j]);
          h[so + j] = (1 - z) * nn + z * h[so + j];
          out[oo + j] = h[so + j];
        }
      } else {
        const tanh = mode === 'RNN_TANH';
        for (let j = 0; j < H; j++) {
          const v = gx[xo + j] + gh[ho + j];
          h[so + j] = tanh ? Math.tanh(v) : Math.max(v, 0);
          out[oo + j] = h[so + j];
        }
      }
    }
  }
}
