/**
 * nn.qat.Linear (torch.ao.nn.qat.Linear): a Linear whose weight goes through weight_fake_quant on every
 * forward, so training sees the int8 rounding of the weights (straight-through gradient).
 */
import type { QConfig } from '../../quant/qconfig.js';
import type { Tensor } from '../../tensor/tensor.js';
import { linear } from '../functional/linear.js';
import { Linear as FloatLinear } from '../layers/linear.js';
import type { Module } from '../module.js';
import {
  check_float_module,
  make_weight_fake_quant,
  require_qconfig,
  set_float_weight_bias,
  share_weight_bias,
  type WeightFakeQuant,
} from './_common.js';

/** Keyword options of nn.qat.Linear: torch's bias and the (required) qconfig. */
export interface QatLinearOptions {
  bias?: boolean;
  qconfig?: QConfig | null;
}

/** nn.qat.Linear(in_features, out_features, {bias, qconfig}): F.linear(x, weight_fake_quant(weight), bias). */
export class Linear extends FloatLinear {
  qconfig: QConfig;
  weight_fake_quant: WeightFakeQuant;

  constructor(in_features: number, out_features: number, options: QatLinearOptions = {}) {
    super(in_features, out_features, { bias: options.bias ?? true });
    this.qconfig = require_qconfig(options.qconfig, new.target.name);
    this.weight_fake_quant = make_weight_fake_quant(this.qconfig, new.target.name);
  }

  forward(input: Tensor): Tensor {
    return linear(input, this.weight_fake_quant.forward(this.weight), this.bias);
  }

  /** The float weight and bias the int8 module quantizes at convert (see runtime/quantized from_float). */
  _weight_bias_for_convert(): [Tensor, Tensor | null] {
    return [this.weight, this.bias];
  }

  /** From a float nn.Linear carrying a qconfig; the QAT module shares its weight and bias (as torch). */
  static from_float(mod: Module): Linear {
    const qconfig = check_float_module(mod, [FloatLinear], 'qat.Linear');
    return Linear._from_linear(mod as FloatLinear, qconfig, Linear);
  }

  /** Builds `cls` around an existing float Linear's parameters (shared, not copied). */
  protected static _from_linear<T extends Linear>(
    lin: FloatLinear,
    qconfig: QConfig,
    cls: new (i: number, o: number, opts: QatLinearOptions) => T,
  ): T {
    const q = new cls(lin.in_features, lin.out_features, { bias: lin.bias !== null, qconfig });
    return share_weight_bias(q, lin);
  }

  /** A plain nn.Linear with detached copies of the trained weight and bias. */
  to_float(): Module {
    const lin = new FloatLinear(this.in_features, this.out_features, { bias: this.bias !== null });
    return set_float_weight_bias(lin, this.weight, this.bias, this.training);
  }
}
