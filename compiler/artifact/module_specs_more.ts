/** Specs of the module types of issue #16's rest of torch.nn, part 1: Conv1d and its fusions (int8 and float), Upsample. */
import * as fused from '../../runtime/nn/intrinsic/fused_1d.js';
import { Conv1d, ConvTranspose2d } from '../../runtime/nn/layers/conv_more.js';
import { Upsample, UpsamplingBilinear2d, UpsamplingNearest2d } from '../../runtime/nn/layers/upsample_bag.js';
import type { Module } from '../../runtime/nn/module.js';
import * as qconvt from '../../runtime/quantized/modules/conv_transpose.js';
import * as qconv1d from '../../runtime/quantized/modules/conv1d.js';
import type { Json } from '../ir/serialize.js';
import type { ModuleSpec } from './module_specs.js';

type Slots = Record<string, unknown>;
const f = (m: Module, k: string): Json => (m as unknown as Slots)[k] as Json;
const pick = (m: Module, keys: string[]): object => Object.fromEntries(keys.map((k) => [k, f(m, k)]));
const conv_opts = ['stride', 'padding', 'dilation', 'groups'];
const convt_opts = ['stride', 'padding', 'output_padding', 'dilation', 'groups'];

/** The rebuildable classes of this part, with stable type names (schemas: module_schemas_more.ts). */
export const NN_MORE_SPECS: readonly ModuleSpec[] = [
  ...[
    ['nn.quantized.Conv1d', qconv1d.Conv1d],
    ['nn.intrinsic.quantized.ConvReLU1d', qconv1d.ConvReLU1d],
  ].map(
    ([type, cls]): ModuleSpec => ({
      type: type as string,
      cls: cls as ModuleSpec['cls'],
      args: (m) => [
        f(m, 'in_channels'),
        f(m, 'out_channels'),
        f(m, 'kernel_size'),
        { ...pick(m, conv_opts), bias: (m as qconv1d.Conv1d).bias() !== null } as Json,
      ],
      create: (a) => new (cls as typeof qconv1d.Conv1d)(...(a as ConstructorParameters<typeof qconv1d.Conv1d>)),
    }),
  ),
  {
    type: 'nn.Conv1d',
    cls: Conv1d,
    args: (m) => [
      f(m, 'in_channels'),
      f(m, 'out_channels'),
      f(m, 'kernel_size'),
      { ...pick(m, conv_opts), bias: (m as Conv1d).bias !== null } as Json,
    ],
    create: (a) => new Conv1d(...(a as ConstructorParameters<typeof Conv1d>)),
  },
  {
    type: 'nn.intrinsic.ConvReLU1d',
    cls: fused.ConvReLU1d,
    args: () => [],
    create: (_a, ch) => new fused.ConvReLU1d(ch['0'] as never, ch['1'] as never),
  },
  {
    type: 'nn.quantized.ConvTranspose2d',
    cls: qconvt.ConvTranspose2d,
    args: (m) => [
      f(m, 'in_channels'),
      f(m, 'out_channels'),
      f(m, 'kernel_size'),
      { ...pick(m, convt_opts), bias: (m as qconvt.ConvTranspose2d).bias() !== null } as Json,
    ],
    create: (a) => new qconvt.ConvTranspose2d(...(a as ConstructorParameters<typeof qconvt.ConvTranspose2d>)),
  },
  {
    type: 'nn.ConvTranspose2d',
    cls: ConvTranspose2d,
    args: (m) => [
      f(m, 'in_channels'),
      f(m, 'out_channels'),
      f(m, 'kernel_size'),
      { ...pick(m, convt_opts), bias: (m as ConvTranspose2d).bias !== null } as Json,
    ],
    create: (a) => new ConvTranspose2d(...(a as ConstructorParameters<typeof ConvTranspose2d>)),
  },
  {
    type: 'nn.Upsample',
    cls: Upsample,
    args: (m) => [pick(m, ['size', 'scale_factor', 'mode', 'align_corners']) as Json],
    create: (a) => new Upsample(a[0] as never),
  },
  {
    type: 'nn.UpsamplingNearest2d',
    cls: UpsamplingNearest2d,
    args: (m) => [pick(m, ['size', 'scale_factor']) as Json],
    create: (a) => new UpsamplingNearest2d(a[0] as never),
  },
  {
    type: 'nn.UpsamplingBilinear2d',
    cls: UpsamplingBilinear2d,
    args: (m) => [pick(m, ['size', 'scale_factor']) as Json],
    create: (a) => new UpsamplingBilinear2d(a[0] as never),
  },
];
