/** nn.quantized.dynamic.Linear and nn.intrinsic.quantized.dynamic.LinearReLU: float in, float out, qint8 weight. */
import type { Module } from '../../../nn/module.js';
import type { Tensor } from '../../../tensor/tensor.js';
import { linear_dynamic, linear_relu_dynamic } from '../../functional/linear.js';
import { weighted_child } from '../from_float.js';
import { type QuantizedLinearOptions, Linear as StaticLinear } from '../linear.js';
import { dynamic_weight_observer, pack_from_float } from './weights.js';

/**
 * torch.ao.nn.quantized.dynamic.Linear: the activation is quantized per call from its own min/max
 * (quint8, full range, as qnnpack), the int32 accumulator scaled back to float and the float bias added.
 */
export class Linear extends StaticLinear {
  forward(x: Tensor): Tensor {
    return (this._relu ? linear_relu_dynamic : linear_dynamic)(x, this._packed_params);
  }

  extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, dtype=torch.qint8`;
  }

  /** From a float Linear (or fused LinearReLU) with an optional qconfig (default: torch's default_dynamic_qconfig). */
  static from_float<T extends StaticLinear>(
    this: new (
      i: number,
      o: number,
      opts?: QuantizedLinearOptions,
    ) => T,
    mod: Module,
  ): T {
    const where = this.name;
    const lin = weighted_child(mod, where);
    const packed = pack_from_float(lin, 'weight', 'bias', dynamic_weight_observer(mod), where);
    const q = new this(packed.in_features, packed.out_features, { bias_: packed.bias !== null });
    q.set_weight_bias(packed.weight, packed.bias);
    return q;
  }
}

/** torch.ao.nn.intrinsic.quantized.dynamic.LinearReLU. */
export class LinearReLU extends Linear {
  protected readonly _relu: boolean = true;
}
