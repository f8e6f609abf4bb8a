/**
 * Catalogue records of ELU and LeakyReLU. torch 1.13's default backend config (_get_default_op_configs) gives
 * nn.ELU, nn.LeakyReLU, F.elu and F.leaky_relu an output observer of their own
 * (OUTPUT_USE_DIFFERENT_OBSERVER_AS_INPUT); convert swaps the modules for nn.quantized.ELU / LeakyReLU
 * (SPECIAL_PATTERN_LOWER_MODULE_MAP) and the functions for torch.ops.quantized.elu / leaky_relu with the
 * observer's qparams as output qparams. Both are int8 through a 256-entry table.
 */
import { LeakyReLU } from '../../nn/layers/activation.js';
import { ELU } from '../../nn/layers/upsample_bag.js';
import { ELU as QELU, LeakyReLU as QLeakyReLU } from '../modules/elu_leaky_relu.js';
import type { Lowering, OpRecord, PatternNode } from './types.js';

/** A keyword of the F.* options object (args[1]) or of kwargs, else the default. */
function option(n: PatternNode, key: string, dflt: number): unknown {
  const o = n.args[1];
  if (typeof o === 'object' && o !== null && key in o) return (o as Record<string, unknown>)[key];
  if (typeof o === 'number') return o;
  return key in n.kwargs ? n.kwargs[key] : dflt;
}

const fn = (op: string, key: string, dflt: number): Lowering => ({
  kind: 'function',
  op,
  args: (n) => [option(n, key, dflt)],
  takes_qparams: true,
});

export const elu: OpRecord = {
  name: 'elu',
  semantics: 'y = x for x > 0, alpha · (e^x − 1) otherwise',
  static: [
    {
      observation: 'different',
      inputs: 'first',
      forms: [
        { name: 'nn.ELU', op: { module: ELU }, lowering: { kind: 'module', quantized: QELU } },
        { op: { function: 'F.elu' }, lowering: fn('quantized.elu', 'alpha', 1) },
      ],
    },
  ],
  requantizes: true,
  eager_static: [{ name: 'nn.ELU', float: ELU, quantized: QELU }],
  saved: ['nn.quantized.ELU', 'nn.ELU'],
  example: { input: [2, 3, 4, 4], module: () => new ELU(0.5), args: [{ alpha: 0.5 }] },
};

export const leaky_relu: OpRecord = {
  name: 'leaky_relu',
  semantics: 'y = x for x > 0, negative_slope · x otherwise',
  static: [
    {
      observation: 'different',
      inputs: 'first',
      forms: [
        { name: 'nn.LeakyReLU', op: { module: LeakyReLU }, lowering: { kind: 'module', quantized: QLeakyReLU } },
        { op: { function: 'F.leaky_relu' }, lowering: fn('quantized.leaky_relu', 'negative_slope', 0.01) },
      ],
    },
  ],
  requantizes: true,
  eager_static: [{ name: 'nn.LeakyReLU', float: LeakyReLU, quantized: QLeakyReLU }],
  saved: ['nn.quantized.LeakyReLU', 'nn.LeakyReLU'],
  example: { input: [2, 3, 4, 4], module: () => new LeakyReLU(0.2), args: [{ negative_slope: 0.2 }] },
};

/** This family's records, in table order. */
export const ELU_LEAKY_RELU_RECORDS: readonly OpRecord[] = [elu, leaky_relu];
