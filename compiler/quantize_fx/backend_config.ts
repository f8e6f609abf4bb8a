/**
 * The declarative quantization pattern table (torch 1.13's backend_config for qnnpack, rewritten as data):
 * for each float op — a module class, a function op name or a Tensor method — how prepare observes it
 * (observation type) and what convert lowers it to (int8 module, int8 functional op, identity or none); the dynamic table is dynamic_patterns.ts.
 * The fused-ReLU variants of binary ops (add → add_relu, mul → mul_relu) come from one parametrised rule;
 * a binary op with one tensor and one number (`x.mul(0.5)`, `add(1, x)`) has rows of its own, as torch's
 * num_tensor_args_to_observation_type: output observer shared with the input, lowered to
 * quantized.add_scalar / mul_scalar[_relu], whose output qparams are the kernel's own.
 */
import { ConvReLU2d as FloatConvReLU2d, LinearReLU as FloatLinearReLU } from '../../runtime/nn/intrinsic/fused.js';
import {
  Hardsigmoid,
  Hardswish,
  Hardtanh,
  ReLU,
  ReLU6,
  Sigmoid,
  Softmax,
  Tanh,
} from '../../runtime/nn/layers/activation.js';
import { Conv2d as FloatConv2d } from '../../runtime/nn/layers/conv.js';
import { Linear as FloatLinear } from '../../runtime/nn/layers/linear.js';
import { Dropout, Flatten } from '../../runtime/nn/layers/misc.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../runtime/nn/layers/pooling.js';
import type { Module } from '../../runtime/nn/module.js';
import * as nnqat from '../../runtime/nn/qat/index.js';
import * as nniqat from '../../runtime/nn/qat/intrinsic.js';
import { add_scalar_plan, mul_scalar_qparams } from '../../runtime/quantized/functional/scalar_binary.js';
import { Hardswish as QHardswish } from '../../runtime/quantized/modules/activation.js';
import { Conv2d as QConv2d, ConvReLU2d as QConvReLU2d } from '../../runtime/quantized/modules/conv.js';
import { Linear as QLinear, LinearReLU as QLinearReLU } from '../../runtime/quantized/modules/linear.js';
import type { Node } from '../ir/node.js';

// biome-ignore lint/suspicious/noExplicitAny: module classes of any constructor signature
export type ModuleClass = abstract new (...args: any[]) => Module;
/** A class with torch's `from_float(observed_float_module)`. */
export type FromFloat = { from_float(mod: Module): Module; name: string };

/**
 * How prepare observes an op (torch's ObservationType): 'different' = a new observer on the output;
 * 'share' = the output reuses the input's observer (the op keeps its input's qparams: pools, flatten,
 * reshape, relu, dropout; with several inputs (cat) every input shares the first input's observer too);
 * 'fixed' = fixed qparams (sigmoid, tanh, softmax).
 */
export type ObservationType = 'different' | 'share' | 'fixed';

/** What an op node is matched by: exactly one of module (class, exact), function (registry name), method. */
export interface OpMatcher {
  module?: ModuleClass;
  function?: string;
  method?: string;
}

/** A quantized value's qparams as convert knows them (passes/convert_observers' NodeQParams). */
export interface RowQParams {
  scale: number;
  zero_point: number;
  dtype: string;
}

/** How convert lowers a matched op. */
export type Lowering =
  /** an int8 module built by from_float from the observed float module */
  | { kind: 'module'; quantized: FromFloat }
  /**
   * the float op itself runs on quantized tensors (a pooling module or F function dispatches a quantized
   * input to the int8 kernel): the node stays, fed the quantized input — torch 1.13 keeps pooling ops so
   */
  | { kind: 'keep' }
  /** a 'quantized.*' function; `args` maps the float node (and its module) to the int8 op's extra args */
  | { kind: 'function'; op: string; args: (node: Node, mod: Module | null) => unknown[]; takes_qparams?: boolean }
  /**
   * a 'quantized.*' function whose output qparams are its own, derived from its input's and its args
   * (quantized.add_scalar / mul_scalar): the quantize after the op is dropped, not passed to it
   */
  | {
      kind: 'own_qparams';
      op: string;
      args: (node: Node) => unknown[];
      /** The output (scale, zero_point) the op will produce for an input quantized at `input`. */
      out_qparams: (input: RowQParams, args: unknown[]) => { scale: number; zero_point: number };
    }
  /** the int8 op is the identity on quantized tensors (dropout in eval) */
  | { kind: 'identity' }
  /** no int8 kernel: kept in float between dequantize and quantize */
  | { kind: 'none' };

