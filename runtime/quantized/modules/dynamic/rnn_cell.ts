/**
 * nn.quantized.dynamic.LSTMCell / GRUCell / RNNCell: one step, the input and hidden projections each
 * quantized per call (torch's quantized_*_cell_dynamic). state_dict keys: weight_ih, weight_hh (qint8)
 * with `_scale` / `_zero_point`, bias_ih, bias_hh.
 */
import { Module } from '../../../nn/module.js';
import { Tensor } from '../../../tensor/tensor.js';
import { LinearPackedParams } from '../../packed_params.js';
import { check_float, describe, make_qtensor } from '../../qtensor.js';
import { cell_step, type DynamicRnnMode, dyn_linear, gates_of } from './rnn_math.js';
import { dynamic_weight_observer, pack_from_float, read_packed, write_packed } from './weights.js';

/** Shared parts of the dynamic cells. */
export class DynamicRNNCellBase extends Module {
  mode: DynamicRnnMode;
  input_size: number;
  hidden_size: number;
  bias: boolean;
  _packed_weight_ih: LinearPackedParams;
  _packed_weight_hh: LinearPackedParams;

  constructor(mode: DynamicRnnMode, input_size: number, hidden_size: number, bias = true) {
    super();
    const name = new.target.name;
    if (![input_size, hidden_size].every((v) => Number.isInteger(v) && v >= 1))
      throw new Error(`${name}: input_size ${input_size} and hidden_size ${hidden_size} must be positive integers`);
    this.mode = mode;
    this.input_size = input_size;
    this.hidden_size = hidden_size;
    this.bias = bias;
    const G = gates_of(mode) * hidden_size;
    const zero = (c: number) => make_qtensor(new Int8Array(G * c), [G, c], 'qint8', 1, 0);
    const b = () => (bias ? new Tensor(new Float32Array(G), [G], 'float32') : null);
    this._packed_weight_ih = new LinearPackedParams(zero(input_size), b(), name);
    this._packed_weight_hh = new LinearPackedParams(zero(hidden_size), b(), name);
  }

  /** One step; returns the new h (and c for LSTM) with the input's batchedness. */
  protected _step(input: Tensor, h0: Tensor | null, c0: Tensor | null): [Tensor, Tensor | null] {
    const name = `${this.constructor.name}.forward`;
    const x = check_float(input, name);
    if ((input.ndim !== 1 && input.ndim !== 2) || input.shape[input.ndim - 1] !== this.input_size) {
      throw new Error(`${name}: input must be [N, ${this.input_size}] or [${this.input_size}], got ${describe(input)}`);
    }
    const N = input.ndim === 2 ? input.shape[0] : 1;
    const H = this.hidden_size;
    const shape = input.ndim === 2 ? [N, H] : [H];
    const state = (t: Tensor | null, what: string) => {
      if (t === null) return new Float32Array(N * H);
      if (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i]))
        throw new Error(`${name}: ${what} must be [${shape.join(', ')}], got ${describe(t)}`);
      return Float32Array.from(check_float(t, `${name} (${what})`));
    };
    const h = state(h0, 'hx');
    const c = this.mode === 'LSTM' ? state(c0, 'cx') : null;
    const ih = dyn_linear(x, N, this._packed_weight_ih);
    cell_step(this.mode, ih, 0, h, c, N, H, this._packed_weight_hh);
    return [new Tensor(h, shape, 'float32'), c ? new Tensor(c, shape, 'float32') : null];
  }

  _extra_state(prefix: string, out: Record<string, Tensor>): void {
    write_packed(prefix, out, 'weight_ih', 'bias_ih', this._packed_weight_ih);
    write_packed(prefix, out, 'weight_hh', 'bias_hh', this._packed_weight_hh);
  }
  _load_extra_state(prefix: string, sd: Record<string, Tensor>): string[] {
    const name = `${this.constructor.name}.load_state_dict`;
    const ih = read_packed(prefix, sd, 'weight_ih', 'bias_ih', this._packed_weight_ih, name);
    const hh = read_packed(prefix, sd, 'weight_hh', 'bias_hh', this._packed_weight_hh, name);
    if (!ih || !hh) return [];
    this._packed_weight_ih = ih[0];
    this._packed_weight_hh = hh[0];
    return [...ih[1], ...hh[1]];
  }

  extra_repr(): string {
    return `${this.input_size}, ${this.hidden_size}, bias=${this.bias}, dtype=torch.qint8`;
  }

  protected static _from_float_into<T extends DynamicRNNCellBase>(q: T, mod: Module): T {
    const where = q.constructor.name;
    const obs = dynamic_weight_observer(mod);
    const ih = pack_from_float(mod, 'weight_ih', 'bias_ih', obs, where);
    const hh = pack_from_float(mod, 'weight_hh', 'bias_hh', obs, where);
    if (ih.out_features !== q._packed_weight_ih.out_features)
      throw new Error(
        `${where}.from_float: ${mod.constructor.name} has ${ih.out_features / q.hidden_size} gates, expected ${gates_of(q.mode)}`,
      );
    q._packed_weight_ih = ih;
    q._packed_weight_hh = hh;
    return q;
  }
}

type FloatCell = Module & { input_size: number; hidden_size: number; bias?: boolean; nonlinearity?: 'tanh' | 'relu' };

/** torch.ao.nn.quantized.dynamic.LSTMCell: forward(input, [h, c]?) → [h', c']. */
export class LSTMCell extends DynamicRNNCellBase {
  constructor(input_size: number, hidden_size: number, bias = true) {
    super('LSTM', input_size, hidden_size, bias);
  }
  forward(input: Tensor, hx: readonly [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const [h, c] = this._step(input, hx ? hx[0] : null, hx ? hx[1] : null);
    return [h, c as Tensor];
  }
  static from_float(mod: Module): LSTMCell {
    const m = mod as FloatCell;
    return DynamicRNNCellBase._from_float_into(new LSTMCell(m.input_size, m.hidden_size, m.bias ?? true), mod);
  }
}

/** torch.ao.nn.quantized.dynamic.GRUCell: forward(input, h?) → h'. */
export class GRUCell extends DynamicRNNCellBase {
  constructor(input_size: number, hidden_size: number, bias = true) {
    super('GRU', input_size, hidden_size, bias);
  }
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this._step(input, hx, null)[0];
  }
  static from_float(mod: Module): GRUCell {
    const m = mod as FloatCell;
    return DynamicRNNCellBase._from_float_into(new GRUCell(m.input_size, m.hidden_size, m.bias ?? true), mod);
  }
}

/** torch.ao.nn.quantized.dynamic.RNNCell(input_size, hidden_size, bias, nonlinearity): forward(input, h?) → h'. */
export class RNNCell extends DynamicRNNCellBase {
  nonlinearity: 'tanh' | 'relu';
  constructor(input_size: number, hidden_size: number, bias = true, nonlinearity: 'tanh' | 'relu' = 'tanh') {
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu')
      throw new Error(`RNNCell: unknown nonlinearity '${nonlinearity}' (expected 'tanh' or 'relu')`);
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', input_size, hidden_size, bias);
    this.nonlinearity = nonlinearity;
  }
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this._step(input, hx, null)[0];
  }
  static from_float(mod: Module): RNNCell {
    const m = mod as FloatCell;
    return DynamicRNNCellBase._from_float_into(
      new RNNCell(m.input_size, m.hidden_size, m.bias ?? true, m.nonlinearity ?? 'tanh'),
      mod,
    );
  }
}
