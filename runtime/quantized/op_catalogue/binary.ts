/**
 * Catalogue records of the binary ops (add, mul) and cat. add / mul have two variants: tensor ⊕ tensor
 * (own output observer; `op → relu` fuses into add_relu / mul_relu) and tensor ⊕ Python number (torch
 * 1.13's num_tensor_args_to_observation_type {1: OUTPUT_SHARE_OBSERVER_WITH_INPUT}: lowered to
 * quantized.add_scalar / mul_scalar[_relu], whose output qparams are the kernel's own).
 */
import { add_scalar_plan, mul_scalar_qparams } from '../functional/scalar_binary.js';
import type { Lowering, OpForm, OpRecord, PatternNode, RowQParams, StaticVariant } from './types.js';

/** The two operands of a binary op node: after the tensor for a call_method (args[0] is self). */
const operands = (n: PatternNode): unknown[] => n.args.slice(0, 2);
const is_node = (a: unknown): boolean => typeof a === 'object' && a !== null && 'users' in a && 'graph' in a;
/** The number operand of a tensor ⊕ number node (either order, as torch's `.Scalar` / `.Scalar2` overloads). */
const scalar_operand = (n: PatternNode): number => operands(n).find((a) => !is_node(a)) as number;
const arg = (n: PatternNode, i: number, kw: string, dflt: unknown): unknown =>
  n.args.length > i ? n.args[i] : kw in n.kwargs ? n.kwargs[kw] : dflt;

/** tensor ⊕ finite number, add without a non-unit alpha (torch's lowering would drop it). */
function one_tensor_and_number(n: PatternNode): boolean {
  const ops = operands(n);
  if (ops.length !== 2 || ops.filter(is_node).length !== 1) return false;
  const c = scalar_operand(n);
  if (typeof c !== 'number' || !Number.isFinite(c)) return false;
  const opt = n.args[2] ?? n.kwargs.alpha;
  const alpha = typeof opt === 'object' && opt !== null ? (opt as { alpha?: unknown }).alpha : opt;
  return alpha === undefined || alpha === 1;
}

const int8_dtype = (d: string): 'quint8' | 'qint8' => {
  if (d !== 'quint8' && d !== 'qint8') throw new Error(`scalar binary op: unsupported quantized dtype ${d}`);
  return d;
};

type OutQParams = (input: RowQParams, c: number) => { scale: number; zero_point: number };

function scalar_lowering(base: string, relu: boolean, out: OutQParams): Lowering {
  return {
    kind: 'own_qparams',
    op: `quantized.${base}_scalar${relu ? '_relu' : ''}`,
    args: (n) => [scalar_operand(n)],
    out_qparams: (input, args) => out(input, args[0] as number),
  };
}

/** The two variants of add / mul, each in the function and the method spelling. */
function binary_variants(base: 'add' | 'mul', out: OutQParams): StaticVariant[] {
  const spellings = [{ function: base }, { method: base }];
  const fn = (relu: boolean): Lowering => ({
    kind: 'function',
    op: `quantized.${base}${relu ? '_relu' : ''}`,
    args: () => [],
    takes_qparams: true,
  });
  return [
    {
      observation: 'share',
      inputs: 'one_tensor',
      accepts: one_tensor_and_number,
      forms: spellings.map((op): OpForm => ({ op, lowering: scalar_lowering(base, false, out) })),
      fused_relu: () => scalar_lowering(base, true, out),
    },
    {
      observation: 'different',
      inputs: 'tensors',
      forms: spellings.map((op): OpForm => ({ op, lowering: fn(false) })),
      fused_relu: () => fn(true),
    },
  ];
}

export const add: OpRecord = {
  name: 'add',
  semantics: 'y = a + b (b a tensor of the same shape, or a number); add_relu: max(a + b, 0)',
  static: binary_variants('add', (p, c) => add_scalar_plan(p, c, int8_dtype(p.dtype))),
  requantizes: true,
  saved: [],
  example: { input: [2, 3, 4, 4] },
};

export const mul: OpRecord = {
  name: 'mul',
  semantics: 'y = a · b (b a tensor of the same shape, or a number); mul_relu: max(a · b, 0)',
  static: binary_variants('mul', (p, c) => mul_scalar_qparams(p, c, int8_dtype(p.dtype))),
  requantizes: true,
  saved: [],
  example: { input: [2, 3, 4, 4] },
};

export const cat: OpRecord = {
  name: 'cat',
  semantics: 'y = the inputs concatenated along dim',
  static: [
    {
      // torch 1.13: OUTPUT_SHARE_OBSERVER_WITH_INPUT, and every input shares the first input's observer too
      observation: 'share',
      inputs: 'list',
      forms: [
        {
          op: { function: 'cat' },
          // torch 1.13 lowers cat in place (special_pattern_replacement drops the quantize after it): torch.cat on
          // quantized tensors takes the first input's qparams and requantizes the others into them
          lowering: { kind: 'function', op: 'quantized.cat', args: (n) => [arg(n, 1, 'dim', 0)] },
        },
      ],
    },
  ],
  requantizes: true,
  saved: [],
  example: { input: [2, 3, 4, 4], args: [1] },
};

/** This family's records, in table order. */
export const BINARY_RECORDS: readonly OpRecord[] = [add, mul, cat];
