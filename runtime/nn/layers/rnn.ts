/**
 * nn.RNN / nn.LSTM / nn.GRU with torch's parameter names and shapes (weight_ih_l{k}[_reverse], …),
 * gate orders (LSTM i,f,g,o; GRU r,z,n) and init (U(±1/√hidden)), so torch state_dicts load as is.
 * Under no_grad (or when nothing requires grad) a layer runs the fused inference kernel; otherwise
 * it runs the autograd cells step by step.
 */
import { needs_grad } from '../../autograd/function.js';
import { add } from '../../tensor/ops/binary.js';
import { cat, stack } from '../../tensor/ops/cat.js';
import { select } from '../../tensor/ops/slice.js';
import { Tensor } from '../../tensor/tensor.js';
import { fmt, py_bool, py_float } from '../functional/_util.js';
import { relu, tanh } from '../functional/activation.js';
import { dropout } from '../functional/dropout.js';
import { linear } from '../functional/linear.js';
import { _gru_hidden_state, _lstm_cell_state, _lstm_hidden_state } from '../functional/rnn_cells.js';
import { gate_count, type RnnMode, rnn_layer_forward } from '../functional/rnn_fast.js';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

/** Options of nn.RNN / LSTM / GRU (torch's keyword arguments). */
export interface RNNOptions {
  num_layers?: number;
  bias?: boolean;
  batch_first?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode. */
  dropout?: number;
  bidirectional?: boolean;
}

interface RunResult {
  output: Tensor;
  h_n: Tensor;
  c_n: Tensor | null;
}

/** torch's RNNBase: parameters, init, input checks and the two execution paths. */
export class RNNBase extends Module {
  // per-layer parameters are registered under torch's names; these signatures type `lstm.weight_ih_l0`
  [key: `weight_ih_l${string}` | `weight_hh_l${string}`]: Parameter;
  [key: `bias_ih_l${string}` | `bias_hh_l${string}`]: Parameter | undefined;
  mode: RnnMode;
  input_size: number;
  hidden_size: number;
  num_layers: number;
  bias: boolean;
  batch_first: boolean;
  dropout: number;
  bidirectional: boolean;

