/**
 * Catalogue records of the rest of torch.nn's convolution-like layers (issue #16): conv1d (with its
 * BatchNorm1d / ReLU fusions), as torch 1.13's default backend config and fuser have them.
 */
import * as nni from '../../nn/intrinsic/fused_1d.js';
import { ReLU } from '../../nn/layers/activation.js';
import { Conv1d } from '../../nn/layers/conv_more.js';
import { BatchNorm1d } from '../../nn/layers/normalization.js';
import { Conv1d as QConv1d, ConvReLU1d as QConvReLU1d } from '../modules/conv1d.js';
import { _sequential_wrapper2, fuse_conv_bn, fuse_conv_bn_relu } from './fuser_methods.js';
import type { FromFloat, ModuleClass, OpForm, OpRecord } from './types.js';

const module_form = (name: string, module: ModuleClass, quantized: FromFloat): OpForm => ({
  name,
  op: { module },
  lowering: { kind: 'module', quantized },
});

export const conv1d: OpRecord = {
  name: 'conv1d',
  semantics: 'y = conv1d(x, w) + b over [N, C, L] (grouped, strided, padded, dilated); relu variants clamp at 0',
  // input and output observed, weights at convert; the fused modules come from fuse_fx (BN folded in eval)
  static: [
    {
      observation: 'different',
      inputs: 'first',
      forms: [
        module_form('nn.Conv1d', Conv1d, QConv1d),
        module_form('nn.intrinsic.ConvReLU1d', nni.ConvReLU1d, QConvReLU1d),
      ],
    },
  ],
  requantizes: true,
  eager_static: [
    { name: 'nn.Conv1d', float: Conv1d, quantized: QConv1d },
    { name: 'nn.intrinsic.ConvReLU1d', float: nni.ConvReLU1d, quantized: QConvReLU1d },
  ],
  // longer patterns first (conv-bn-relu before conv-bn)
  fusions: [
    { types: [Conv1d, BatchNorm1d, ReLU], fuser_method: fuse_conv_bn_relu },
    { types: [Conv1d, BatchNorm1d], fuser_method: fuse_conv_bn },
    { types: [Conv1d, ReLU], fuser_method: _sequential_wrapper2(nni.ConvReLU1d) },
  ],
  saved: ['nn.quantized.Conv1d', 'nn.intrinsic.quantized.ConvReLU1d', 'nn.Conv1d', 'nn.intrinsic.ConvReLU1d'],
  example: { input: [2, 3, 7], module: () => new Conv1d(3, 4, 3, { padding: 1 }) },
};

/** This family's records, in table order. */
export const CONV_MORE_RECORDS: readonly OpRecord[] = [conv1d];
