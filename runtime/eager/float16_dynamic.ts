/**
 * Weight-only float16 dynamic modules: what quantize_dynamic(model, spec, float16) swaps in (torch's
 * nnqd.Linear / LSTM / … with dtype=torch.float16). The weights are stored as binary16 (half the bytes of
 * float32) and expanded once to the float32 values they represent; activations and biases stay float32
 * and the math is the float module's — the same arithmetic as torch's fp16-weight GEMM with fp32
 * accumulation. fxq has no float16 tensor dtype, so state_dict writes those fp16-exact values as float32.
 */
import { Linear } from '../nn/layers/linear.js';
import { GRU, LSTM, RNN, type RNNBase } from '../nn/layers/rnn.js';
import { GRUCell, LSTMCell, RNNCell, type RNNCellBase } from '../nn/layers/rnn_cell.js';
import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import { float16_bits, float16_value } from './float16.js';

/** The binary16 weights of a float16 dynamic module, by parameter name. */
export type Float16Weights = Map<string, Uint16Array>;

/** Rounds `values` to float16 into `p` (the fp16-exact float32 values) and returns the binary16 bits. */
function round_to_float16(p: Tensor, values: ArrayLike<number>): Uint16Array {
  const bits = new Uint16Array(p.numel());
  for (let i = 0; i < bits.length; i++) {
    bits[i] = float16_bits(values[i]);
    p.data[i] = float16_value(bits[i]);
  }
  return bits;
}

/**
 * Copies `src`'s parameters into `dst` (same class family and shape): weights rounded to float16 (bits
 * kept in `packed`), biases as float32. Everything is frozen: these modules are for inference.
 */
function load_float16(dst: Module, src: Module, packed: Float16Weights, where: string): void {
  const theirs = new Map(src.named_parameters('', false));
  for (const [name, p] of dst.named_parameters('', false)) {
    const s = theirs.get(name);
    if (!s || s.numel() !== p.numel())
      throw new Error(
        `${where}.from_float: ${src.constructor.name} has no parameter '${name}' of shape [${p.shape.join(', ')}]`,
      );
    if (name.startsWith('weight')) packed.set(name, round_to_float16(p, s.data));
    else p.data.set(s.data);
    p.requires_grad = false;
  }
  dst.eval();
}

/**
 * load_state_dict hook: the weight entries are rounded to float16 (bits kept in `packed`) as they load,
 * so a loaded module is still a float16 module. Returns the keys it consumed.
 */
function load_float16_state(m: Module, prefix: string, sd: Record<string, Tensor>, packed: Float16Weights): string[] {
  const used: string[] = [];
  for (const [name, p] of m.named_parameters('', false)) {
    const t = sd[prefix + name];
    if (!name.startsWith('weight') || !(t instanceof Tensor) || t.numel() !== p.numel() || t.dtype !== 'float32')
      continue;
    packed.set(name, round_to_float16(p, t.data));
    used.push(prefix + name);
  }
  return used;
}

// biome-ignore lint/suspicious/noExplicitAny: a mixin base must accept any constructor arguments (TS rule).
type ModuleClass = abstract new (...args: any[]) => Module;

/** What the mixin adds, spelled out: declaration emit cannot name an anonymous class over Module's private fields. */
export interface Float16Members {
  readonly dtype: 'float16';
  _packed_weights: Float16Weights;
  packed_nbytes(): number;
  _load_extra_state(prefix: string, sd: Record<string, Tensor>): string[];
}
// biome-ignore lint/suspicious/noExplicitAny: a mixin base must accept any constructor arguments (TS rule).
type Float16Class = abstract new (...args: any[]) => Float16Members;

/**
 * Mixin shared by every float16 dynamic module: the binary16 weight store, its byte size, and the
 * load_state_dict hook that keeps loaded weights float16. Only from_float differs per class (the
 * constructor arguments of the float module).
 */
