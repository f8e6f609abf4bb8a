/**
 * nn.RNNCell / LSTMCell / GRUCell: one step, torch's parameter names (weight_ih, weight_hh, bias_ih,
 * bias_hh), shapes and init (U(±1/√hidden)). Inputs [N, I] or unbatched [I]; a missing state is zeros.
 */
import { Tensor } from '../../tensor/tensor.js';
import { fmt, py_bool } from '../functional/_util.js';
import { gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell } from '../functional/rnn_cells.js';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

/** Options of the cells. */
export interface RNNCellOptions {
  bias?: boolean;
}

/** torch's RNNCellBase: weight_ih [G·H, I], weight_hh [G·H, H], bias_ih [G·H], bias_hh [G·H]. */
export class RNNCellBase extends Module {
  input_size: number;
  hidden_size: number;
  bias: boolean;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  constructor(input_size: number, hidden_size: number, bias: boolean, num_chunks: number) {
    super();
    this.input_size = input_size;
    this.hidden_size = hidden_size;
    this.bias = bias;
    this.weight_ih = new Parameter(Tensor.empty([num_chunks * hidden_size, input_size]));
    this.weight_hh = new Parameter(Tensor.empty([num_chunks * hidden_size, hidden_size]));
    this.bias_ih = bias ? new Parameter(Tensor.empty([num_chunks * hidden_size])) : null;
    this.bias_hh = bias ? new Parameter(Tensor.empty([num_chunks * hidden_size])) : null;
    this.reset_parameters();
  }

  /** Every weight and bias ~ U(−1/√hidden, 1/√hidden), as torch. */
  reset_parameters(): void {
    const stdv = 1 / Math.sqrt(this.hidden_size);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  /** Batches an unbatched input and checks shapes; returns [input [N, I], unbatched]. */
  protected _prep_input(input: Tensor): [Tensor, boolean] {
    const name = this.constructor.name;
    if (
      !(input instanceof Tensor) ||
      (input.ndim !== 1 && input.ndim !== 2) ||
      input.shape[input.ndim - 1] !== this.input_size
    ) {
      throw new Error(
        `${name}: expected input [N, ${this.input_size}] or [${this.input_size}], got ${input instanceof Tensor ? fmt(input.shape) : typeof input}`,
      );
    }
    return input.ndim === 1 ? [input.unsqueeze(0), true] : [input, false];
  }

  /** The given state (batched to match) or zeros [N, H]. */
  protected _prep_state(s: Tensor | null, n: number, unbatched: boolean, what: string): Tensor {
    if (s === null) return new Tensor(new Float32Array(n * this.hidden_size), [n, this.hidden_size], 'float32');
    const want = unbatched ? [this.hidden_size] : [n, this.hidden_size];
    if (s.ndim !== want.length || s.shape.some((v, i) => v !== want[i])) {
      throw new Error(`${this.constructor.name}: expected ${what} of shape ${fmt(want)}, got ${fmt(s.shape)}`);
    }
    return unbatched ? s.unsqueeze(0) : s;
  }

  extra_repr(): string {
    let s = `${this.input_size}, ${this.hidden_size}`;
    if (!this.bias) s += `, bias=${py_bool(this.bias)}`;
    return s;
  }
}

/** nn.LSTMCell(input_size, hidden_size, {bias}): forward(input, [h, c]?) → [h', c']. */
export class LSTMCell extends RNNCellBase {
  constructor(input_size: number, hidden_size: number, options: RNNCellOptions = {}) {
    super(input_size, hidden_size, options.bias ?? true, 4);
  }
  forward(input: Tensor, hx: readonly [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const [x, unbatched] = this._prep_input(input);
    const n = x.shape[0];
    const h = this._prep_state(hx ? hx[0] : null, n, unbatched, 'h');
    const c = this._prep_state(hx ? hx[1] : null, n, unbatched, 'c');
    const [h1, c1] = lstm_cell(x, [h, c], this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
    return unbatched ? [h1.squeeze(0), c1.squeeze(0)] : [h1, c1];
  }
}

/** nn.GRUCell(input_size, hidden_size, {bias}): forward(input, h?) → h'. */
export class GRUCell extends RNNCellBase {
  constructor(input_size: number, hidden_size: number, options: RNNCellOptions = {}) {
    super(input_size, hidden_size, options.bias ?? true, 3);
  }
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const [x, unbatched] = this._prep_input(input);
    const h = this._prep_state(hx, x.shape[0], unbatched, 'hx');
    const h1 = gru_cell(x, h, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
    return unbatched ? h1.squeeze(0) : h1;
  }
}

/** nn.RNNCell(input_size, hidden_size, {bias, nonlinearity='tanh'}): forward(input, h?) → h'. */
export class RNNCell extends RNNCellBase {
  nonlinearity: 'tanh' | 'relu';
  constructor(
    input_size: number,
    hidden_size: number,
    options: RNNCellOptions & { nonlinearity?: 'tanh' | 'relu' } = {},
  ) {
    const nl = options.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu')
      throw new Error(`RNNCell: unknown nonlinearity '${nl}' (expected 'tanh' or 'relu')`);
    super(input_size, hidden_size, options.bias ?? true, 1);
    this.nonlinearity = nl;
  }
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const [x, unbatched] = this._prep_input(input);
    const h = this._prep_state(hx, x.shape[0], unbatched, 'hx');
    const cell = this.nonlinearity === 'tanh' ? rnn_tanh_cell : rnn_relu_cell;
    const h1 = cell(x, h, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
    return unbatched ? h1.squeeze(0) : h1;
  }
  extra_repr(): string {
    return super.extra_repr() + (this.nonlinearity !== 'tanh' ? `, nonlinearity=${this.nonlinearity}` : '');
  }
}
