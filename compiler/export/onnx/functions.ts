/**
 * call_function / call_method rows. Quantized functions (quantized.add_relu, quantized.cat, …) emit
 * their float op between DequantizeLinear inputs; the exporter appends the QuantizeLinear with the
 * output's qparams, giving QLinearAdd / QLinearConcat / … after ONNX Runtime's QDQ fusion. Shape
 * arithmetic (x.shape[0] feeding a reshape) becomes Shape → Gather → Concat, so the batch stays dynamic.
 */

import { Tensor } from '../../../runtime/tensor/tensor.js';
import { type Argument, Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError, type OnnxValue } from './context.js';
import { emit_flatten } from './float_modules.js';
import type { CallEntry } from './op_entry.js';

const float = (name: string): OnnxValue => ({ kind: 'float', name });

function rank_of(ctx: ExportContext, arg: Argument, node: Node): number {
  if (!(arg instanceof Node)) throw new OnnxExportError(node, 'expects a tensor argument');
  return ctx.tensor(arg).ndim;
}

/** A literal integer argument (dims, axes); a traced value here cannot be exported. */
function int_arg(arg: Argument, node: Node, what: string, fallback?: number): number {
  if (arg === undefined && fallback !== undefined) return fallback;
  if (typeof arg !== 'number' || !Number.isInteger(arg))
    throw new OnnxExportError(
      node,
      `${what} must be a literal integer, got ${arg instanceof Node ? `node '${arg.name}'` : String(arg)}`,
    );
  return arg;
}

/** An elementwise op over the float views of every tensor argument (numbers become constants). */
function elementwise(onnx: string, arity: number, relu = false) {
  return (ctx: ExportContext, node: Node): OnnxValue => {
    const ins = node.args.slice(0, arity).map((a) => ctx.float(a, node));
    const y = ctx.b.op(onnx, ins, node.name);
    return relu ? ctx.relu_output(node, y) : float(y);
  };
}

function unary(onnx: string) {
  return elementwise(onnx, 1);
}

/** An int64 [n] tensor for a shape argument mixing literals and traced dims (each an int64 [1]). */
export function shape_input(ctx: ExportContext, parts: readonly Argument[], node: Node): string {
  const pieces: string[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length) pieces.push(ctx.b.int64s(run));
    run = [];
  };
  for (const p of parts) {
    if (typeof p === 'number') run.push(p);
    else {
      const v = ctx.value(p, node);
      if (v.kind !== 'ints') throw new OnnxExportError(node, 'shape entries must be integers or traced sizes');
      flush();
      pieces.push(v.name);
    }
  }
  flush();
  return pieces.length === 1 ? pieces[0] : ctx.b.op('Concat', pieces, `${node.name}_shape`, { axis: 0 });
}

function emit_reshape(ctx: ExportContext, node: Node): OnnxValue {
  const x = ctx.float(node.args[0], node);
  const rest = node.args.slice(1);
  const parts = rest.length === 1 && Array.isArray(rest[0]) ? (rest[0] as readonly Argument[]) : rest;
  return float(ctx.b.op('Reshape', [x, shape_input(ctx, parts, node)], node.name));
}

function emit_flatten_call(ctx: ExportContext, node: Node): OnnxValue {
  const x = ctx.float(node.args[0], node);
  const start = int_arg(node.args[1] ?? node.kwargs.start_dim, node, 'start_dim', 0);
  const end = int_arg(node.args[2] ?? node.kwargs.end_dim, node, 'end_dim', -1);
  return float(emit_flatten(ctx, node.name, x, rank_of(ctx, node.args[0], node), start, end, node));
}

function emit_select(ctx: ExportContext, node: Node): OnnxValue {
  const x = ctx.float(node.args[0], node);
  const dim = int_arg(node.args[1], node, 'dim');
  const index = int_arg(node.args[2], node, 'index');
  const idx = ctx.b.constant(BigInt64Array.of(BigInt(index)));
  return float(ctx.b.op('Gather', [x, idx], node.name, { axis: dim }));
}

function emit_cat(ctx: ExportContext, node: Node): OnnxValue {
  const list = node.args[0];
  if (!Array.isArray(list)) throw new OnnxExportError(node, 'cat expects a list of tensors');
  const dim = int_arg(node.args[1] ?? node.kwargs.dim, node, 'dim', 0);
  const ins = (list as readonly Argument[]).map((a) => ctx.float(a, node));
  return float(ctx.b.op('Concat', ins, node.name, { axis: dim }));
}

