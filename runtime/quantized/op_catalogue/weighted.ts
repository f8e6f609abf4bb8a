/** Catalogue records of the weighted ops: conv2d and linear, their fused relu / BatchNorm forms and QAT modules. */
import * as nni from '../../nn/intrinsic/fused.js';
import { ReLU } from '../../nn/layers/activation.js';
import { Conv2d } from '../../nn/layers/conv.js';
import { Linear } from '../../nn/layers/linear.js';
import { BatchNorm1d, BatchNorm2d } from '../../nn/layers/normalization.js';
import * as qat_conv from '../../nn/qat/conv.js';
import * as qat_conv_bn from '../../nn/qat/conv_bn.js';
import * as qat_relu from '../../nn/qat/fused_relu.js';
import * as qat_linear from '../../nn/qat/linear.js';
import * as qat_linear_bn from '../../nn/qat/linear_bn.js';
import { Conv2d as QConv2d, ConvReLU2d as QConvReLU2d } from '../modules/conv.js';
import { Linear as DynLinear, LinearReLU as DynLinearReLU } from '../modules/dynamic/linear.js';
import { Linear as QLinear, LinearReLU as QLinearReLU } from '../modules/linear.js';
import { _sequential_wrapper2, fuse_conv_bn, fuse_conv_bn_relu, fuse_linear_bn } from './fuser_methods.js';
import { type ModuleRow, module_form, module_forms, module_swaps } from './module_forms.js';
import type { OpForm, OpRecord, OptInVariant } from './types.js';

// the QAT classes from their own files (nn/qat/mappings.ts reads this catalogue)
const nnqat = { Conv2d: qat_conv.Conv2d, Linear: qat_linear.Linear };
const nniqat = {
  ConvReLU2d: qat_relu.ConvReLU2d,
  LinearReLU: qat_relu.LinearReLU,
  ConvBn2d: qat_conv_bn.ConvBn2d,
  ConvBnReLU2d: qat_conv_bn.ConvBnReLU2d,
  LinearBn1d: qat_linear_bn.LinearBn1d,
};

/**
 * fxq config, change clamp_in_output_observer: `module → clamp` observed after the clamp, the clamp folded into
 * the int8 module's output clamp. The relu-fused forms are left out (a clamp after a relu is rare, and one whose
 * max is below 0 would make the pair a constant no single clamp can express).
 */
const clamp_in_output_observer = (forms: OpForm[]): OptInVariant => ({
  change: 'clamp_in_output_observer',
  observation: 'different',
  inputs: 'first',
  fused_clamp: true,
  forms: forms.filter((f) => !(f.name ?? '').includes('ReLU')),
});

const conv2d_forms: OpForm[] = [
  module_form('nn.Conv2d', Conv2d, QConv2d),
  module_form('nn.intrinsic.ConvReLU2d', nni.ConvReLU2d, QConvReLU2d),
  module_form('nn.qat.Conv2d', nnqat.Conv2d, QConv2d),
  module_form('nn.intrinsic.qat.ConvReLU2d', nniqat.ConvReLU2d, QConvReLU2d),
  module_form('nn.intrinsic.qat.ConvBn2d', nniqat.ConvBn2d, QConv2d),
  module_form('nn.intrinsic.qat.ConvBnReLU2d', nniqat.ConvBnReLU2d, QConvReLU2d),
];

