/**
 * torch's fuser methods (torch.ao.quantization.fuser_method_mappings): build the fused module from the
 * matched float modules, folding BatchNorm for eval or keeping it live for QAT. The catalogue records'
 * `fusions` name them; runtime/eager/fuser_method_mappings.ts re-exports them.
 */
import * as nni from '../../nn/intrinsic/fused.js';
import * as nni1d from '../../nn/intrinsic/fused_1d.js';
import type { ReLU } from '../../nn/layers/activation.js';
import type { Conv2d } from '../../nn/layers/conv.js';
import { Conv1d } from '../../nn/layers/conv_more.js';
import type { Linear } from '../../nn/layers/linear.js';
import type { _BatchNorm, BatchNorm1d, BatchNorm2d } from '../../nn/layers/normalization.js';
import type { Module } from '../../nn/module.js';
import { fuse_conv_bn_eval, fuse_linear_bn_eval } from '../../nn/utils/fusion.js';
import type { FuserMethod } from './types.js';

function check_same_mode(mods: Module[], where: string): void {
  if (mods.some((m) => m.training !== mods[0].training)) {
    const modes = mods.map((m) => `${m.constructor.name}.training=${m.training}`).join(', ');
    throw new Error(`${where}: Conv/Linear and BN both must be in the same mode (train or eval); got ${modes}`);
  }
}

function check_bn_for_qat(out: number, bn: _BatchNorm, what: string, where: string): void {
  if (bn.num_features !== out)
    throw new Error(
      `${where}: Output channel of ${what} (${out}) must match num_features of ${bn.constructor.name} (${bn.num_features})`,
    );
  if (!bn.affine) throw new Error(`${where}: Only support fusing ${bn.constructor.name} with affine set to True`);
  if (!bn.track_running_stats)
    throw new Error(`${where}: Only support fusing ${bn.constructor.name} with tracking_running_stats set to True`);
}

/**
 * torch's fuse_conv_bn: eval → the conv with BN folded in; QAT → nni.ConvBn2d(conv, bn) (nni.ConvBn1d for a
 * Conv1d, torch's fused_module_class_map).
 */
export function fuse_conv_bn(is_qat: boolean, conv: Module, bn: Module): Module {
  const c = conv as Conv2d;
  const b = bn as BatchNorm2d;
  check_same_mode([c, b], 'fuse_conv_bn');
  if (!is_qat) return fuse_conv_bn_eval(c, b);
  check_bn_for_qat(c.out_channels, b, c.constructor.name, 'fuse_conv_bn');
  if (conv instanceof Conv1d) return new nni1d.ConvBn1d(conv, bn as BatchNorm1d);
  return new nni.ConvBn2d(c, b);
}

/**
 * torch's fuse_conv_bn_relu: eval → nni.ConvReLU2d(folded conv, relu); QAT → nni.ConvBnReLU2d(conv, bn, relu)
 * (the 1d classes for a Conv1d).
 */
export function fuse_conv_bn_relu(is_qat: boolean, conv: Module, bn: Module, relu: Module): Module {
  const c = conv as Conv2d;
  const b = bn as BatchNorm2d;
  check_same_mode([c, b, relu], 'fuse_conv_bn_relu');
  if (conv instanceof Conv1d) {
    if (!is_qat) return new nni1d.ConvReLU1d(fuse_conv_bn_eval(c, b) as unknown as Conv1d, relu as ReLU);
    check_bn_for_qat(conv.out_channels, b, 'Conv1d', 'fuse_conv_bn_relu');
    return new nni1d.ConvBnReLU1d(conv, bn as BatchNorm1d, relu as ReLU);
  }
  if (!is_qat) return new nni.ConvReLU2d(fuse_conv_bn_eval(c, b), relu as ReLU);
  check_bn_for_qat(c.out_channels, b, 'Conv2d', 'fuse_conv_bn_relu');
  return new nni.ConvBnReLU2d(c, b, relu as ReLU);
}

/** torch's fuse_linear_bn: eval → a Linear with BN folded in; QAT → nni.LinearBn1d(linear, bn). */
export function fuse_linear_bn(is_qat: boolean, linear: Module, bn: Module): Module {
  const l = linear as Linear;
  const b = bn as BatchNorm1d;
  check_same_mode([l, b], 'fuse_linear_bn');
  if (!is_qat) return fuse_linear_bn_eval(l, b);
  check_bn_for_qat(l.out_features, b, 'Linear', 'fuse_linear_bn');
  return new nni.LinearBn1d(l, b);
}

/** torch's _sequential_wrapper2: a fuser that just wraps the two modules in `cls`, in either mode. */
export function _sequential_wrapper2(cls: new (a: never, b: never) => Module): FuserMethod {
  const fuser: FuserMethod = (_is_qat, a, b) => new cls(a as never, b as never);
  Object.defineProperty(fuser, 'name', { value: `fuse_${cls.name}` });
  return fuser;
}