/** One row of the table. */
export interface QuantPatternRow {
  /** Readable name for messages and tables ('add_relu', 'nn.Conv2d'). */
  name: string;
  /** The op node (the last node of the pattern when `relu` is set). */
  op: OpMatcher;
  /** For fused rows: the relu node that follows `op` (op has one user); the observer goes after the relu. */
  relu?: OpMatcher;
  /**
   * Which tensor args are quantized inputs: 'first', 'tensors' (every Node arg; two for a binary op),
   * 'list' (the list in arg 0), 'one_tensor' (the one Node operand of a tensor ⊕ number op).
   */
  inputs: 'first' | 'tensors' | 'list' | 'one_tensor';
  /** Further condition on the op node (beyond `op`) for the row to apply: the operands' kinds. */
  accepts?: (node: Node) => boolean;
  observation: ObservationType;
  /** For 'fixed': the output qparams (torch's default_fixed_qparams_range_*). */
  fixed_qparams?: { scale: number; zero_point: number };
  lowering: Lowering;
}

/** The forms a ReLU takes in a traced graph: module, function, method. */
export const RELU_FORMS: readonly OpMatcher[] = [
  { module: ReLU },
  { function: 'relu' },
  { function: 'F.relu' },
  { method: 'relu' },
];

type Slots = Record<string, unknown>;
const field = (mod: Module | null, k: string): unknown => (mod as unknown as Slots | null)?.[k];
const arg = (n: Node, i: number, kw: string, dflt: unknown): unknown =>
  n.args.length > i ? n.args[i] : kw in n.kwargs ? n.kwargs[kw] : dflt;

/** The rows of a binary op and its fused-relu variants: one parametrised rule (op, op_relu) × RELU_FORMS. */
function binary_rows(base: string, matchers: OpMatcher[]): QuantPatternRow[] {
  const rows: QuantPatternRow[] = [];
  for (const op of matchers) {
    for (const relu of [undefined, ...RELU_FORMS]) {
      const name = relu ? `${base}_relu` : base;
      rows.push({
        name,
        op,
        relu,
        inputs: 'tensors',
        observation: 'different',
        lowering: { kind: 'function', op: `quantized.${name}`, args: () => [], takes_qparams: true },
      });
    }
  }
  return rows;
}

/** The two operands of a binary op node: after the tensor for a call_method (args[0] is self). */
const operands = (n: Node): unknown[] => n.args.slice(0, 2);
const is_node = (a: unknown): boolean => typeof a === 'object' && a !== null && 'users' in a && 'graph' in a;
/** The number operand of a tensor ⊕ number node (either order, as torch's `.Scalar` / `.Scalar2` overloads). */
const scalar_operand = (n: Node): number => operands(n).find((a) => !is_node(a)) as number;

/**
 * tensor ⊕ finite number, add without a non-unit alpha (torch's lowering would drop it): torch 1.13's
 * num_tensor_args_to_observation_type {1: OUTPUT_SHARE_OBSERVER_WITH_INPUT}.
 */
function one_tensor_and_number(n: Node): boolean {
  const ops = operands(n);
  if (ops.length !== 2 || ops.filter(is_node).length !== 1) return false;
  const c = scalar_operand(n);
  if (typeof c !== 'number' || !Number.isFinite(c)) return false;
  const opt = n.args[2] ?? n.kwargs.alpha;
  const alpha = typeof opt === 'object' && opt !== null ? (opt as { alpha?: unknown }).alpha : opt;
  return alpha === undefined || alpha === 1;
}