function Float16Weighted<TBase extends ModuleClass>(Base: TBase): TBase & Float16Class {
  abstract class Float16Module extends Base {
    readonly dtype = 'float16' as const;
    _packed_weights: Float16Weights = new Map();
    /** Size of the stored weights in bytes: 2 per fp16 weight value plus the float32 biases. */
    packed_nbytes(): number {
      let n = 0;
      for (const [name, p] of this.named_parameters('', false))
        n += this._packed_weights.has(name) ? 2 * p.numel() : 4 * p.numel();
      return n;
    }
    _load_extra_state(prefix: string, sd: Record<string, Tensor>): string[] {
      return load_float16_state(this, prefix, sd, this._packed_weights);
    }
  }
  return Float16Module;
}

/** nnqd.Linear with dtype float16: y = x·W16ᵀ + b (float32 activations and accumulation). */
export class LinearFP16 extends Float16Weighted(Linear) {
  extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, dtype=torch.float16`;
  }
  /** From a float nn.Linear (fused LinearReLU is not supported: fp16 keeps plain Linear). */
  static from_float(mod: Module): LinearFP16 {
    const m = mod as Linear;
    const q = new LinearFP16(m.in_features, m.out_features, { bias: m.bias !== null });
    load_float16(q, mod, q._packed_weights, 'LinearFP16');
    return q;
  }
}

function rnn_options(m: RNNBase): {
  num_layers: number;
  bias: boolean;
  batch_first: boolean;
  dropout: number;
  bidirectional: boolean;
} {
  return {
    num_layers: m.num_layers,
    bias: m.bias,
    batch_first: m.batch_first,
    dropout: m.dropout,
    bidirectional: m.bidirectional,
  };
}

/** nnqd.LSTM with dtype float16. */
export class LSTMFP16 extends Float16Weighted(LSTM) {
  static from_float(mod: Module): LSTMFP16 {
    const m = mod as LSTM;
    const q = new LSTMFP16(m.input_size, m.hidden_size, rnn_options(m));
    load_float16(q, mod, q._packed_weights, 'LSTMFP16');
    return q;
  }
}

/** nnqd.GRU with dtype float16. */
export class GRUFP16 extends Float16Weighted(GRU) {
  static from_float(mod: Module): GRUFP16 {
    const m = mod as GRU;
    const q = new GRUFP16(m.input_size, m.hidden_size, rnn_options(m));
    load_float16(q, mod, q._packed_weights, 'GRUFP16');
    return q;
  }
}

/** nnqd.RNN with dtype float16. */
export class RNNFP16 extends Float16Weighted(RNN) {
  static from_float(mod: Module): RNNFP16 {
    const m = mod as RNN;
    const q = new RNNFP16(m.input_size, m.hidden_size, { ...rnn_options(m), nonlinearity: m.nonlinearity });
    load_float16(q, mod, q._packed_weights, 'RNNFP16');
    return q;
  }
}

function cell_bias(m: RNNCellBase): { bias: boolean } {
  return { bias: m.bias };
}

/** nnqd.LSTMCell with dtype float16. */
export class LSTMCellFP16 extends Float16Weighted(LSTMCell) {
  static from_float(mod: Module): LSTMCellFP16 {
    const m = mod as LSTMCell;
    const q = new LSTMCellFP16(m.input_size, m.hidden_size, cell_bias(m));
    load_float16(q, mod, q._packed_weights, 'LSTMCellFP16');
    return q;
  }
}

/** nnqd.GRUCell with dtype float16. */
export class GRUCellFP16 extends Float16Weighted(GRUCell) {
  static from_float(mod: Module): GRUCellFP16 {
    const m = mod as GRUCell;
    const q = new GRUCellFP16(m.input_size, m.hidden_size, cell_bias(m));
    load_float16(q, mod, q._packed_weights, 'GRUCellFP16');
    return q;
  }
}

/** nnqd.RNNCell with dtype float16. */
export class RNNCellFP16 extends Float16Weighted(RNNCell) {
  static from_float(mod: Module): RNNCellFP16 {
    const m = mod as RNNCell;
    const q = new RNNCellFP16(m.input_size, m.hidden_size, { ...cell_bias(m), nonlinearity: m.nonlinearity });
    load_float16(q, mod, q._packed_weights, 'RNNCellFP16');
    return q;
  }
}
