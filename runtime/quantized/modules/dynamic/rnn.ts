/**
 * nn.quantized.dynamic.LSTM / GRU / RNN: qint8 weights prepacked once, activations quantized per call
 * (the input projection once per layer and direction over the whole sequence, the hidden projection per
 * step), gate math in float32 (see rnn_math.ts). state_dict: per torch parameter name, `<name>` (qint8),
 * `<name>_scale`, `<name>_zero_point` and the float biases `bias_ih_l<k>` / `bias_hh_l<k>`.
 */
import { elman_mode } from '../../../nn/layers/rnn.js';
import { Module } from '../../../nn/module.js';
import { Tensor } from '../../../tensor/tensor.js';
import { LinearPackedParams } from '../../packed_params.js';
import { check_float, describe, make_qtensor } from '../../qtensor.js';
import { type DynamicRnnMode, gates_of, run_direction } from './rnn_math.js';
import { dynamic_weight_observer, pack_from_float, read_packed, write_packed } from './weights.js';

/** Options of the dynamic RNNs (torch's names; dropout is accepted and unused, as in eval). */
export interface DynamicRNNOptions {
  num_layers?: number;
  bias?: boolean;
  batch_first?: boolean;
  dropout?: number;
  bidirectional?: boolean;
  dtype?: 'qint8';
}

interface LayerWeights {
  sfx: string;
  ih: LinearPackedParams;
  hh: LinearPackedParams;
}

/** Base of the dynamic RNNs: parameters, state_dict and the layer loop. */
export class DynamicRNNBase extends Module {
  mode: DynamicRnnMode;
  input_size: number;
  hidden_size: number;
  num_layers: number;
  bias: boolean;
  batch_first: boolean;
  dropout: number;
  bidirectional: boolean;
  _all_weight_values: LayerWeights[] = [];

