/**
 * The float gate math of torch's dynamic quantized RNNs (aten/src/ATen/native/RNN.cpp cells), on top of
 * the dynamic int8 linear: gates = linear_hh(h) + linear_ih(x), then sigmoid / tanh in float32.
 */
import { js_rnn } from '../../../backends/js/rnn.js';
import { get_backend } from '../../../backends/registry.js';
import { Tensor } from '../../../tensor/tensor.js';
import { linear_dynamic } from '../../functional/linear.js';
import type { LinearPackedParams } from '../../packed_params.js';

const fround = Math.fround;
const sigmoid = (x: number): number => fround(1 / fround(1 + fround(Math.exp(-x))));
const tanh = (x: number): number => fround(Math.tanh(x));

/** Which recurrence: LSTM (gates i,f,g,o), GRU (r,z,n), Elman RNN with tanh or relu. */
export type DynamicRnnMode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';

/** Gates per hidden unit of each mode. */
export function gates_of(mode: DynamicRnnMode): number {
  return mode === 'LSTM' ? 4 : mode === 'GRU' ? 3 : 1;
}

/** linear_dynamic on a flat [rows, k] float array. */
export function dyn_linear(x: Float32Array, rows: number, p: LinearPackedParams): Float32Array {
  return linear_dynamic(new Tensor(x, [rows, p.in_features], 'float32'), p).data as Float32Array;
}

/**
 * One recurrence step for a batch of n rows: `ih` [n, G·H] (input projection with bias_ih), `h` / `c`
 * [n, H] updated in place (c only for LSTM). Returns nothing; h holds the new hidden state.
 */
export function cell_step(
  mode: DynamicRnnMode,
  ih: Float32Array,
  ih_off: number,
  h: Float32Array,
  c: Float32Array | null,
  n: number,
  H: number,
  hh_p: LinearPackedParams,
): void {
  const G = gates_of(mode) * H;
  const hh = dyn_linear(h, n, hh_p);
  if (mode === 'LSTM') {
    // the reference fused cell (the wasm backend's lstm_cell_dq reproduces it)
    js_rnn.lstm_cell(ih.subarray(ih_off, ih_off + n * G), hh, c as Float32Array, h, n, H);
    return;
  }
  for (let r = 0; r < n; r++) {
    const gi = ih_off + r * G;
    const gh = r * G;
    const ho = r * H;
    for (let j = 0; j < H; j++) {
      if (mode === 'GRU') {
        const rg = sigmoid(fround(hh[gh + j] + ih[gi + j]));
        const z = sigmoid(fround(hh[gh + H + j] + ih[gi + H + j]));
        const nn = tanh(fround(ih[gi + 2 * H + j] + fround(hh[gh + 2 * H + j] * rg)));
        h[ho + j] = fround(fround(fround(h[ho + j] - nn) * z) + nn);
      } else {
        const v = fround(hh[gh + j] + ih[gi + j]);
        h[ho + j] = mode === 'RNN_TANH' ? tanh(v) : v > 0 ? v : 0;
      }
    }
  }
}

/**
 * One layer, one direction over a [T, N, in] sequence: the input projection is computed once for the
 * whole sequence (one dynamic quantization, as torch's FullLayer does on CPU), the recurrence per step.
 * Returns the outputs [T, N, H] and leaves the final state in h / c.
 */
export function run_direction(
  mode: DynamicRnnMode,
  x: Float32Array,
  T: number,
  N: number,
  ih_p: LinearPackedParams,
  hh_p: LinearPackedParams,
  h: Float32Array,
  c: Float32Array | null,
  reverse: boolean,
): Float32Array {
  const H = hh_p.in_features;
  const G = gates_of(mode) * H;
  // a backend with whole-layer drivers (wasm: quantize → int8 GEMM → dequantize + bias → fused cell per
  // step, all resident in its memory)
  const be = get_backend();
  const wr = mode === 'LSTM' ? be.rnn.lstm_layers : null;
  if (wr) {
    const op = 'quantized.dynamic.LSTM';
    return wr.lstm_dynamic_layer(x, T, N, ih_p.packed(be, op), hh_p.packed(be, op), h, c as Float32Array, reverse);
  }
  const ih = dyn_linear(x, T * N, ih_p);
  const out = new Float32Array(T * N * H);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    cell_step(mode, ih, t * N * G, h, c, N, H, hh_p);
    out.set(h, t * N * H);
  }
  return out;
}
