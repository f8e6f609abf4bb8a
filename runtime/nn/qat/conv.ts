/**
 * nn.qat.Conv2d (torch.ao.nn.qat.Conv2d): a Conv2d whose weight goes through weight_fake_quant on every
 * forward (straight-through gradient), so training sees the int8 rounding of the weights.
 */
import type { QConfig } from '../../quant/qconfig.js';
import type { Tensor } from '../../tensor/tensor.js';
import { conv2d } from '../functional/conv.js';
import { type Conv2dLayerOptions, Conv2d as FloatConv2d } from '../layers/conv.js';
import type { Module } from '../module.js';
import {
  check_float_module,
  make_weight_fake_quant,
  require_qconfig,
  set_float_weight_bias,
  share_weight_bias,
  type WeightFakeQuant,
} from './_common.js';

/** Keyword options of nn.qat.Conv2d: nn.Conv2d's plus the (required) qconfig. */
export interface QatConv2dOptions extends Conv2dLayerOptions {
  qconfig?: QConfig | null;
}

/** The constructor options that rebuild `conv`'s geometry. */
export function conv_options(conv: FloatConv2d): Conv2dLayerOptions {
  return {
    stride: conv.stride,
    padding: conv.padding,
    dilation: conv.dilation,
    groups: conv.groups,
    bias: conv.bias !== null,
    padding_mode: conv.padding_mode,
  };
}

/** nn.qat.Conv2d(in, out, kernel_size, {stride, padding, dilation, groups, bias, qconfig}). */
export class Conv2d extends FloatConv2d {
  qconfig: QConfig;
  weight_fake_quant: WeightFakeQuant;

  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: number | [number, number],
    options: QatConv2dOptions = {},
  ) {
    const { qconfig, ...conv } = options;
    super(in_channels, out_channels, kernel_size, conv);
    this.qconfig = require_qconfig(qconfig, new.target.name);
    this.weight_fake_quant = make_weight_fake_quant(this.qconfig, new.target.name);
  }

  /** torch's _conv_forward: the convolution with an explicit weight and bias. */
  protected _conv_forward(input: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
    return conv2d(input, weight, bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  forward(input: Tensor): Tensor {
    return this._conv_forward(input, this.weight_fake_quant.forward(this.weight), this.bias);
  }

  /** The float weight and bias the int8 module quantizes at convert. */
  _weight_bias_for_convert(): [Tensor, Tensor | null] {
    return [this.weight, this.bias];
  }

  /** From a float nn.Conv2d carrying a qconfig; the QAT module shares its weight and bias (as torch). */
  static from_float(mod: Module): Conv2d {
    const qconfig = check_float_module(mod, [FloatConv2d], 'qat.Conv2d');
    return Conv2d._from_conv(mod as FloatConv2d, qconfig, Conv2d);
  }

  /** Builds `cls` around an existing float Conv2d's parameters (shared, not copied). */
  protected static _from_conv<T extends Conv2d>(
    conv: FloatConv2d,
    qconfig: QConfig,
    cls: new (i: number, o: number, k: [number, number], opts: QatConv2dOptions) => T,
  ): T {
    const q = new cls(conv.in_channels, conv.out_channels, conv.kernel_size, { ...conv_options(conv), qconfig });
    return share_weight_bias(q, conv);
  }

  /** A plain nn.Conv2d with detached copies of the trained weight and bias. */
  to_float(): Module {
    const conv = new FloatConv2d(this.in_channels, this.out_channels, this.kernel_size, conv_options(this));
    return set_float_weight_bias(conv, this.weight, this.bias, this.training);
  }
}
