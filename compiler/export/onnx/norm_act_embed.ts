/**
 * Export rows of the layers of issue #16 part 2: ELU and LeakyReLU (float, int8 module and quantized.* forms).
 * An int8 form runs in float between the input's DequantizeLinear and the QuantizeLinear of its own output
 * qparams (the exporter appends the Q), as fxq's table computes it: dequantize → op → quantize.
 */
import { ELU } from '../../../runtime/nn/layers/upsample_bag.js';
import { ELU as QELU, LeakyReLU as QLeakyReLU } from '../../../runtime/quantized/modules/elu_leaky_relu.js';
import type { Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError, type OnnxValue } from './context.js';
import type { CallEntry, ModuleEntry } from './op_entry.js';

const float = (name: string): OnnxValue => ({ kind: 'float', name });

/** A literal number at args[i], or the `key` of an options object there, or kwargs[key]; `dflt` when absent. */
function number_arg(node: Node, i: number, key: string, dflt: number): number {
  const a = node.args[i];
  const v =
    a === undefined || a === null
      ? (node.kwargs[key] ?? dflt)
      : typeof a === 'object' && !Array.isArray(a) && !('graph' in a)
        ? ((a as Record<string, unknown>)[key] ?? dflt)
        : a;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new OnnxExportError(node, `${key} must be a literal number`);
  return v;
}

function elu(ctx: ExportContext, node: Node, alpha: number): OnnxValue {
  const x = ctx.float(node.args[0], node);
  return float(ctx.b.op('Elu', [x], node.name, { alpha: { float: alpha } }));
}
function leaky(ctx: ExportContext, node: Node, slope: number): OnnxValue {
  const x = ctx.float(node.args[0], node);
  return float(ctx.b.op('LeakyRelu', [x], node.name, { alpha: { float: slope } }));
}

export const NORM_ACT_EMBED_MODULE_ENTRIES: ModuleEntry[] = [
  {
    kind: 'module',
    cls: QELU,
    fxq: 'nn.quantized.ELU',
    onnx: 'DQ + Elu + Q',
    emit: (ctx, n) => elu(ctx, n, (ctx.module(n) as QELU).alpha),
  },
  {
    kind: 'module',
    cls: ELU,
    fxq: 'nn.ELU',
    onnx: 'Elu',
    emit: (ctx, n) => elu(ctx, n, (ctx.module(n) as ELU).alpha),
  },
  {
    kind: 'module',
    cls: QLeakyReLU,
    fxq: 'nn.quantized.LeakyReLU',
    onnx: 'DQ + LeakyRelu + Q',
    emit: (ctx, n) => leaky(ctx, n, (ctx.module(n) as QLeakyReLU).negative_slope),
  },
];

export const NORM_ACT_EMBED_CALL_ENTRIES: CallEntry[] = [
  { kind: 'function', targets: ['F.elu'], onnx: 'Elu', emit: (ctx, n) => elu(ctx, n, number_arg(n, 1, 'alpha', 1)) },
  {
    kind: 'function',
    targets: ['quantized.elu'],
    onnx: 'DQ + Elu + Q',
    emit: (ctx, n) => elu(ctx, n, number_arg(n, 1, 'alpha', 1)),
  },
  {
    kind: 'function',
    targets: ['quantized.leaky_relu', 'F.leaky_relu'],
    onnx: 'LeakyRelu (between DQ and Q for the int8 form)',
    emit: (ctx, n) => leaky(ctx, n, number_arg(n, 1, 'negative_slope', 0.01)),
  },
];
