/** Quantized normalization modules (torch.ao.nn.quantized): LayerNorm. */
import { LayerNorm as FloatLayerNorm } from '../../nn/layers/normalization.js';
import { Module } from '../../nn/module.js';
import { lookup_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_out_qparams } from '../qtensor.js';
import { output_qparams } from './from_float.js';

/** Options of nn.quantized.LayerNorm (torch's keyword arguments). */
export interface QuantizedLayerNormOptions {
  eps?: number;
  elementwise_affine?: boolean;
}

/**
 * nn.quantized.LayerNorm(normalized_shape, weight, bias, scale, zero_point, {eps, elementwise_affine}): quint8 in,
 * quint8 out at (scale, zero_point); weight and bias stay float32 (torch 1.13 keeps them as float buffers).
 * Runs `quantized.layer_norm` (runtime/quantized/functional).
 */
export class LayerNorm extends Module {
  normalized_shape: number[];
  eps: number;
  elementwise_affine: boolean;
  scale: number;
  zero_point: number;
  weight: Tensor;
  bias: Tensor;

  constructor(
    normalized_shape: number | readonly number[],
    weight: Tensor | null,
    bias: Tensor | null,
    scale: number,
    zero_point: number,
    options: QuantizedLayerNormOptions = {},
  ) {
    super();
    check_out_qparams(scale, zero_point, 'nn.quantized.LayerNorm');
    this.normalized_shape = typeof normalized_shape === 'number' ? [normalized_shape] : [...normalized_shape];
    const n = this.normalized_shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`nn.quantized.LayerNorm: normalized_shape [${this.normalized_shape.join(', ')}] is invalid`);
    this.eps = options.eps ?? 1e-5;
    this.elementwise_affine = options.elementwise_affine ?? true;
    this.scale = scale;
    this.zero_point = zero_point;
    // torch registers weight and bias as buffers (ones / zeros when the float module had none)
    const own = (t: Tensor | null, fill: number, what: string): Tensor => {
      if (t === null) return new Tensor(new Float32Array(n).fill(fill), this.normalized_shape, 'float32');
      if (t.dtype !== 'float32' || t.numel() !== n)
        throw new Error(
          `nn.quantized.LayerNorm: ${what} must be float32 with ${n} elements, got ${t.dtype} [${t.shape}]`,
        );
      return new Tensor(Float32Array.from(t.data as Float32Array), this.normalized_shape, 'float32');
    };
    this.weight = own(weight, 1, 'weight');
    this.bias = own(bias, 0, 'bias');
    this.register_buffer('weight', this.weight);
    this.register_buffer('bias', this.bias);
  }

  forward(x: Tensor): Tensor {
    const fn = lookup_function('quantized.layer_norm');
    if (!fn) throw new Error('nn.quantized.LayerNorm: the int8 op quantized.layer_norm is not registered');
    return fn(x, this.normalized_shape, this.weight, this.bias, this.eps, this.scale, this.zero_point) as Tensor;
  }

  extra_repr(): string {
    return `(${this.normalized_shape.join(', ')},), eps=${this.eps}, elementwise_affine=${this.elementwise_affine}`;
  }

  /** torch's from_float: the float module's weight, bias, eps and its output observer's qparams. */
  static from_float(mod: Module): LayerNorm {
    if (!(mod instanceof FloatLayerNorm))
      throw new Error(`nn.quantized.LayerNorm.from_float: expected nn.LayerNorm, got ${mod.constructor.name}`);
    const [s, z] = output_qparams(mod, 'nn.quantized.LayerNorm');
    return new LayerNorm(mod.normalized_shape, mod.weight, mod.bias, s, z, {
      eps: mod.eps,
      elementwise_affine: mod.elementwise_affine,
    });
  }
}
