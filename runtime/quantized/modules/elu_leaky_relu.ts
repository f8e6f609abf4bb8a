/**
 * nn.quantized.ELU and nn.quantized.LeakyReLU (torch.ao.nn.quantized): quint8 in, quint8 out at the module's
 * own output qparams (the output observer's). As torch's: ELU keeps scale / zero_point as plain attributes
 * (its state_dict is empty); LeakyReLU registers them as buffers (state_dict keys `scale`, `zero_point`).
 */
import { py_float } from '../../nn/functional/_util.js';
import { Module } from '../../nn/module.js';
import { Tensor } from '../../tensor/tensor.js';
import { elu, leaky_relu } from '../functional/elu_leaky_relu.js';
import { check_out_qparams } from '../qtensor.js';
import { output_qparams } from './from_float.js';

type Slots = Record<string, unknown>;

/** nn.quantized.ELU(scale, zero_point, alpha=1.0). */
export class ELU extends Module {
  scale: number;
  zero_point: number;
  alpha: number;
  constructor(scale: number, zero_point: number, alpha = 1) {
    super();
    check_out_qparams(scale, zero_point, 'ELU');
    if (!Number.isFinite(alpha)) throw new Error(`ELU: alpha must be a finite number, got ${alpha}`);
    this.scale = scale;
    this.zero_point = zero_point;
    this.alpha = alpha;
  }
  forward(x: Tensor): Tensor {
    return elu(x, this.alpha, this.scale, this.zero_point);
  }
  extra_repr(): string {
    return `alpha=${py_float(this.alpha)}, scale=${this.scale}, zero_point=${this.zero_point}`;
  }
  /** From an observed nn.ELU: its alpha, the output observer's qparams. */
  static from_float(mod: Module): ELU {
    const [s, z] = output_qparams(mod, 'ELU');
    return new ELU(s, z, (mod as unknown as Slots).alpha as number);
  }
}

/** nn.quantized.LeakyReLU(scale, zero_point, negative_slope=0.01, {inplace}). */
export class LeakyReLU extends Module {
  negative_slope: number;
  inplace: boolean;
  declare scale: Tensor;
  declare zero_point: Tensor;
  constructor(scale: number, zero_point: number, negative_slope = 0.01, options: { inplace?: boolean } = {}) {
    super();
    check_out_qparams(scale, zero_point, 'LeakyReLU');
    if (!Number.isFinite(negative_slope))
      throw new Error(`LeakyReLU: negative_slope must be a finite number, got ${negative_slope}`);
    this.negative_slope = negative_slope;
    this.inplace = options.inplace ?? false;
    // torch registers the output qparams as buffers: a float32 scalar and an int64 scalar
    this.register_buffer('scale', new Tensor(Float32Array.of(scale), [], 'float32'));
    this.register_buffer('zero_point', new Tensor(Float64Array.of(zero_point), [], 'int64'));
  }
  forward(x: Tensor): Tensor {
    return leaky_relu(x, this.negative_slope, this.scale.data[0], this.zero_point.data[0]);
  }
  extra_repr(): string {
    return `negative_slope=${py_float(this.negative_slope)}${this.inplace ? ', inplace=True' : ''}`;
  }
  /** From an observed nn.LeakyReLU: its negative_slope, the output observer's qparams. */
  static from_float(mod: Module): LeakyReLU {
    const [s, z] = output_qparams(mod, 'LeakyReLU');
    const m = mod as unknown as Slots;
    return new LeakyReLU(s, z, m.negative_slope as number, { inplace: m.inplace as boolean });
  }
}
