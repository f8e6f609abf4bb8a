/**
 * The 1-d QAT convolutions (torch.ao.nn.qat.Conv1d, torch.ao.nn.intrinsic.qat ConvReLU1d / ConvBn1d /
 * ConvBnReLU1d): as their 2-d counterparts (conv.ts, conv_bn.ts) over [N, C, L] — the weight goes through
 * weight_fake_quant each forward; ConvBn1d trains with simulated BN folding (the weight scaled by γ/σ_running is
 * fake-quantized, the scale divided back out, the conv bias added, then the live BatchNorm1d).
 */
import type { QConfig } from '../../quant/qconfig.js';
import { relu } from '../../tensor/ops/activation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { conv1d } from '../functional/conv1d.js';
import * as nni from '../intrinsic/fused_1d.js';
import { ReLU } from '../layers/activation.js';
import { type Conv1dLayerOptions, Conv1d as FloatConv1d } from '../layers/conv_more.js';
import { BatchNorm1d } from '../layers/normalization.js';
import type { Module } from '../module.js';
import { fuse_conv_bn_weights } from '../utils/fusion.js';
import {
  bn_options_from_float,
  folded_weight_bias,
  set_bn_frozen,
  set_folded_weight_bias,
  share_conv_bn,
  simulated_bn_fold,
} from './_bn_fold.js';
import {
  check_float_module,
  make_weight_fake_quant,
  require_qconfig,
  set_float_weight_bias,
  share_weight_bias,
  type WeightFakeQuant,
} from './_common.js';

/** Keyword options of nn.qat.Conv1d: nn.Conv1d's plus the (required) qconfig. */
export interface QatConv1dOptions extends Conv1dLayerOptions {
  qconfig?: QConfig | null;
}

function conv1d_options(conv: FloatConv1d): Conv1dLayerOptions {
  return {
    stride: conv.stride,
    padding: conv.padding,
    dilation: conv.dilation,
    groups: conv.groups,
    bias: conv.bias !== null,
  };
}

