/**
 * Activation and normalization rows beyond ReLU: each is written with opset-13 ops (HardSwish and
 * LayerNormalization came later, so hardswish is x · HardSigmoid(x); LayerNorm is transformer.ts).
 * On quantized tensors the rows run between DequantizeLinear and the output's QuantizeLinear, as fxq's
 * quantized ops compute them (float op on the dequantized input, then requantize).
 */

import { GELU, Hardsigmoid, Hardswish, LeakyReLU, LogSoftmax, SiLU } from '../../../runtime/nn/layers/index.js';
import { hardtanh_bounds } from '../../../runtime/quantized/functional/activations.js';
import { Hardswish as QHardswish, ReLU6 as QReLU6 } from '../../../runtime/quantized/modules/activation.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import type { Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError, type OnnxValue } from './context.js';
import type { CallEntry, ModuleEntry } from './op_entry.js';

const float = (name: string): OnnxValue => ({ kind: 'float', name });
const f32 = (ctx: ExportContext, v: number) => ctx.b.constant(Float32Array.of(v));

/**
 * A clamp of a quantized tensor that keeps its qparams (quantized relu6 / hardtanh, as PyTorch's quantized
 * clamp): Clip straight on the uint8 tensor between quantize(min) and quantize(max), with fxq's rounding of
 * the bounds — no DequantizeLinear / QuantizeLinear pair, which ONNX Runtime would leave unfused.
 */
function int_clip(ctx: ExportContext, node: Node, lo: number, hi: number): OnnxValue | null {
  const v = ctx.value(node.args[0], node);
  if (v.kind !== 'quant' || v.qp.kind !== 'per_tensor' || v.qp.dtype !== 'uint8') return null;
  const out = ctx.runtime(node) as Tensor;
  const q = out.quantizer;
  if (q?.kind !== 'per_tensor' || q.scale !== v.qp.scale || q.zero_point !== v.qp.zero_point) return null;
  const [a, c] = hardtanh_bounds({ scale: v.qp.scale, zero_point: v.qp.zero_point } as never, lo, hi);
  const b = ctx.b;
  return {
    kind: 'quant',
    name: b.op('Clip', [v.name, b.constant(Uint8Array.of(a)), b.constant(Uint8Array.of(c))], `${node.name}_q`),
    qp: v.qp,
  };
}

/** A clamp row: the integer Clip when the input is quantized and keeps its qparams, else a float Clip. */
function clamp_row(
  kind: 'function' | 'method',
  targets: string[],
  bounds: (n: Node) => [number | null, number | null],
): CallEntry {
  return {
    kind,
    targets,
    onnx: 'Clip (on the uint8 tensor when quantized)',
    emit(ctx, n) {
      const [lo, hi] = bounds(n);
      if (lo !== null && hi !== null) {
        const q = int_clip(ctx, n, lo, hi);
        if (q) return q;
      }
      return float(clip(ctx, ctx.float(n.args[0], n), lo, hi, n.name));
    },
  };
}

