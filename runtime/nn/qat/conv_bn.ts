/**
 * nn.intrinsic.qat ConvBn2d and ConvBnReLU2d (torch.ao.nn.intrinsic.qat.modules.conv_fused): Conv2d and a
 * live BatchNorm2d trained with "simulated BN folding". Each forward fake-quantizes the weight scaled by
 * γ/σ_running (the weight the int8 conv will have once BN is folded), convolves, divides the scale back
 * out, adds the conv bias and runs the real BatchNorm — so batch statistics still normalise during
 * training while the weight rounding matches the folded int8 weight. At convert the BN is folded into
 * the weight and bias with the running statistics (_weight_bias_for_convert).
 */
import type { QConfig } from '../../quant/qconfig.js';
import { relu } from '../../tensor/ops/activation.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as nni from '../intrinsic/fused.js';
import { ReLU } from '../layers/activation.js';
import { Conv2d as FloatConv2d } from '../layers/conv.js';
import { BatchNorm2d } from '../layers/normalization.js';
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
import { check_float_module } from './_common.js';
import { Conv2d, conv_options, type QatConv2dOptions } from './conv.js';
import { ConvBn1d } from './conv1d.js';

/** Keyword options of nniqat.ConvBn2d: the conv's, BatchNorm's eps / momentum, freeze_bn and the qconfig. */
export interface QatConvBn2dOptions extends QatConv2dOptions {
  eps?: number;
  momentum?: number;
  freeze_bn?: boolean;
}

/**
 * nniqat.ConvBn2d(in, out, kernel_size, {stride, padding, dilation, groups, bias=false, eps, momentum,
 * freeze_bn, qconfig}): weight / bias of the conv, child `bn` (BatchNorm2d), child weight_fake_quant.
 */
export class ConvBn2d extends Conv2d {
  bn: BatchNorm2d;
  /** When true the BatchNorm uses (and no longer updates) its running statistics. */
  freeze_bn: boolean;

  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: number | [number, number],
    options: QatConvBn2dOptions = {},
  ) {
    const { eps = 1e-5, momentum = 0.1, freeze_bn = false, ...conv } = options;
    // torch's ConvBn defaults to bias=None: the BN's β makes a conv bias redundant
    super(in_channels, out_channels, kernel_size, { ...conv, bias: conv.bias ?? false });
    this.bn = new BatchNorm2d(out_channels, { eps, momentum, affine: true, track_running_stats: true });
    this.freeze_bn = this.training ? freeze_bn : true;
  }

  /** Stop updating the BN running statistics and normalise with them (torch's freeze_bn_stats). */
  freeze_bn_stats(): this {
    return set_bn_frozen(this, true);
  }

  /** Resume batch statistics and running-stat updates (torch's update_bn_stats). */
  update_bn_stats(): this {
    return set_bn_frozen(this, false);
  }

  /**
   * torch's _forward (simulated folding): bn(conv(x, fq(w·γ/σ)) / (γ/σ) + b). fxq's Module.train flips
   * every module's flag directly, so the BN's mode is re-derived here from freeze_bn and this.training.
   */
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

  /** From a float nni.ConvBn2d (qconfig on the fused module); shares the conv's parameters and the BN module. */
  static from_float(mod: Module): ConvBn2d {
    const qconfig = check_float_module(mod, [nni.ConvBn2d], 'nniqat.ConvBn2d');
    return ConvBn2d._from_conv_bn(mod as nni.ConvBn2d, qconfig, ConvBn2d);
  }

  protected static _from_conv_bn<T extends ConvBn2d>(
    mod: nni._FusedModule,
    qconfig: QConfig,
    cls: new (i: number, o: number, k: [number, number], opts: QatConvBn2dOptions) => T,
  ): T {
    const conv = mod.at(0) as FloatConv2d;
    const bn = mod.at(1) as BatchNorm2d;
    const q = new cls(conv.in_channels, conv.out_channels, conv.kernel_size, {
      ...conv_options(conv),
      ...bn_options_from_float(bn, cls.name),
      qconfig,
    });
    return share_conv_bn(q, conv, bn);
  }

  /** A plain nn.Conv2d with the BN folded in (torch's ConvBn2d.to_float). */
  to_float(): Module {
    const conv = new FloatConv2d(this.in_channels, this.out_channels, this.kernel_size, {
      ...conv_options(this),
      bias: true,
    });
    return set_folded_weight_bias(conv, this);
  }
}

/** nniqat.ConvBnReLU2d: ConvBn2d followed by ReLU. */
export class ConvBnReLU2d extends ConvBn2d {
  forward(input: Tensor): Tensor {
    return relu(this._forward(input));
  }

  /** From a float nni.ConvBnReLU2d (qconfig on the fused module). */
  static from_float(mod: Module): ConvBnReLU2d {
    const qconfig = check_float_module(mod, [nni.ConvBnReLU2d], 'nniqat.ConvBnReLU2d');
    return ConvBn2d._from_conv_bn(mod as nni.ConvBnReLU2d, qconfig, ConvBnReLU2d);
  }

  /** nni.ConvReLU2d(Conv2d with BN folded in, ReLU). */
  to_float(): Module {
    const f = new nni.ConvReLU2d(super.to_float() as FloatConv2d, new ReLU());
    f.train(this.training);
    return f;
  }
}

/** For model.apply(freeze_bn_stats): freezes the BN statistics of every QAT conv-bn module (1-d and 2-d). */
export function freeze_bn_stats(mod: Module): void {
  if (mod instanceof ConvBn2d || mod instanceof ConvBn1d) mod.freeze_bn_stats();
}

/** For model.apply(update_bn_stats): lets every QAT conv-bn module update its BN statistics again. */
export function update_bn_stats(mod: Module): void {
  if (mod instanceof ConvBn2d || mod instanceof ConvBn1d) mod.update_bn_stats();
}
