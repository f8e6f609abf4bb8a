/**
 * Catalogue records of the activations: the clamps (relu, relu6, hardtanh) keep their input's qparams;
 * hardswish has an output observer of its own (torch's default op config; int8 through a table); the
 * bounded ones (hardsigmoid, sigmoid, tanh, softmax) have fixed qparams (torch's
 * default_fixed_qparams_range_0to1 / neg1to1).
 */
import { Hardsigmoid, Hardswish, Hardtanh, ReLU, ReLU6, Sigmoid, Softmax, Tanh } from '../../nn/layers/activation.js';
import { Hardswish as QHardswish, ReLU6 as QReLU6 } from '../modules/activation.js';
import type { Lowering, ModuleClass, OpForm, OpRecord, PatternNode } from './types.js';

const fn = (op: string, takes_qparams = false): Lowering => ({
  kind: 'function',
  op,
  args: () => [],
  ...(takes_qparams ? { takes_qparams } : {}),
});

export const relu: OpRecord = {
  name: 'relu',
  semantics: 'y = max(x, 0)',
  // the relu record's forms are also the spellings a fused `op → relu` pattern accepts (RELU_FORMS)
  static: [
    {
      observation: 'share',
      inputs: 'first',
      value_op: true,
      forms: [{ module: ReLU }, { function: 'relu' }, { function: 'F.relu' }, { method: 'relu' }].map((op) => ({
        op,
        lowering: fn('quantized.relu'),
      })),
    },
  ],
  requantizes: false,
  saved: ['nn.ReLU'],
  example: { input: [2, 3, 4, 4], module: () => new ReLU() },
};

export const relu6: OpRecord = {
  name: 'relu6',
  semantics: 'y = min(max(x, 0), 6)',
  static: [
    {
      observation: 'share',
      inputs: 'first',
      value_op: true,
      forms: [{ name: 'nn.ReLU6', op: { module: ReLU6 }, lowering: fn('quantized.relu6') }],
    },
  ],
  requantizes: false,
  eager_static: [{ name: 'nn.ReLU6', float: ReLU6, quantized: QReLU6 }],
  saved: ['nn.ReLU6'],
  example: { input: [2, 3, 4, 4], module: () => new ReLU6() },
};

export const hardtanh: OpRecord = {
  name: 'hardtanh',
  semantics: 'y = min(max(x, min_val), max_val)',
  // observed as its input (so a quantized input stays quantized around it) but no int8 kernel: runs in float
  static: [
    {
      observation: 'share',
      inputs: 'first',
      value_op: true,
      forms: [{ name: 'nn.Hardtanh', op: { module: Hardtanh }, lowering: { kind: 'none' } }],
    },
  ],
  requantizes: false,
  saved: ['nn.Hardtanh'],
  example: { input: [2, 3, 4, 4], module: () => new Hardtanh(-0.5, 0.5) },
};

export const hardswish: OpRecord = {
  name: 'hardswish',
  semantics: 'y = x · relu6(x + 3) / 6',
  static: [
    {
      observation: 'different',
      inputs: 'first',
      forms: [
        { name: 'nn.Hardswish', op: { module: Hardswish }, lowering: { kind: 'module', quantized: QHardswish } },
        { op: { function: 'F.hardswish' }, lowering: fn('quantized.hardswish', true) },
        { op: { function: 'hardswish' }, lowering: fn('quantized.hardswish', true) },
      ],
    },
  ],
  requantizes: true,
  eager_static: [{ name: 'nn.Hardswish', float: Hardswish, quantized: QHardswish }],
  saved: ['nn.quantized.Hardswish', 'nn.Hardswish'],
  example: { input: [2, 3, 4, 4], module: () => new Hardswish() },
};

const ZERO_TO_ONE = { scale: 1 / 256, zero_point: 0 };
const MINUS_ONE_TO_ONE = { scale: 2 / 256, zero_point: 128 };

/** A fixed-qparams op in its module, torch function, F function and Tensor method forms. */
function fixed(
  name: string,
  module: ModuleClass,
  qparams: { scale: number; zero_point: number },
  int8_op: string | null,
): OpRecord['static'] {
  const forms: OpForm[] = [{ module }, { function: name }, { function: `F.${name}` }, { method: name }].map((op) => ({
    op,
    lowering: int8_op ? fn(int8_op) : { kind: 'none' },
  }));
  return [{ observation: 'fixed', inputs: 'first', fixed_qparams: qparams, forms }];
}

export const hardsigmoid: OpRecord = {
  name: 'hardsigmoid',
  semantics: 'y = relu6(x + 3) / 6',
  static: fixed('hardsigmoid', Hardsigmoid, ZERO_TO_ONE, 'quantized.hardsigmoid'),
  requantizes: false,
  saved: ['nn.Hardsigmoid'],
  example: { input: [2, 3, 4, 4], module: () => new Hardsigmoid() },
};

export const sigmoid: OpRecord = {
  name: 'sigmoid',
  semantics: 'y = 1 / (1 + e^−x)',
  static: fixed('sigmoid', Sigmoid, ZERO_TO_ONE, 'quantized.sigmoid'),
  requantizes: false,
  saved: ['nn.Sigmoid'],
  example: { input: [2, 3, 4, 4], module: () => new Sigmoid() },
};

export const tanh: OpRecord = {
  name: 'tanh',
  semantics: 'y = tanh(x)',
  static: fixed('tanh', Tanh, MINUS_ONE_TO_ONE, 'quantized.tanh'),
  requantizes: false,
  saved: ['nn.Tanh'],
  example: { input: [2, 3, 4, 4], module: () => new Tanh() },
};

export const softmax: OpRecord = {
  name: 'softmax',
  semantics: 'y = e^x / Σ e^x along dim',
  // torch 1.13's fixed-qparams list has the nn.Softmax module only (observed with fixed [0, 1) qparams; no int8
  // kernel: float between dequantize and quantize); the torch.softmax / F.softmax functions and the method match
  // no pattern: float islands whose consumer observes their output like any activation
  static: [
    {
      observation: 'fixed',
      inputs: 'first',
      fixed_qparams: ZERO_TO_ONE,
      forms: [{ op: { module: Softmax }, lowering: { kind: 'none' } }],
    },
  ],
  float_island: [{ function: 'softmax' }, { function: 'F.softmax' }, { method: 'softmax' }],
  // fxq config, change int8_softmax: the functions run in int8 (integer softmax), with an output observer of their own
  opt_in: [
    {
      change: 'int8_softmax',
      observation: 'different',
      inputs: 'first',
      forms: [{ function: 'softmax' }, { function: 'F.softmax' }, { method: 'softmax' }].map((op) => ({
        name: 'softmax',
        op,
        lowering: {
          kind: 'function',
          op: 'quantized.softmax_int',
          args: (n: PatternNode) => [n.args[1] ?? n.kwargs.dim],
          takes_qparams: true,
        },
      })),
    },
  ],
  requantizes: false,
  saved: ['nn.Softmax'],
  example: { input: [2, 3, 4, 4], module: () => new Softmax(1), args: [1] },
};

/** This family's records, in table order. */
export const ACTIVATION_RECORDS: readonly OpRecord[] = [
  relu,
  relu6,
  hardtanh,
  hardswish,
  hardsigmoid,
  sigmoid,
  tanh,
  softmax,
];