function emit_getattr(ctx: ExportContext, node: Node): OnnxValue {
  const [obj, attr] = node.args;
  if (attr === 'shape' && obj instanceof Node && ctx.runtime(obj) instanceof Tensor) {
    const v = ctx.value(obj, node);
    const src = v.kind === 'quant' || v.kind === 'float' ? v.name : null;
    if (!src) throw new OnnxExportError(node, 'shape of a non-tensor');
    return { kind: 'ints', name: ctx.b.op('Shape', [src], node.name) };
  }
  return { kind: 'const', value: ctx.runtime(node) };
}

function emit_getitem(ctx: ExportContext, node: Node): OnnxValue {
  const v = ctx.value(node.args[0], node);
  const i = node.args[1];
  if (v.kind === 'tuple') {
    const k = int_arg(i, node, 'index');
    const item = v.items[k < 0 ? k + v.items.length : k];
    if (!item) throw new OnnxExportError(node, `index ${k} out of range`);
    return item;
  }
  if (v.kind === 'ints') {
    const k = int_arg(i, node, 'index');
    return { kind: 'ints', name: ctx.b.op('Gather', [v.name, ctx.b.int64s([k])], node.name, { axis: 0 }) };
  }
  if (v.kind === 'const') return { kind: 'const', value: ctx.runtime(node) };
  throw new OnnxExportError(node, 'indexing a tensor is not exported (use select / narrow)');
}

/** The output's float view as it is: the exporter quantizes it when fxq's output is quantized. */
function pass_float(ctx: ExportContext, node: Node): OnnxValue {
  return float(ctx.float(node.args[0], node));
}

function fn(targets: string[], onnx: string, emit: CallEntry['emit']): CallEntry {
  return { kind: 'function', targets, onnx, emit };
}
function method(targets: string[], onnx: string, emit: CallEntry['emit']): CallEntry {
  return { kind: 'method', targets, onnx, emit };
}

export const FUNCTION_ENTRIES: CallEntry[] = [
  fn(['quantize_per_tensor'], 'QuantizeLinear', pass_float),
  fn(['dequantize'], 'DequantizeLinear', pass_float),
  method(['dequantize'], 'DequantizeLinear', pass_float),
  method(['contiguous', 'clone', 'detach'], '— (removed)', pass_float),
  fn(['clone'], '— (removed)', pass_float),
  fn(['quantized.add', 'add'], 'Add (quantized: QLinearAdd)', elementwise('Add', 2)),
  method(['add'], 'Add', elementwise('Add', 2)),
  fn(['quantized.add_relu'], 'Add + Relu (QLinearAdd)', elementwise('Add', 2, true)),
  fn(['quantized.mul', 'mul'], 'Mul (quantized: QLinearMul)', elementwise('Mul', 2)),
  method(['mul'], 'Mul', elementwise('Mul', 2)),
  fn(['quantized.mul_relu'], 'Mul + Relu', elementwise('Mul', 2, true)),
  fn(['sub'], 'Sub', elementwise('Sub', 2)),
  method(['sub'], 'Sub', elementwise('Sub', 2)),
  fn(['div'], 'Div', elementwise('Div', 2)),
  method(['div'], 'Div', elementwise('Div', 2)),
  fn(['matmul'], 'MatMul', elementwise('MatMul', 2)),
  method(['matmul'], 'MatMul', elementwise('MatMul', 2)),
  fn(['relu', 'F.relu', 'quantized.relu'], 'Relu', unary('Relu')),
  method(['relu'], 'Relu', unary('Relu')),
  fn(['sigmoid', 'F.sigmoid', 'quantized.sigmoid'], 'Sigmoid', unary('Sigmoid')),
  method(['sigmoid'], 'Sigmoid', unary('Sigmoid')),
  fn(['tanh', 'F.tanh', 'quantized.tanh'], 'Tanh', unary('Tanh')),
  method(['tanh'], 'Tanh', unary('Tanh')),
  fn(['quantized.flatten', 'flatten'], 'Flatten or Reshape', emit_flatten_call),
  method(['flatten'], 'Flatten or Reshape', emit_flatten_call),
  fn(['reshape', 'quantized.reshape'], 'Reshape', emit_reshape),
  method(['reshape', 'view'], 'Reshape (traced sizes via Shape → Gather → Concat)', emit_reshape),
  fn(['select'], 'Gather', emit_select),
  method(['select'], 'Gather', emit_select),
  fn(['cat', 'quantized.cat'], 'Concat (quantized: QLinearConcat)', emit_cat),
  fn(['getattr'], 'Shape (x.shape); other attributes are constants', emit_getattr),
  fn(['getitem'], 'Gather on shapes; tuple items', emit_getitem),
];
