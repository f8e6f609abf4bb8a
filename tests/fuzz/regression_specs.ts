/**
 * Small hand-written specs for the bugs the model fuzzer found (seeds drift when the generator grows, so
 * each bug is pinned as a spec): modules the artifact could not save, and a module called at two sites.
 */
import type { ModelSpec, Step } from './random_model.js';

const conv = (i: number, cin: number, cout: number): Step => ({
  op: 'conv2d',
  in: i,
  cin,
  cout,
  k: [3, 3],
  stride: [1, 1],
  padding: [1, 1],
  dilation: [1, 1],
  groups: 1,
  bias: true,
  wscale: 1,
  zero_channel: false,
});
const linear = (i: number, fin: number, fout: number): Step => ({
  op: 'linear',
  in: i,
  fin,
  fout,
  bias: true,
  wscale: 1,
  zero_channel: false,
});
const base = { calib: { batches: 2, scale: 1, offset: 0 }, check: { batch: 2, scale: 1, offset: 0 } };

export const REGRESSION_SPECS: Record<string, ModelSpec> = {
  // nn.quantized.Hardswish could not be saved (fuzz seed 17 of the first generator)
  hardswish_static: {
    ...base,
    seed: 1,
    input: [2, 3, 6, 6],
    steps: [conv(0, 3, 4), { op: 'hardswish', in: 1, form: 'module' }],
    outputs: [2],
    quant: { mode: 'static', global: 'qnnpack' },
  },
  // the float nn.Hardswish a dynamic model keeps could not be saved either
  hardswish_dynamic: {
    ...base,
    seed: 2,
    input: [2, 10],
    steps: [linear(0, 10, 8), { op: 'hardswish', in: 1, form: 'module' }, linear(2, 8, 4)],
    outputs: [3],
    quant: { mode: 'dynamic', weight: 'per_tensor', via: 'prepare_fx' },
  },
  // BatchNorm2d → ReLU fuses to nn.intrinsic.BNReLU2d, kept in float: could not be saved (seed 142)
  bn_relu: {
    ...base,
    seed: 3,
    input: [2, 3, 5, 5],
    steps: [{ op: 'batch_norm2d', in: 0, c: 3 }, { op: 'relu', in: 1, form: 'module' }, conv(2, 3, 2)],
    outputs: [3],
    quant: { mode: 'static', global: 'default' },
  },
  // a conv called at two sites: convert_fx threw "Conv2d has no float weight" (seeds 79, 305)
  shared_conv: {
    ...base,
    seed: 4,
    input: [1, 4, 6, 6],
    steps: [
      conv(0, 4, 4),
      { op: 'relu', in: 1, form: 'function' },
      { op: 'reuse', in: 2, of: 0 },
      { op: 'add', a: 1, b: 3, form: 'function' },
    ],
    outputs: [4],
    quant: { mode: 'static', global: 'fbgemm' },
  },
};