function clip(ctx: ExportContext, x: string, lo: number | null, hi: number | null, hint: string): string {
  return ctx.b.op('Clip', [x, lo === null ? '' : f32(ctx, lo), hi === null ? '' : f32(ctx, hi)], hint);
}
/** torch's hardsigmoid = relu6(x + 3) / 6 = HardSigmoid(alpha 1/6, beta 0.5). */
function hardsigmoid(ctx: ExportContext, x: string, hint: string): string {
  return ctx.b.op('HardSigmoid', [x], hint, { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
}
function hardswish(ctx: ExportContext, x: string, hint: string): string {
  return ctx.b.op('Mul', [x, hardsigmoid(ctx, x, `${hint}_gate`)], hint);
}
function gelu(ctx: ExportContext, x: string, approximate: string, hint: string): string {
  const b = ctx.b;
  let inner: string;
  if (approximate === 'tanh') {
    // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
    const x3 = b.op('Mul', [x, b.op('Mul', [x, x], `${hint}_x2`)], `${hint}_x3`);
    const poly = b.op('Add', [x, b.op('Mul', [x3, f32(ctx, 0.044715)], `${hint}_c`)], `${hint}_poly`);
    inner = b.op('Tanh', [b.op('Mul', [poly, f32(ctx, Math.sqrt(2 / Math.PI))], `${hint}_s`)], `${hint}_t`);
  } else inner = b.op('Erf', [b.op('Div', [x, f32(ctx, Math.SQRT2)], `${hint}_s`)], `${hint}_t`);
  const one_plus = b.op('Add', [inner, f32(ctx, 1)], `${hint}_1p`);
  return b.op('Mul', [b.op('Mul', [x, one_plus], `${hint}_xm`), f32(ctx, 0.5)], hint);
}
function silu(ctx: ExportContext, x: string, hint: string): string {
  return ctx.b.op('Mul', [x, ctx.b.op('Sigmoid', [x], `${hint}_gate`)], hint);
}

function module_row(
  cls: ModuleEntry['cls'],
  fxq: string,
  onnx: string,
  f: (ctx: ExportContext, node: Node, x: string) => string,
): ModuleEntry {
  return { kind: 'module', cls, fxq, onnx, emit: (ctx, node) => float(f(ctx, node, ctx.float(node.args[0], node))) };
}

const num = (a: unknown, fallback: number | null): number | null =>
  typeof a === 'number' ? a : a === undefined || a === null ? fallback : NaN;

function call_row(
  kind: 'function' | 'method',
  targets: string[],
  onnx: string,
  f: (ctx: ExportContext, node: Node, x: string) => string,
): CallEntry {
  return {
    kind,
    targets,
    onnx,
    emit(ctx, node) {
      return float(f(ctx, node, ctx.float(node.args[0], node)));
    },
  };
}

/** A literal number argument at `i` (or kwarg `key`), `fallback` when absent. */
function literal(node: Node, i: number, key: string, fallback: number | null): number | null {
  const v = num(node.args[i] ?? node.kwargs[key], fallback);
  if (Number.isNaN(v)) throw new OnnxExportError(node, `${key} must be a literal number`);
  return v;
}

export const ACTIVATION_MODULE_ENTRIES: ModuleEntry[] = [
  {
    kind: 'module',
    cls: QReLU6,
    fxq: 'nn.quantized.ReLU6',
    onnx: 'Clip on the uint8 tensor between quantize(0) and quantize(6)',
    emit: (ctx, n) => int_clip(ctx, n, 0, 6) ?? float(clip(ctx, ctx.float(n.args[0], n), 0, 6, n.target)),
  },
  module_row(QHardswish, 'nn.quantized.Hardswish', 'DQ + x · HardSigmoid(x) + Q', (ctx, n, x) =>
    hardswish(ctx, x, n.target),
  ),
  module_row(LeakyReLU, 'nn.LeakyReLU', 'LeakyRelu', (ctx, n, x) =>
    ctx.b.op('LeakyRelu', [x], n.target, { alpha: { float: (ctx.module(n) as LeakyReLU).negative_slope } }),
  ),
  module_row(Hardswish, 'nn.Hardswish', 'x · HardSigmoid(x)', (ctx, n, x) => hardswish(ctx, x, n.target)),
  module_row(Hardsigmoid, 'nn.Hardsigmoid', 'HardSigmoid(1/6, 1/2)', (ctx, n, x) => hardsigmoid(ctx, x, n.target)),
  module_row(GELU, 'nn.GELU', 'Erf form (tanh form for approximate=tanh)', (ctx, n, x) =>
    gelu(ctx, x, (ctx.module(n) as GELU).approximate, n.target),
  ),
  module_row(SiLU, 'nn.SiLU', 'x · Sigmoid(x)', (ctx, n, x) => silu(ctx, x, n.target)),
  module_row(LogSoftmax, 'nn.LogSoftmax', 'LogSoftmax', (ctx, n, x) =>
    ctx.b.op('LogSoftmax', [x], n.target, { axis: (ctx.module(n) as LogSoftmax).dim }),
  ),
];

const both = (
  targets: string[],
  methods: string[],
  onnx: string,
  f: (ctx: ExportContext, node: Node, x: string) => string,
) => [call_row('function', targets, onnx, f), ...(methods.length ? [call_row('method', methods, onnx, f)] : [])];

export const ACTIVATION_CALL_ENTRIES: CallEntry[] = [
  clamp_row('function', ['clamp'], (n) => [literal(n, 1, 'min', null), literal(n, 2, 'max', null)]),
  clamp_row('method', ['clamp'], (n) => [literal(n, 1, 'min', null), literal(n, 2, 'max', null)]),
  clamp_row('function', ['hardtanh', 'F.hardtanh', 'quantized.hardtanh'], (n) => [
    literal(n, 1, 'min_val', -1),
    literal(n, 2, 'max_val', 1),
  ]),
  clamp_row('function', ['relu6', 'F.relu6', 'quantized.relu6'], () => [0, 6]),
  // F.leaky_relu (options object) is norm_act_embed.ts's row
  ...both(['leaky_relu'], [], 'LeakyRelu', (ctx, n, x) =>
    ctx.b.op('LeakyRelu', [x], n.name, { alpha: { float: literal(n, 1, 'negative_slope', 0.01)! } }),
  ),
  ...both(
    ['hardsigmoid', 'F.hardsigmoid', 'quantized.hardsigmoid'],
    ['hardsigmoid'],
    'HardSigmoid(1/6, 1/2)',
    (ctx, n, x) => hardsigmoid(ctx, x, n.name),
  ),
  ...both(['hardswish', 'F.hardswish', 'quantized.hardswish'], [], 'x · HardSigmoid(x)', (ctx, n, x) =>
    hardswish(ctx, x, n.name),
  ),
  ...both(['gelu', 'F.gelu'], [], 'Erf form', (ctx, n, x) => {
    const o = (n.args[1] ?? n.kwargs) as { approximate?: string } | undefined;
    return gelu(ctx, x, typeof o === 'object' && o && 'approximate' in o ? String(o.approximate) : 'none', n.name);
  }),
  ...both(['silu', 'F.silu'], [], 'x · Sigmoid(x)', (ctx, n, x) => silu(ctx, x, n.name)),
  ...both(['softmax', 'F.softmax'], ['softmax'], 'Softmax', (ctx, n, x) =>
    ctx.b.op('Softmax', [x], n.name, { axis: literal(n, 1, 'dim', null)! }),
  ),
  ...both(['log_softmax', 'F.log_softmax'], ['log_softmax'], 'LogSoftmax', (ctx, n, x) =>
    ctx.b.op('LogSoftmax', [x], n.name, { axis: literal(n, 1, 'dim', null)! }),
  ),
  ...both(['exp'], ['exp'], 'Exp', (ctx, n, x) => ctx.b.op('Exp', [x], n.name)),
  ...both(['log'], ['log'], 'Log', (ctx, n, x) => ctx.b.op('Log', [x], n.name)),
  ...both(['sqrt'], ['sqrt'], 'Sqrt', (ctx, n, x) => ctx.b.op('Sqrt', [x], n.name)),
  ...both(['neg'], ['neg'], 'Neg', (ctx, n, x) => ctx.b.op('Neg', [x], n.name)),
  ...both(['abs'], ['abs'], 'Abs', (ctx, n, x) => ctx.b.op('Abs', [x], n.name)),
  ...both(['quantized.add_scalar', 'quantized.add_scalar_relu'], [], 'Add (+ Relu)', (ctx, n, x) => {
    const y = ctx.b.op('Add', [x, f32(ctx, literal(n, 1, 'other', null)!)], n.name);
    return n.target.endsWith('_relu') ? ctx.b.op('Relu', [y], n.name) : y;
  }),
  ...both(['quantized.mul_scalar', 'quantized.mul_scalar_relu'], [], 'Mul (+ Relu)', (ctx, n, x) => {
    const y = ctx.b.op('Mul', [x, f32(ctx, literal(n, 1, 'other', null)!)], n.name);
    return n.target.endsWith('_relu') ? ctx.b.op('Relu', [y], n.name) : y;
  }),
];