  constructor(mode: DynamicRnnMode, input_size: number, hidden_size: number, options: DynamicRNNOptions = {}) {
    super();
    const name = new.target.name;
    this.mode = mode;
    this.input_size = input_size;
    this.hidden_size = hidden_size;
    this.num_layers = options.num_layers ?? 1;
    this.bias = options.bias ?? true;
    this.batch_first = options.batch_first ?? false;
    this.dropout = options.dropout ?? 0;
    this.bidirectional = options.bidirectional ?? false;
    for (const [k, v] of [
      ['input_size', input_size],
      ['hidden_size', hidden_size],
      ['num_layers', this.num_layers],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: ${k} must be a positive integer, got ${v}`);
    }
    const G = gates_of(mode) * hidden_size;
    const dirs = this.bidirectional ? 2 : 1;
    const zero = (r: number, c: number) => make_qtensor(new Int8Array(r * c), [r, c], 'qint8', 1, 0);
    const bias = () => (this.bias ? new Tensor(new Float32Array(G), [G], 'float32') : null);
    for (let l = 0; l < this.num_layers; l++) {
      const in_size = l === 0 ? input_size : hidden_size * dirs;
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        this._all_weight_values.push({
          sfx,
          ih: new LinearPackedParams(zero(G, in_size), bias(), name),
          hh: new LinearPackedParams(zero(G, hidden_size), bias(), name),
        });
      }
    }
  }

  /** Runs the stack; h0 / c0 are [L·D, N, H] flat arrays (copied). */
  protected _run(
    input: Tensor,
    h0: Tensor | null,
    c0: Tensor | null,
  ): { output: Tensor; h_n: Tensor; c_n: Tensor | null } {
    const name = this.constructor.name;
    const xf = check_float(input, `${name}.forward`);
    const batched = input.ndim === 3;
    if (!batched && input.ndim !== 2)
      throw new Error(
        `${name}.forward: input must be [T, N, ${this.input_size}] (or 2-d unbatched), got ${describe(input)}`,
      );
    if (input.shape[input.ndim - 1] !== this.input_size)
      throw new Error(`${name}.forward: input ${describe(input)} must end in input_size ${this.input_size}`);
    const [T, N] = !batched
      ? [input.shape[0], 1]
      : this.batch_first
        ? [input.shape[1], input.shape[0]]
        : [input.shape[0], input.shape[1]];
    let x = xf;
    if (batched && this.batch_first) x = swap01(xf, N, T, this.input_size);
    const H = this.hidden_size;
    const dirs = this.bidirectional ? 2 : 1;
    const LD = this.num_layers * dirs;
    const state = (t: Tensor | null, what: string): Float32Array => {
      if (t === null) return new Float32Array(LD * N * H);
      const want = batched ? [LD, N, H] : [LD, H];
      if (t.ndim !== want.length || t.shape.some((d, i) => d !== want[i]))
        throw new Error(`${name}.forward: ${what} must be [${want.join(', ')}], got ${describe(t)}`);
      return Float32Array.from(check_float(t, `${name}.forward (${what})`));
    };
    const h = state(h0, 'h_0');
    const c = this.mode === 'LSTM' ? state(c0, 'c_0') : null;
    let layer_in = x;
    for (let l = 0; l < this.num_layers; l++) {
      const outs: Float32Array[] = [];
      for (let d = 0; d < dirs; d++) {
        const w = this._all_weight_values[l * dirs + d];
        const off = (l * dirs + d) * N * H;
        const hs = h.subarray(off, off + N * H);
        const cs = c ? c.subarray(off, off + N * H) : null;
        outs.push(run_direction(this.mode, layer_in, T, N, w.ih, w.hh, hs, cs, d === 1));
      }
      layer_in = dirs === 1 ? outs[0] : interleave(outs[0], outs[1], T * N, H);
    }
    let out = layer_in;
    const F = H * dirs;
    if (batched && this.batch_first) out = swap01(out, T, N, F);
    const out_shape = !batched ? [T, F] : this.batch_first ? [N, T, F] : [T, N, F];
    const st_shape = batched ? [LD, N, H] : [LD, H];
    return {
      output: new Tensor(out, out_shape, 'float32'),
      h_n: new Tensor(h, st_shape, 'float32'),
      c_n: c ? new Tensor(c, st_shape, 'float32') : null,
    };
  }

  _extra_state(prefix: string, out: Record<string, Tensor>): void {
    for (const w of this._all_weight_values) {
      write_packed(prefix, out, `weight_ih${w.sfx}`, `bias_ih${w.sfx}`, w.ih);
      write_packed(prefix, out, `weight_hh${w.sfx}`, `bias_hh${w.sfx}`, w.hh);
    }
  }
  _load_extra_state(prefix: string, sd: Record<string, Tensor>): string[] {
    const name = `${this.constructor.name}.load_state_dict`;
    const loaded: [LayerWeights, LinearPackedParams, LinearPackedParams][] = [];
    const keys: string[] = [];
    for (const w of this._all_weight_values) {
      const ih = read_packed(prefix, sd, `weight_ih${w.sfx}`, `bias_ih${w.sfx}`, w.ih, name);
      const hh = read_packed(prefix, sd, `weight_hh${w.sfx}`, `bias_hh${w.sfx}`, w.hh, name);
      if (!ih || !hh) return []; // load_state_dict reports the missing keys; nothing changes
      loaded.push([w, ih[0], hh[0]]);
      keys.push(...ih[1], ...hh[1]);
    }
    for (const [w, ih, hh] of loaded) {
      w.ih = ih;
      w.hh = hh;
    }
    return keys;
  }

  extra_repr(): string {
    return `${this.input_size}, ${this.hidden_size}, num_layers=${this.num_layers}, batch_first=${this.batch_first}, bidirectional=${this.bidirectional}, dtype=torch.qint8`;
  }

  /** Quantizes every weight of a float RNN of the same mode with mod.qconfig.weight() (default: MinMax qint8 symmetric). */
  protected static _from_float_into<T extends DynamicRNNBase>(q: T, mod: Module): T {
    const where = q.constructor.name;
    const obs = dynamic_weight_observer(mod);
    for (const w of q._all_weight_values) {
      const ih = pack_from_float(mod, `weight_ih${w.sfx}`, `bias_ih${w.sfx}`, obs, where);
      const hh = pack_from_float(mod, `weight_hh${w.sfx}`, `bias_hh${w.sfx}`, obs, where);
      for (const [got, want, n] of [
        [ih, w.ih, 'ih'],
        [hh, w.hh, 'hh'],
      ] as const) {
        if (got.weight.shape.some((d, i) => d !== want.weight.shape[i])) {
          throw new Error(
            `${where}.from_float: ${mod.constructor.name}.weight_${n}${w.sfx} is [${got.weight.shape.join(', ')}], expected [${want.weight.shape.join(', ')}] (is it the same kind of RNN?)`,
          );
        }
      }
      w.ih = ih;
      w.hh = hh;
    }
    return q;
  }
}

function swap01(x: Float32Array, a: number, b: number, f: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++) y.set(x.subarray((i * b + j) * f, (i * b + j + 1) * f), (j * a + i) * f);
  return y;
}

function interleave(fw: Float32Array, bw: Float32Array, rows: number, H: number): Float32Array {
  const y = new Float32Array(rows * 2 * H);
  for (let r = 0; r < rows; r++) {
    y.set(fw.subarray(r * H, (r + 1) * H), r * 2 * H);
    y.set(bw.subarray(r * H, (r + 1) * H), r * 2 * H + H);
  }
  return y;
}

type FloatRnn = Module & {
  input_size: number;
  hidden_size: number;
  num_layers?: number;
  bias?: boolean;
  batch_first?: boolean;
  bidirectional?: boolean;
  mode?: string;
};

function options_of(mod: FloatRnn): DynamicRNNOptions {
  return { num_layers: mod.num_layers, bias: mod.bias, batch_first: mod.batch_first, bidirectional: mod.bidirectional };
}

/** torch.ao.nn.quantized.dynamic.LSTM: forward returns [output, [h_n, c_n]]. */
export class LSTM extends DynamicRNNBase {
  constructor(input_size: number, hidden_size: number, options: DynamicRNNOptions = {}) {
    super('LSTM', input_size, hidden_size, options);
  }
  forward(input: Tensor, hx: readonly [Tensor, Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    const r = this._run(input, hx ? hx[0] : null, hx ? hx[1] : null);
    return [r.output, [r.h_n, r.c_n as Tensor]];
  }
  static from_float(mod: Module): LSTM {
    const m = mod as FloatRnn;
    return DynamicRNNBase._from_float_into(new LSTM(m.input_size, m.hidden_size, options_of(m)), mod);
  }
}

/** torch.ao.nn.quantized.dynamic.GRU: forward returns [output, h_n]. */
export class GRU extends DynamicRNNBase {
  constructor(input_size: number, hidden_size: number, options: DynamicRNNOptions = {}) {
    super('GRU', input_size, hidden_size, options);
  }
  forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const r = this._run(input, hx, null);
    return [r.output, r.h_n];
  }
  static from_float(mod: Module): GRU {
    const m = mod as FloatRnn;
    return DynamicRNNBase._from_float_into(new GRU(m.input_size, m.hidden_size, options_of(m)), mod);
  }
}

/** A dynamic Elman RNN (tanh or relu), built the same way as the dynamic LSTM / GRU. */
export class RNN extends DynamicRNNBase {
  nonlinearity: 'tanh' | 'relu';
  constructor(
    input_size: number,
    hidden_size: number,
    options: DynamicRNNOptions & { nonlinearity?: 'tanh' | 'relu' } = {},
  ) {
    const nl = options.nonlinearity ?? 'tanh';
    super(elman_mode(nl), input_size, hidden_size, options);
    this.nonlinearity = nl;
  }
  forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const r = this._run(input, hx, null);
    return [r.output, r.h_n];
  }
  static from_float(mod: Module): RNN {
    const m = mod as FloatRnn & { nonlinearity?: 'tanh' | 'relu' };
    return DynamicRNNBase._from_float_into(
      new RNN(m.input_size, m.hidden_size, { ...options_of(m), nonlinearity: m.nonlinearity }),
      mod,
    );
  }
}
