/**
 * Catalogue records of the rest of torch.nn's convolution-like layers (issue #16): conv1d (with its
 * BatchNorm1d / ReLU fusions) and interpolate / upsample, as torch 1.13's default backend config and fuser
 * have them.
 */
import * as nni from '../../nn/intrinsic/fused_1d.js';
import { ReLU } from '../../nn/layers/activation.js';
import { Conv1d, ConvTranspose2d } from '../../nn/layers/conv_more.js';
import { BatchNorm1d, BatchNorm2d } from '../../nn/layers/normalization.js';
import { Upsample } from '../../nn/layers/upsample_bag.js';
import type { Module } from '../../nn/module.js';
import * as nniqat from '../../nn/qat/conv1d.js';
import { fuse_conv_bn_eval } from '../../nn/utils/fusion.js';
import { ConvTranspose2d as QConvTranspose2d } from '../modules/conv_transpose.js';
import { Conv1d as QConv1d, ConvReLU1d as QConvReLU1d } from '../modules/conv1d.js';
import { _sequential_wrapper2, fuse_conv_bn, fuse_conv_bn_relu } from './fuser_methods.js';
import { type ModuleRow, module_form, module_forms, module_swaps } from './module_forms.js';
import type { OpRecord } from './types.js';

const conv1d_rows: ModuleRow[] = [
  ['nn.Conv1d', Conv1d, QConv1d],
  ['nn.intrinsic.ConvReLU1d', nni.ConvReLU1d, QConvReLU1d],
  ['nn.qat.Conv1d', nniqat.Conv1d, QConv1d],
  ['nn.intrinsic.qat.ConvReLU1d', nniqat.ConvReLU1d, QConvReLU1d],
  ['nn.intrinsic.qat.ConvBn1d', nniqat.ConvBn1d, QConv1d],
  ['nn.intrinsic.qat.ConvBnReLU1d', nniqat.ConvBnReLU1d, QConvReLU1d],
];

export const conv1d: OpRecord = {
  name: 'conv1d',
  semantics: 'y = conv1d(x, w) + b over [N, C, L] (grouped, strided, padded, dilated); relu variants clamp at 0',
  // input and output observed, weights at convert; the fused modules come from fuse_fx (BN folded in eval)
  static: [
    {
      observation: 'different',
      inputs: 'first',
      forms: module_forms(conv1d_rows),
    },
  ],
  requantizes: true,
  eager_static: module_swaps(conv1d_rows),
  qat: [
    { name: 'nn.Conv1d', float: Conv1d, quantized: nniqat.Conv1d },
    { name: 'nn.intrinsic.ConvReLU1d', float: nni.ConvReLU1d, quantized: nniqat.ConvReLU1d },
    { name: 'nn.intrinsic.ConvBn1d', float: nni.ConvBn1d, quantized: nniqat.ConvBn1d },
    { name: 'nn.intrinsic.ConvBnReLU1d', float: nni.ConvBnReLU1d, quantized: nniqat.ConvBnReLU1d },
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

/** torch's fuse_convtranspose_bn: eval → the transposed conv with BN folded along its output axis (1). */
export function fuse_convtranspose_bn(is_qat: boolean, convt: Module, bn: Module): Module {
  if (convt.training !== bn.training)
    throw new Error('fuse_convtranspose_bn: ConvTranspose and BN both must be in the same mode (train or eval)');
  if (is_qat) throw new Error('fuse_convtranspose_bn: Fusing ConvTranspose+BatchNorm not yet supported in QAT.');
  return fuse_conv_bn_eval(convt as never, bn as BatchNorm2d, true);
}

/**
 * nn.ConvTranspose2d as torch 1.13's backend config has it (own output observer; root and reference module) and
 * its eager mapping to nn.quantized.ConvTranspose2d; ConvTranspose2d + BatchNorm2d fuses in eval.
 */
export const conv_transpose2d: OpRecord = {
  name: 'conv_transpose2d',
  semantics:
    'y[n, oc, ih·s − p + a·d, iw·s − p + b·d] += x[n, ic, ih, iw] · W[ic, oc, a, b] + b (grouped, output_padding)',
  static: [
    {
      observation: 'different',
      inputs: 'first',
      forms: [module_form('nn.ConvTranspose2d', ConvTranspose2d, QConvTranspose2d)],
    },
  ],
  requantizes: true,
  eager_static: [{ name: 'nn.ConvTranspose2d', float: ConvTranspose2d, quantized: QConvTranspose2d }],
  fusions: [{ types: [ConvTranspose2d, BatchNorm2d], fuser_method: fuse_convtranspose_bn }],
  saved: ['nn.quantized.ConvTranspose2d', 'nn.ConvTranspose2d'],
  example: {
    input: [2, 3, 5, 6],
    module: () => new ConvTranspose2d(3, 4, 3, { stride: 2, padding: 1, output_padding: 1 }),
  },
};

/**
 * F.interpolate is in torch 1.13's share-qparams list: it is observed with its input's observer and stays an
 * F.interpolate node, called on the quantized tensor (which runs quantized.interpolate, qparams kept).
 */
export const interpolate: OpRecord = {
  name: 'interpolate',
  semantics:
    "y = F.interpolate(x, {size | scale_factor, mode: 'nearest' | 'bilinear', align_corners}) on the input's grid (bilinear rounds to it)",
  static: [
    {
      observation: 'share',
      inputs: 'first',
      forms: [{ name: 'F.interpolate', op: { function: 'F.interpolate' }, lowering: { kind: 'keep' } }],
    },
  ],
  requantizes: false,
  saved: [],
  example: { input: [2, 3, 5, 5], args: [{ scale_factor: 2, mode: 'bilinear', align_corners: false }] },
};

/**
 * nn.Upsample, nn.UpsamplingNearest2d and nn.UpsamplingBilinear2d are not in torch 1.13's backend config: FX
 * keeps the module float (dequantize → upsample → its consumer's quantize), as torch. In eager mode the module
 * gets the quantized tensor and its F.interpolate runs the int8 kernel.
 */
export const upsample: OpRecord = {
  name: 'upsample',
  semantics: 'nn.Upsample: F.interpolate with the module’s size / scale_factor, mode and align_corners',
  static: [],
  requantizes: false,
  saved: ['nn.Upsample', 'nn.UpsamplingNearest2d', 'nn.UpsamplingBilinear2d'],
  example: {
    input: [2, 3, 5, 5],
    module: () => new Upsample({ scale_factor: 2, mode: 'bilinear', align_corners: false }),
  },
};
/** This family's records, in table order. */
export const CONV_MORE_RECORDS: readonly OpRecord[] = [conv1d, conv_transpose2d, interpolate, upsample];