/**
 * The rows of a binary op with one tensor and one Python number (`x * 0.5`, `torch.add(1, x)`) and their
 * fused-relu variants: the output shares the input's observer (torch 1.13), and convert lowers to
 * `quantized.<base>_scalar[_relu](x, c)`, whose output qparams are the kernel's own (`out_qparams`).
 */
function scalar_binary_rows(
  base: 'add' | 'mul',
  matchers: OpMatcher[],
  out_qparams: (input: RowQParams, c: number) => { scale: number; zero_point: number },
): QuantPatternRow[] {
  const rows: QuantPatternRow[] = [];
  for (const op of matchers) {
    for (const relu of [undefined, ...RELU_FORMS]) {
      rows.push({
        name: relu ? `${base}_relu` : base,
        op,
        relu,
        inputs: 'one_tensor',
        accepts: one_tensor_and_number,
        observation: 'share',
        lowering: {
          kind: 'own_qparams',
          op: `quantized.${base}_scalar${relu ? '_relu' : ''}`,
          args: (n) => [scalar_operand(n)],
          out_qparams: (input, args) => out_qparams(input, args[0] as number),
        },
      });
    }
  }
  return rows;
}

const int8_dtype = (d: string): 'quint8' | 'qint8' => {
  if (d !== 'quint8' && d !== 'qint8') throw new Error(`scalar binary op: unsupported quantized dtype ${d}`);
  return d;
};

function share_row(name: string, op: OpMatcher, lowering: Lowering): QuantPatternRow {
  return { name, op, inputs: 'first', observation: 'share', lowering };
}

/** F.max_pool2d(x, kernel_size, options) → quantized.max_pool2d(q, kernel_size, options): the same arguments. */
const maxpool_args = (n: Node): unknown[] => [arg(n, 1, 'kernel_size', undefined), arg(n, 2, 'options', {})];

/** quantized.flatten's (start_dim, end_dim) without trailing defaults (0, -1): `quantized.flatten(x, 1)` as torch prints it. */
const flatten_args = (start_dim: unknown, end_dim: unknown): unknown[] =>
  end_dim !== -1 ? [start_dim, end_dim] : start_dim !== 0 ? [start_dim] : [];

const ZERO_TO_ONE = { scale: 1 / 256, zero_point: 0 };
const MINUS_ONE_TO_ONE = { scale: 2 / 256, zero_point: 128 };

/** The rows of a fixed-qparams op in its module, torch function, F function and Tensor method forms. */
function fixed_rows(
  name: string,
  module: ModuleClass,
  qparams: { scale: number; zero_point: number },
  int8_op: string | null,
): QuantPatternRow[] {
  const forms: OpMatcher[] = [{ module }, { function: name }, { function: `F.${name}` }, { method: name }];
  return forms.map((op) => ({
    name,
    op,
    inputs: 'first',
    observation: 'fixed',
    fixed_qparams: qparams,
    lowering: int8_op ? { kind: 'function', op: int8_op, args: () => [] } : { kind: 'none' },
  }));
}

