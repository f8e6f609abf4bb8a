/**
 * nn.intrinsic.qat.LinearBn1d (torch.ao.nn.intrinsic.qat.modules.linear_fused, torch 1.13): a Linear and a
 * live BatchNorm1d trained with "simulated BN folding", the Linear counterpart of ConvBn2d. Each forward
 * fake-quantizes the weight scaled by γ/σ_running (the weight the int8 Linear will have once BN is
 * folded), runs the linear with a zero bias, divides the scale back out, adds the Linear bias and runs the
 * real BatchNorm1d — so batch statistics still normalise during training while the weight rounding
 * matches the folded int8 weight. At convert the BN is folded in with the running statistics
 * (_weight_bias_for_convert / to_float) and the module becomes an int8 nn.quantized.Linear.
 */
import type { QConfig } from '../../quant/qconfig.js';
import { zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { linear } from '../functional/linear.js';
import { uniform_, zeros_ } from '../init.js';
import * as nni from '../intrinsic/fused.js';
import { Linear as FloatLinear } from '../layers/linear.js';
import { BatchNorm1d } from '../layers/normalization.js';
import type { Module } from '../module.js';
import { fuse_linear_bn_weights } from '../utils/fusion.js';
import { folded_weight_bias, set_bn_frozen, set_folded_weight_bias, simulated_bn_fold } from './_bn_fold.js';
import { check_float_module, make_weight_fake_quant, require_qconfig, type WeightFakeQuant } from './_common.js';

/** Keyword options of nniqat.LinearBn1d: torch's bias, BatchNorm1d's eps / momentum, freeze_bn and the qconfig. */
export interface QatLinearBn1dOptions {
  bias?: boolean;
  eps?: number;
  /** null = cumulative moving average, as nn.BatchNorm1d(momentum=None). */
  momentum?: number | null;
  freeze_bn?: boolean;
  qconfig?: QConfig | null;
}

/**
 * nniqat.LinearBn1d(in_features, out_features, {bias=true, eps, momentum, freeze_bn, qconfig}): the Linear's
 * weight / bias, child `bn` (BatchNorm1d(out_features), affine, tracking running stats), child
 * weight_fake_quant. Note: torch 1.13's module-level nniqat.freeze_bn_stats / update_bn_stats (for
 * model.apply) only act on the ConvBn classes, not on LinearBn1d; call the methods here directly.
 */
export class LinearBn1d extends FloatLinear {
  qconfig: QConfig;
  /** When true the BatchNorm uses (and no longer updates) its running statistics. */
  freeze_bn: boolean;
  bn: BatchNorm1d;
  weight_fake_quant: WeightFakeQuant;

  constructor(in_features: number, out_features: number, options: QatLinearBn1dOptions = {}) {
    const { bias = true, eps = 1e-5, momentum = 0.1, freeze_bn = false } = options;
    super(in_features, out_features, { bias });
    this.qconfig = require_qconfig(options.qconfig, new.target.name);
    this.freeze_bn = this.training ? freeze_bn : true;
    // child order as torch (bn, then weight_fake_quant): state_dict keys come out in the same order
    this.bn = new BatchNorm1d(out_features, { eps, momentum, affine: true, track_running_stats: true });
    this.weight_fake_quant = make_weight_fake_quant(this.qconfig, new.target.name);
    // torch re-creates the bias with torch.empty (uninitialised memory) here; fxq keeps nn.Linear's
    // U(±1/√in) bias instead of garbage. Neither consumes RNG, so seeded runs still draw as torch.
    this.reset_bn_parameters();
    if (this.training && !freeze_bn) this.update_bn_stats();
    else this.freeze_bn_stats();
  }

  /** Resets the BN's running statistics (torch's reset_running_stats). */
  reset_running_stats(): void {
    this.bn.reset_running_stats();
  }

  /** torch's reset_bn_parameters: fresh running statistics, γ ~ U(0, 1), β = 0. */
  reset_bn_parameters(): void {
    this.bn.reset_running_stats();
    if (this.bn.weight) uniform_(this.bn.weight);
    if (this.bn.bias) zeros_(this.bn.bias);
  }

  /** Resume batch statistics and running-stat updates (torch's update_bn_stats). */
  update_bn_stats(): this {
    return set_bn_frozen(this, false);
  }

  /** Stop updating the BN running statistics and normalise with them (torch's freeze_bn_stats). */
  freeze_bn_stats(): this {
    return set_bn_frozen(this, true);
  }

  /**
   * torch's train: a frozen BN keeps its eval mode when the module is put back in training. fxq's
   * Module.train on a parent sets every descendant's flag without calling this, so forward re-derives
   * the BN's mode too.
   */
  train(mode = true): this {
    this.training = mode;
    if (!this.freeze_bn) for (const m of this.children()) m.train(mode);
    return this;
  }

  /**
   * torch's forward (simulated folding), in both modes: bn(linear(x, fq(w·s), 0) / s + b) with
   * s = γ / sqrt(running_var + eps). In eval the BN applies the same running statistics, so the output
   * is the folded Linear with the fake-quantized folded weight — what the int8 Linear computes.
   */
  forward(input: Tensor): Tensor {
    // the linear itself runs with a zero bias (as torch)
    return simulated_bn_fold(this, this.constructor.name, (w) => linear(input, w, zeros([this.out_features])));
  }

  /** The Linear weight and bias with BN folded in from the running statistics (what the int8 Linear gets). */
  _weight_bias_for_convert(): [Tensor, Tensor | null] {
    return folded_weight_bias(this, this.constructor.name, fuse_linear_bn_weights);
  }

  /**
   * From a float nni.LinearBn1d (qconfig on the fused module). Shares the Linear's parameters and the
   * BatchNorm1d's parameters and buffers (torch assigns them one by one onto its fresh BN; sharing the
   * module is the same state), starting with BN statistics updating.
   */
  static from_float(mod: Module): LinearBn1d {
    const qconfig = check_float_module(mod, [nni.LinearBn1d], 'nniqat.LinearBn1d');
    const fused = mod as nni.LinearBn1d;
    const lin = fused.at(0) as FloatLinear;
    const bn = fused.at(1) as BatchNorm1d;
    if (!bn.affine || !bn.track_running_stats || bn.num_features !== lin.out_features)
      throw new Error(
        `nniqat.LinearBn1d.from_float: the BatchNorm1d must be affine, track running stats and have out_features (${lin.out_features}) features; got num_features=${bn.num_features}, affine=${bn.affine}, track_running_stats=${bn.track_running_stats}`,
      );
    const q = new LinearBn1d(lin.in_features, lin.out_features, {
      bias: lin.bias !== null,
      eps: bn.eps,
      momentum: bn.momentum,
      freeze_bn: false,
      qconfig,
    });
    q.weight = lin.weight;
    q.bias = lin.bias;
    q.bn = bn;
    q.freeze_bn = false;
    q.train(lin.training);
    return q;
  }

  /** A plain nn.Linear (with bias) with the BN folded in (torch's LinearBn1d.to_float). */
  to_float(): Module {
    return set_folded_weight_bias(new FloatLinear(this.in_features, this.out_features), this);
  }
}