  constructor(mode: RnnMode, input_size: number, hidden_size: number, options: RNNOptions = {}) {
    super();
    this.mode = mode;
    this.input_size = input_size;
    this.hidden_size = hidden_size;
    this.num_layers = options.num_layers ?? 1;
    this.bias = options.bias ?? true;
    this.batch_first = options.batch_first ?? false;
    this.dropout = options.dropout ?? 0;
    this.bidirectional = options.bidirectional ?? false;
    const name = this._name();
    if (!(Number.isInteger(hidden_size) && hidden_size > 0))
      throw new Error(`${name}: hidden_size must be a positive integer, got ${hidden_size}`);
    if (!(Number.isInteger(this.num_layers) && this.num_layers > 0))
      throw new Error(`${name}: num_layers must be a positive integer, got ${this.num_layers}`);
    if (!(this.dropout >= 0 && this.dropout <= 1))
      throw new Error(`${name}: dropout should be a number in range [0, 1], got ${this.dropout}`);
    const g = gate_count(mode) * hidden_size;
    const dirs = this.bidirectional ? 2 : 1;
    for (let l = 0; l < this.num_layers; l++) {
      const in_size = l === 0 ? input_size : hidden_size * dirs;
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        this.register_parameter(`weight_ih${sfx}`, new Parameter(Tensor.empty([g, in_size])));
        this.register_parameter(`weight_hh${sfx}`, new Parameter(Tensor.empty([g, hidden_size])));
        if (this.bias) {
          this.register_parameter(`bias_ih${sfx}`, new Parameter(Tensor.empty([g])));
          this.register_parameter(`bias_hh${sfx}`, new Parameter(Tensor.empty([g])));
        }
      }
    }
    this.reset_parameters();
  }

  private _name(): string {
    return this.constructor.name;
  }

  /** Every weight and bias ~ U(−1/√hidden, 1/√hidden), in registration order, as torch. */
  reset_parameters(): void {
    const stdv = 1 / Math.sqrt(this.hidden_size);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  /** The parameter of layer `l`, direction `d` (1 = reverse), kind 'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh'. */
  _param(kind: string, l: number, d: number): Parameter | null {
    const v = (this as unknown as Record<string, unknown>)[`${kind}_l${l}${d === 1 ? '_reverse' : ''}`];
    return v instanceof Parameter ? v : null;
  }

  /** Checks input and states, runs every layer; unbatched [T, I] inputs run as a batch of one. */
  protected _run(input: Tensor, hx: Tensor | null, cx: Tensor | null): RunResult {
    const name = this._name();
    if (!(input instanceof Tensor)) throw new Error(`${name}: input must be a Tensor`);
    const layout = this.batch_first ? `[N, T, ${this.input_size}]` : `[T, N, ${this.input_size}]`;
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== this.input_size) {
      throw new Error(
        `${name}: expected input ${layout} or unbatched [T, ${this.input_size}], got ${fmt(input.shape)}`,
      );
    }
    if (input.dtype !== 'float32' || input.is_quantized)
      throw new Error(`${name}: input must be float32, got ${input.dtype}`);
    const unbatched = input.ndim === 2;
    const x = unbatched ? input.unsqueeze(this.batch_first ? 0 : 1) : input;
    const N = this.batch_first ? x.shape[0] : x.shape[1];
    const T = this.batch_first ? x.shape[1] : x.shape[0];
    const D = this.bidirectional ? 2 : 1;
    const H = this.hidden_size;
    const state_shape = [this.num_layers * D, N, H];
    const prep = (s: Tensor | null, what: string): Tensor | null => {
      if (s === null) return null;
      const want = unbatched ? [this.num_layers * D, H] : state_shape;
      if (s.ndim !== want.length || s.shape.some((v, i) => v !== want[i])) {
        throw new Error(`${name}: expected ${what} of shape ${fmt(want)}, got ${fmt(s.shape)}`);
      }
      return unbatched ? s.unsqueeze(1) : s;
    };
    const h0 = prep(hx, 'hidden state h_0');
    const c0 = this.mode === 'LSTM' ? prep(cx, 'cell state c_0') : null;
    const params = [...this.parameters()];
    const res = needs_grad(x, h0, c0, ...params)
      ? this._run_autograd(x, h0, c0, T, N)
      : this._run_fast(x, h0, c0, T, N);
    if (!unbatched) return res;
    const batch_dim = this.batch_first ? 0 : 1;
    return { output: res.output.squeeze(batch_dim), h_n: res.h_n.squeeze(1), c_n: res.c_n ? res.c_n.squeeze(1) : null };
  }

  private _run_fast(x: Tensor, h0: Tensor | null, c0: Tensor | null, T: number, N: number): RunResult {
    const D = this.bidirectional ? 2 : 1;
    const H = this.hidden_size;
    const L = this.num_layers;
    const lstm = this.mode === 'LSTM';
    const h_n = new Float32Array(L * D * N * H);
    const c_n = lstm ? new Float32Array(L * D * N * H) : null;
    if (h0) h_n.set(h0.data);
    if (c0 && c_n) c_n.set(c0.data);
    let layer_in = x.data as Float32Array;
    let in_size = this.input_size;
    let out: Float32Array = new Float32Array(0);
    for (let l = 0; l < L; l++) {
      out = new Float32Array(T * N * D * H);
      for (let d = 0; d < D; d++) {
        const k = l * D + d;
        const weights = {
          w_ih: (this._param('weight_ih', l, d) as Parameter).data as Float32Array,
          w_hh: (this._param('weight_hh', l, d) as Parameter).data as Float32Array,
          b_ih: (this._param('bias_ih', l, d)?.data as Float32Array | undefined) ?? null,
          b_hh: (this._param('bias_hh', l, d)?.data as Float32Array | undefined) ?? null,
        };
        const h = h_n.subarray(k * N * H, (k + 1) * N * H);
        const c = c_n ? c_n.subarray(k * N * H, (k + 1) * N * H) : null;
        const geo = { T, N, I: in_size, H, time_major: !this.batch_first, reverse: d === 1 };
        rnn_layer_forward(this.mode, layer_in, geo, weights, h, c, out, D * H, d * H);
      }
      if (l < L - 1 && this.dropout > 0 && this.training) {
        out = dropout(new Tensor(out, [T * N, D * H], 'float32'), { p: this.dropout, training: true })
          .data as Float32Array;
      }
      layer_in = out;
      in_size = D * H;
    }
    const out_shape = this.batch_first ? [N, T, D * H] : [T, N, D * H];
    const s = [L * D, N, H];
    return {
      output: new Tensor(out, out_shape, 'float32'),
      h_n: new Tensor(h_n, s, 'float32'),
      c_n: c_n ? new Tensor(c_n, s, 'float32') : null,
    };
  }

  private _run_autograd(x: Tensor, h0: Tensor | null, c0: Tensor | null, T: number, N: number): RunResult {
    const D = this.bidirectional ? 2 : 1;
    const H = this.hidden_size;
    const t_dim = this.batch_first ? 1 : 0;
    const zeros = () => new Tensor(new Float32Array(N * H), [N, H], 'float32');
    const h_last: Tensor[] = [];
    const c_last: Tensor[] = [];
    let layer_in = x;
    for (let l = 0; l < this.num_layers; l++) {
      const dir_out: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const k = l * D + d;
        const w_hh = this._param('weight_hh', l, d) as Parameter;
        const b_hh = this._param('bias_hh', l, d);
        // every step's input projection in one GEMM; steps select their rows
        const proj = linear(layer_in, this._param('weight_ih', l, d) as Parameter, this._param('bias_ih', l, d));
        let h = h0 ? select(h0, 0, k) : zeros();
        let c = this.mode === 'LSTM' ? (c0 ? select(c0, 0, k) : zeros()) : null;
        const steps: Tensor[] = new Array(T);
        for (let s = 0; s < T; s++) {
          const t = d === 1 ? T - 1 - s : s;
          const gx = select(proj, t_dim, t);
          if (this.mode === 'LSTM') {
            const gates = add(gx, linear(h, w_hh, b_hh));
            c = _lstm_cell_state(gates, c as Tensor);
            h = _lstm_hidden_state(gates, c);
          } else if (this.mode === 'GRU') {
            h = _gru_hidden_state(gx, linear(h, w_hh, b_hh), h);
          } else {
            const pre = add(gx, linear(h, w_hh, b_hh));
            h = this.mode === 'RNN_TANH' ? tanh(pre) : relu(pre);
          }
          steps[t] = h;
        }
        h_last.push(h);
        if (c) c_last.push(c);
        dir_out.push(stack(steps, t_dim));
      }
      let out = D === 1 ? dir_out[0] : cat(dir_out, 2);
      if (l < this.num_layers - 1 && this.dropout > 0 && this.training)
        out = dropout(out, { p: this.dropout, training: true });
      layer_in = out;
    }
    return { output: layer_in, h_n: stack(h_last, 0), c_n: c_last.length ? stack(c_last, 0) : null };
  }

  extra_repr(): string {
    let s = `${this.input_size}, ${this.hidden_size}`;
    if (this.num_layers !== 1) s += `, num_layers=${this.num_layers}`;
    if (!this.bias) s += `, bias=${py_bool(this.bias)}`;
    if (this.batch_first) s += `, batch_first=${py_bool(this.batch_first)}`;
    if (this.dropout !== 0) s += `, dropout=${py_float(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${py_bool(this.bidirectional)}`;
    return s;
  }
}