/** The static rows (torch 1.13 qnnpack backend_config, the ops fxq has int8 kernels for, plus fixed-qparams ops). */
export const STATIC_PATTERNS: readonly QuantPatternRow[] = [
  // weighted modules (fused relu modules come from fuse_fx): input and output observed, weights at convert
  {
    name: 'nn.Conv2d',
    op: { module: FloatConv2d },
    inputs: 'first',
    observation: 'different',
    lowering: { kind: 'module', quantized: QConv2d },
  },
  {
    name: 'nn.intrinsic.ConvReLU2d',
    op: { module: FloatConvReLU2d },
    inputs: 'first',
    observation: 'different',
    lowering: { kind: 'module', quantized: QConvReLU2d },
  },
  {
    name: 'nn.Linear',
    op: { module: FloatLinear },
    inputs: 'first',
    observation: 'different',
    lowering: { kind: 'module', quantized: QLinear },
  },
  {
    name: 'nn.intrinsic.LinearReLU',
    op: { module: FloatLinearReLU },
    inputs: 'first',
    observation: 'different',
    lowering: { kind: 'module', quantized: QLinearReLU },
  },
  // QAT modules (prepare_qat_fx swaps them in): lowered from their trained weight_fake_quant, BatchNorm
  // folded in for ConvBn / LinearBn1d (torch's get_qnnpack_backend_config qat_module → reference/quantized module)
  ...(
    [
      ['nn.qat.Conv2d', nnqat.Conv2d, QConv2d],
      ['nn.intrinsic.qat.ConvReLU2d', nniqat.ConvReLU2d, QConvReLU2d],
      ['nn.intrinsic.qat.ConvBn2d', nniqat.ConvBn2d, QConv2d],
      ['nn.intrinsic.qat.ConvBnReLU2d', nniqat.ConvBnReLU2d, QConvReLU2d],
      ['nn.qat.Linear', nnqat.Linear, QLinear],
      ['nn.intrinsic.qat.LinearReLU', nniqat.LinearReLU, QLinearReLU],
      ['nn.intrinsic.qat.LinearBn1d', nniqat.LinearBn1d, QLinear],
    ] as const
  ).map(
    ([name, module, quantized]): QuantPatternRow => ({
      name,
      op: { module },
      inputs: 'first',
      observation: 'different',
      lowering: { kind: 'module', quantized },
    }),
  ),
  // tensor ⊕ number (before the two-tensor rows: `accepts` picks them by their operands)
  ...scalar_binary_rows('add', [{ function: 'add' }, { method: 'add' }], (p, c) =>
    add_scalar_plan(p, c, int8_dtype(p.dtype)),
  ),
  ...scalar_binary_rows('mul', [{ function: 'mul' }, { method: 'mul' }], (p, c) =>
    mul_scalar_qparams(p, c, int8_dtype(p.dtype)),
  ),
  // binary ops, with fused relu variants generated
  ...binary_rows('add', [{ function: 'add' }, { method: 'add' }]),
  ...binary_rows('mul', [{ function: 'mul' }, { method: 'mul' }]),
  {
    name: 'cat',
    op: { function: 'cat' },
    inputs: 'list',
    // torch 1.13: OUTPUT_SHARE_OBSERVER_WITH_INPUT, and every input shares the first input's observer too
    observation: 'share',
    lowering: { kind: 'function', op: 'quantized.cat', args: (n) => [arg(n, 1, 'dim', 0)], takes_qparams: true },
  },
  // ops that keep their input's qparams. Pooling modules and F average pools stay as they are, called on
  // quantized tensors, as in torch's converted graph (the F ops run the int8 kernels on quantized input);
  // F.max_pool2d lowers to the quantized functional op
  share_row('nn.MaxPool2d', { module: MaxPool2d }, { kind: 'keep' }),
  share_row('nn.AvgPool2d', { module: AvgPool2d }, { kind: 'keep' }),
  share_row('nn.AdaptiveAvgPool2d', { module: AdaptiveAvgPool2d }, { kind: 'keep' }),
  share_row('F.avg_pool2d', { function: 'F.avg_pool2d' }, { kind: 'keep' }),
  share_row('F.adaptive_avg_pool2d', { function: 'F.adaptive_avg_pool2d' }, { kind: 'keep' }),
  share_row(
    'F.max_pool2d',
    { function: 'F.max_pool2d' },
    { kind: 'function', op: 'quantized.max_pool2d', args: maxpool_args },
  ),
  ...[{ function: 'flatten' }, { method: 'flatten' }].map((op) =>
    share_row('flatten', op, {
      kind: 'function',
      op: 'quantized.flatten',
      args: (n) => flatten_args(arg(n, 1, 'start_dim', 0), arg(n, 2, 'end_dim', -1)),
    }),
  ),
  share_row(
    'nn.Flatten',
    { module: Flatten },
    {
      kind: 'function',
      op: 'quantized.flatten',
      args: (_n, m) => flatten_args(field(m, 'start_dim'), field(m, 'end_dim')),
    },
  ),
  ...[{ method: 'reshape' }, { method: 'view' }, { function: 'reshape' }].map((op) =>
    share_row(op.method ?? 'reshape', op, {
      kind: 'function',
      op: 'quantized.reshape',
      // x.reshape(a, b) and x.reshape([a, b]) both record the sizes after x
      args: (n) => [n.args.length === 2 && Array.isArray(n.args[1]) ? n.args[1] : n.args.slice(1)],
    }),
  ),
  ...RELU_FORMS.map((op) => share_row('relu', op, { kind: 'function', op: 'quantized.relu', args: () => [] })),
  share_row('nn.ReLU6', { module: ReLU6 }, { kind: 'function', op: 'quantized.relu6', args: () => [] }),
  share_row('nn.Hardtanh', { module: Hardtanh }, { kind: 'none' }),
  share_row('nn.Dropout', { module: Dropout }, { kind: 'identity' }),
  share_row('F.dropout', { function: 'F.dropout' }, { kind: 'identity' }),
  // ops with an output observer of their own (torch's default op configs): int8 hardswish through a table
  {
    name: 'nn.Hardswish',
    op: { module: Hardswish },
    inputs: 'first',
    observation: 'different',
    lowering: { kind: 'module', quantized: QHardswish },
  },
  ...[{ function: 'F.hardswish' }, { function: 'hardswish' }].map(
    (op): QuantPatternRow => ({
      name: 'hardswish',
      op,
      inputs: 'first',
      observation: 'different',
      lowering: { kind: 'function', op: 'quantized.hardswish', args: () => [], takes_qparams: true },
    }),
  ),
  // fixed qparams (outputs in [0, 1] or [-1, 1]): torch's default_fixed_qparams_range_0to1 / neg1to1
  ...fixed_rows('hardsigmoid', Hardsigmoid, ZERO_TO_ONE, 'quantized.hardsigmoid'),
  ...fixed_rows('sigmoid', Sigmoid, ZERO_TO_ONE, 'quantized.sigmoid'),
  ...fixed_rows('tanh', Tanh, MINUS_ONE_TO_ONE, 'quantized.tanh'),
  ...fixed_rows('softmax', Softmax, ZERO_TO_ONE, null), // observed so, but no int8 kernel: stays float
];