/** nn.qat.Conv1d(in, out, kernel_size, {stride, padding, dilation, groups, bias, qconfig}). */
export class Conv1d extends FloatConv1d {
  qconfig: QConfig;
  weight_fake_quant: WeightFakeQuant;

  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: number | [number],
    options: QatConv1dOptions = {},
  ) {
    const { qconfig, ...conv } = options;
    super(in_channels, out_channels, kernel_size, conv);
    this.qconfig = require_qconfig(qconfig, new.target.name);
    this.weight_fake_quant = make_weight_fake_quant(this.qconfig, new.target.name);
  }

  protected _conv_forward(input: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
    return conv1d(input, weight, bias, {
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

  /** From a float nn.Conv1d carrying a qconfig; shares its weight and bias (as torch). */
  static from_float(mod: Module): Conv1d {
    const qconfig = check_float_module(mod, [FloatConv1d], 'qat.Conv1d');
    return Conv1d._from_conv(mod as FloatConv1d, qconfig, Conv1d);
  }

  protected static _from_conv<T extends Conv1d>(
    conv: FloatConv1d,
    qconfig: QConfig,
    cls: new (i: number, o: number, k: [number], opts: QatConv1dOptions) => T,
  ): T {
    const q = new cls(conv.in_channels, conv.out_channels, conv.kernel_size, { ...conv1d_options(conv), qconfig });
    return share_weight_bias(q, conv);
  }

  /** A plain nn.Conv1d with detached copies of the trained weight and bias. */
  to_float(): Module {
    const conv = new FloatConv1d(this.in_channels, this.out_channels, this.kernel_size, conv1d_options(this));
    return set_float_weight_bias(conv, this.weight, this.bias, this.training);
  }
}

/** nniqat.ConvReLU1d: relu(conv1d(x, weight_fake_quant(weight))). */
export class ConvReLU1d extends Conv1d {
  forward(input: Tensor): Tensor {
    return relu(super.forward(input));
  }

  /** From a float nni.ConvReLU1d (qconfig on the fused module); shares the Conv1d's parameters. */
  static from_float(mod: Module): ConvReLU1d {
    const qconfig = check_float_module(mod, [nni.ConvReLU1d], 'nniqat.ConvReLU1d');
    return Conv1d._from_conv((mod as nni.ConvReLU1d).at(0) as FloatConv1d, qconfig, ConvReLU1d);
  }

  to_float(): Module {
    const f = new nni.ConvReLU1d(super.to_float() as FloatConv1d, new ReLU());
    f.train(this.training);
    return f;
  }
}

/** Keyword options of nniqat.ConvBn1d: the conv's, BatchNorm's eps / momentum, freeze_bn and the qconfig. */
export interface QatConvBn1dOptions extends QatConv1dOptions {
  eps?: number;
  momentum?: number;
  freeze_bn?: boolean;
}

/** nniqat.ConvBn1d(in, out, kernel_size, {…, bias=false, eps, momentum, freeze_bn, qconfig}): child `bn` (BatchNorm1d). */
export class ConvBn1d extends Conv1d {
  bn: BatchNorm1d;
  freeze_bn: boolean;

  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: number | [number],
    options: QatConvBn1dOptions = {},
  ) {
    const { eps = 1e-5, momentum = 0.1, freeze_bn = false, ...conv } = options;
    super(in_channels, out_channels, kernel_size, { ...conv, bias: conv.bias ?? false });
    this.bn = new BatchNorm1d(out_channels, { eps, momentum, affine: true, track_running_stats: true });
    this.freeze_bn = this.training ? freeze_bn : true;
  }

  freeze_bn_stats(): this {
    return set_bn_frozen(this, true);
  }

  update_bn_stats(): this {
    return set_bn_frozen(this, false);
  }

  /** torch's _forward (simulated folding): bn(conv(x, fq(w·γ/σ)) / (γ/σ) + b). */
  protected _forward(input: Tensor): Tensor {
    return simulated_bn_fold(this, this.constructor.name, (w) => this._conv_forward(input, w, null));
  }

  forward(input: Tensor): Tensor {
    return this._forward(input);
  }

  /** The conv weight and bias with BN folded in from the running statistics (what the int8 conv gets). */
  _weight_bias_for_convert(): [Tensor, Tensor | null] {
    return folded_weight_bias(this, this.constructor.name, fuse_conv_bn_weights);
  }

  static from_float(mod: Module): ConvBn1d {
    const qconfig = check_float_module(mod, [nni.ConvBn1d], 'nniqat.ConvBn1d');
    return ConvBn1d._from_conv_bn(mod as nni.ConvBn1d, qconfig, ConvBn1d);
  }

  protected static _from_conv_bn<T extends ConvBn1d>(
    mod: nni.ConvBn1d | nni.ConvBnReLU1d,
    qconfig: QConfig,
    cls: new (i: number, o: number, k: [number], opts: QatConvBn1dOptions) => T,
  ): T {
    const conv = mod.at(0) as FloatConv1d;
    const bn = mod.at(1) as BatchNorm1d;
    const q = new cls(conv.in_channels, conv.out_channels, conv.kernel_size, {
      ...conv1d_options(conv),
      ...bn_options_from_float(bn, cls.name),
      qconfig,
    });
    return share_conv_bn(q, conv, bn);
  }

  /** A plain nn.Conv1d with the BN folded in. */
  to_float(): Module {
    const conv = new FloatConv1d(this.in_channels, this.out_channels, this.kernel_size, {
      ...conv1d_options(this),
      bias: true,
    });
    return set_folded_weight_bias(conv, this);
  }
}

/** nniqat.ConvBnReLU1d: ConvBn1d followed by ReLU. */
export class ConvBnReLU1d extends ConvBn1d {
  forward(input: Tensor): Tensor {
    return relu(this._forward(input));
  }

  static from_float(mod: Module): ConvBnReLU1d {
    const qconfig = check_float_module(mod, [nni.ConvBnReLU1d], 'nniqat.ConvBnReLU1d');
    return ConvBn1d._from_conv_bn(mod as nni.ConvBnReLU1d, qconfig, ConvBnReLU1d);
  }

  to_float(): Module {
    const f = new nni.ConvReLU1d(super.to_float() as FloatConv1d, new ReLU());
    f.train(this.training);
    return f;
  }
}