/** nn.LSTM(input_size, hidden_size, {num_layers, bias, batch_first, dropout, bidirectional}). */
export class LSTM extends RNNBase {
  constructor(input_size: number, hidden_size: number, options: RNNOptions = {}) {
    super('LSTM', input_size, hidden_size, options);
  }
  /** Returns [output, [h_n, c_n]]; hx = [h_0, c_0] each [num_layers·D, N, H] (zeros when omitted). */
  forward(input: Tensor, hx: readonly [Tensor, Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    const r = this._run(input, hx ? hx[0] : null, hx ? hx[1] : null);
    return [r.output, [r.h_n, r.c_n as Tensor]];
  }
}

/** nn.GRU(input_size, hidden_size, {num_layers, bias, batch_first, dropout, bidirectional}). */
export class GRU extends RNNBase {
  constructor(input_size: number, hidden_size: number, options: RNNOptions = {}) {
    super('GRU', input_size, hidden_size, options);
  }
  /** Returns [output, h_n]; hx = h_0 [num_layers·D, N, H] (zeros when omitted). */
  forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const r = this._run(input, hx, null);
    return [r.output, r.h_n];
  }
}

/** Options of nn.RNN: RNNOptions plus the nonlinearity. */
export interface ElmanRNNOptions extends RNNOptions {
  nonlinearity?: 'tanh' | 'relu';
}

/** The RNN mode of an Elman nonlinearity; anything but 'tanh'/'relu' is an error naming it. */
export function elman_mode(nl: string): 'RNN_TANH' | 'RNN_RELU' {
  if (nl !== 'tanh' && nl !== 'relu') throw new Error(`RNN: unknown nonlinearity '${nl}' (expected 'tanh' or 'relu')`);
  return nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU';
}

/** nn.RNN(input_size, hidden_size, {nonlinearity='tanh', num_layers, bias, batch_first, dropout, bidirectional}). */
export class RNN extends RNNBase {
  nonlinearity: 'tanh' | 'relu';
  constructor(input_size: number, hidden_size: number, options: ElmanRNNOptions = {}) {
    const nl = options.nonlinearity ?? 'tanh';
    super(elman_mode(nl), input_size, hidden_size, options);
    this.nonlinearity = nl;
  }
  /** Returns [output, h_n]; hx = h_0 [num_layers·D, N, H] (zeros when omitted). */
  forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const r = this._run(input, hx, null);
    return [r.output, r.h_n];
  }
}