export const conv2d: OpRecord = {
  name: 'conv2d',
  semantics: 'y = conv2d(x, w) + b (grouped, strided, padded, dilated); relu variants clamp at 0',
  // input and output observed, weights at convert; the fused modules come from fuse_fx, the QAT ones from prepare_qat_fx
  static: [
    {
      observation: 'different',
      inputs: 'first',
      forms: conv2d_forms,
    },
  ],
  opt_in: [clamp_in_output_observer(conv2d_forms)],
  requantizes: true,
  eager_static: [
    { name: 'nn.Conv2d', float: Conv2d, quantized: QConv2d },
    { name: 'nn.intrinsic.ConvReLU2d', float: nni.ConvReLU2d, quantized: QConvReLU2d },
    { name: 'nn.qat.Conv2d', float: nnqat.Conv2d, quantized: QConv2d },
    { name: 'nn.intrinsic.qat.ConvBn2d', float: nniqat.ConvBn2d, quantized: QConv2d },
    { name: 'nn.intrinsic.qat.ConvBnReLU2d', float: nniqat.ConvBnReLU2d, quantized: QConvReLU2d },
    { name: 'nn.intrinsic.qat.ConvReLU2d', float: nniqat.ConvReLU2d, quantized: QConvReLU2d },
  ],
  qat: [
    { name: 'nn.Conv2d', float: Conv2d, quantized: nnqat.Conv2d },
    { name: 'nn.intrinsic.ConvBn2d', float: nni.ConvBn2d, quantized: nniqat.ConvBn2d },
    { name: 'nn.intrinsic.ConvBnReLU2d', float: nni.ConvBnReLU2d, quantized: nniqat.ConvBnReLU2d },
    { name: 'nn.intrinsic.ConvReLU2d', float: nni.ConvReLU2d, quantized: nniqat.ConvReLU2d },
  ],
  // longer patterns first, so a matcher trying rows in order prefers conv-bn-relu to conv-bn
  fusions: [
    { types: [Conv2d, BatchNorm2d, ReLU], fuser_method: fuse_conv_bn_relu },
    { types: [Conv2d, BatchNorm2d], fuser_method: fuse_conv_bn },
    { types: [Conv2d, ReLU], fuser_method: _sequential_wrapper2(nni.ConvReLU2d) },
  ],
  saved: ['nn.quantized.Conv2d', 'nn.intrinsic.quantized.ConvReLU2d', 'nn.Conv2d', 'nn.intrinsic.ConvReLU2d'],
  example: { input: [2, 3, 6, 6], module: () => new Conv2d(3, 4, 3, { padding: 1 }) },
};

const linear_rows: ModuleRow[] = [
  ['nn.Linear', Linear, QLinear],
  ['nn.intrinsic.LinearReLU', nni.LinearReLU, QLinearReLU],
  ['nn.qat.Linear', nnqat.Linear, QLinear],
  ['nn.intrinsic.qat.LinearReLU', nniqat.LinearReLU, QLinearReLU],
  ['nn.intrinsic.qat.LinearBn1d', nniqat.LinearBn1d, QLinear],
];
const linear_forms = module_forms(linear_rows);

export const linear: OpRecord = {
  name: 'linear',
  semantics: 'y = x wᵀ + b over the last dimension; relu variants clamp at 0',
  static: [
    {
      observation: 'different',
      inputs: 'first',
      forms: linear_forms,
    },
  ],
  opt_in: [clamp_in_output_observer(linear_forms)],
  requantizes: true,
  eager_static: module_swaps(linear_rows),
  dynamic: [
    { name: 'nn.Linear', float: Linear, quantized: DynLinear },
    { name: 'nn.intrinsic.LinearReLU', float: nni.LinearReLU, quantized: DynLinearReLU },
  ],
  qat: [
    { name: 'nn.Linear', float: Linear, quantized: nnqat.Linear },
    { name: 'nn.intrinsic.LinearReLU', float: nni.LinearReLU, quantized: nniqat.LinearReLU },
    { name: 'nn.intrinsic.LinearBn1d', float: nni.LinearBn1d, quantized: nniqat.LinearBn1d },
  ],
  fusions: [
    { types: [Linear, BatchNorm1d], fuser_method: fuse_linear_bn },
    { types: [Linear, ReLU], fuser_method: _sequential_wrapper2(nni.LinearReLU) },
  ],
  saved: [
    'nn.quantized.Linear',
    'nn.intrinsic.quantized.LinearReLU',
    'nn.quantized.dynamic.Linear',
    'nn.intrinsic.quantized.dynamic.LinearReLU',
    'nn.Linear',
    'nn.intrinsic.LinearReLU',
  ],
  example: { input: [2, 3, 6, 6], module: () => new Linear(6, 5) },
};

/** BatchNorm has no int8 op of its own: it only fuses (into conv / linear weights, or with a relu). */
export const batch_norm: OpRecord = {
  name: 'batch_norm',
  semantics: 'y = (x − running_mean) / √(running_var + eps) · γ + β (eval)',
  static: [],
  requantizes: false,
  fusions: [{ types: [BatchNorm2d, ReLU], fuser_method: _sequential_wrapper2(nni.BNReLU2d) }],
  saved: ['nn.BatchNorm2d', 'nn.BatchNorm1d', 'nn.intrinsic.BNReLU2d'],
  example: { input: [2, 3, 6, 6], module: () => new BatchNorm2d(3).eval() },
};

/** This family's records, in table order. */
export const WEIGHTED_RECORDS: readonly OpRecord[] = [conv2d, linear, batch_norm];