/** True when `node` is the op `m` describes (`mod` = the called module for call_module nodes). */
export function op_matches(m: OpMatcher, node: Node, mod: Module | null): boolean {
  if (m.module) return node.op === 'call_module' && mod !== null && mod.constructor === m.module;
  if (m.function) return node.op === 'call_function' && node.target === m.function;
  if (m.method) return node.op === 'call_method' && node.target === m.method;
  return false;
}

/** The first static row whose op (without relu) matches `node`, considering only unfused rows. */
export function find_static_row(node: Node, mod: Module | null): QuantPatternRow | null {
  return STATIC_PATTERNS.find((r) => !r.relu && op_matches(r.op, node, mod) && (r.accepts?.(node) ?? true)) ?? null;
}

/** The fused row (op → relu) matching `op_node` followed by `relu_node`, if any. */
export function find_fused_row(
  op_node: Node,
  op_mod: Module | null,
  relu_node: Node,
  relu_mod: Module | null,
): QuantPatternRow | null {
  return (
    STATIC_PATTERNS.find(
      (r) =>
        r.relu !== undefined &&
        op_matches(r.op, op_node, op_mod) &&
        op_matches(r.relu, relu_node, relu_mod) &&
        (r.accepts?.(op_node) ?? true),
    ) ?? null
  );
}
