/** nn.quantized.Quantize / DeQuantize: the entry and exit of an int8 region. */
import { Module } from '../../nn/module.js';
import { dequantize, quantize_per_tensor } from '../../quant/qtensor.js';
import type { QuantDType } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float, check_out_qparams } from '../qtensor.js';
import { output_qparams } from './from_float.js';

/** torch.ao.nn.quantized.Quantize(scale, zero_point, dtype): float → per-tensor quantized (buffers 'scale', 'zero_point'). */
export class Quantize extends Module {
  declare scale: Tensor;
  declare zero_point: Tensor;
  dtype: QuantDType;

  constructor(scale: number, zero_point: number, dtype: QuantDType = 'quint8') {
    super();
    if (dtype !== 'quint8' && dtype !== 'qint8')
      throw new Error(`Quantize: dtype must be quint8 or qint8, got ${dtype}`);
    check_out_qparams(scale, zero_point, 'Quantize', dtype);
    this.dtype = dtype;
    this.register_buffer('scale', new Tensor(Float32Array.of(scale), [1], 'float32'));
    this.register_buffer('zero_point', new Tensor(Float64Array.of(zero_point), [1], 'int64'));
  }

  forward(x: Tensor): Tensor {
    check_float(x, 'Quantize.forward');
    return quantize_per_tensor(x, this.scale.data[0], this.zero_point.data[0], this.dtype);
  }

  extra_repr(): string {
    return `scale=tensor([${this.scale.data[0]}]), zero_point=tensor([${this.zero_point.data[0]}]), dtype=torch.${this.dtype}`;
  }

  /** From an observed module: qparams from its activation_post_process (dtype quint8 unless the observer says qint8). */
  static from_float(mod: Module): Quantize {
    const [scale, zp] = output_qparams(mod, 'Quantize');
    const obs = (mod as unknown as { activation_post_process?: { dtype?: string } }).activation_post_process;
    return new Quantize(scale, zp, obs?.dtype === 'qint8' ? 'qint8' : 'quint8');
  }
}

/** torch.ao.nn.quantized.DeQuantize: quantized → float32. */
export class DeQuantize extends Module {
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || !x.is_quantized)
      throw new Error(
        `DeQuantize.forward: expected a quantized tensor, got ${x instanceof Tensor ? x.dtype : typeof x}`,
      );
    return dequantize(x);
  }
  static from_float(_mod: Module): DeQuantize {
    return new DeQuantize();
  }
}
