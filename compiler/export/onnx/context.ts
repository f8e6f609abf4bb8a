/**
 * What an op-table entry sees while it emits one FX node: the builder, the fxq value each node
 * produced on the example inputs (qparams, shapes, constants), and the ONNX value each node became.
 * Quantized fxq tensors live in ONNX as integer tensors with their qparams; an entry asks for the float
 * view of an argument and gets a fresh DequantizeLinear per consumer, the QDQ layout ONNX Runtime fuses.
 */

import type { Module } from '../../../runtime/nn/module.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import type { GraphModule } from '../../ir/graph_module.js';
import { type Argument, Node } from '../../ir/node.js';
import type { OnnxGraphBuilder, QParams } from './builder.js';

/** What one FX node is in the ONNX graph. */
export type OnnxValue =
  | { kind: 'float'; name: string }
  | { kind: 'quant'; name: string; qp: QParams }
  /** an int64 tensor [n] holding integers (a shape, a dimension as [1]) */
  | { kind: 'ints'; name: string }
  | { kind: 'tuple'; items: OnnxValue[] }
  /** not a graph value: a Python-level constant (get_attr scalars, qparams, dtypes) */
  | { kind: 'const'; value: unknown };

/** An error that names the FX node (and its target) the exporter could not express. */
export class OnnxExportError extends Error {
  constructor(node: Node, why: string) {
    super(`export_onnx: node '${node.name}' (${node.op} ${node.target}): ${why}`);
    this.name = 'OnnxExportError';
  }
}

/** The qparams of a quantized fxq tensor, as ONNX Q/DQ parameters. */
export function qparams_of(t: Tensor): QParams | null {
  const q = t.quantizer;
  if (!q) return null;
  const dtype = t.dtype === 'quint8' ? 'uint8' : t.dtype === 'qint8' ? 'int8' : 'int32';
  if (q.kind === 'per_tensor') return { kind: 'per_tensor', scale: q.scale, zero_point: q.zero_point, dtype };
  if (dtype === 'uint8') throw new Error('export_onnx: per-channel quint8 tensors have no ONNX form');
  return { kind: 'per_channel', scales: q.scales, zero_points: q.zero_points, axis: q.axis, dtype };
}

export class ExportContext {
  readonly values = new Map<Node, OnnxValue>();

  constructor(
    readonly b: OnnxGraphBuilder,
    readonly root: GraphModule,
    /** The fxq value of every node on the example inputs. */
    readonly env: Map<Node, unknown>,
    /** How a dynamic int8 LSTM is written: 'int8' (ORT's DynamicQuantizeLSTM) or 'float' (standard LSTM). */
    readonly dynamic_lstm: 'float' | 'int8' = 'int8',
    /** The opset being written (a few ops changed form: ReduceMean's axes became an input at 18). */
    readonly opset = 13,
  ) {}

  /**
   * A fused ReLU on the float result `y` of `node`, whose fxq output is quantized. With the usual output
   * zero point at the bottom of the range, `Relu` before the exporter's QuantizeLinear (ONNX Runtime folds
   * it into the quantized op). With a zero point above it (an output observer shared with another
   * branch), ReLU is the integer clamp at the zero point after quantizing, as fxq's kernels apply it:
   * QuantizeLinear → Clip(zero point, max) on the integer tensor, so the quantized op still fuses.
   */
  relu_output(node: Node, y: string): OnnxValue {
    const rt = this.env.get(node);
    const qp = rt instanceof Tensor ? qparams_of(rt) : null;
    const lo = qp?.dtype === 'int8' ? -128 : 0;
    if (qp === null || qp.kind !== 'per_tensor' || qp.zero_point <= lo)
      return { kind: 'float', name: this.b.op('Relu', [y], this.hint(node)) };
    const q = this.b.quantize(y, qp, this.hint(node));
    const b = this.b;
    const zp = qp.dtype === 'int8' ? Int8Array.of(qp.zero_point) : Uint8Array.of(qp.zero_point);
    return { kind: 'quant', name: b.op('Clip', [q, b.constant(zp)], `${this.hint(node)}_relu`), qp };
  }

  /** ReduceMean over `axes` in the form the opset wants. */
  reduce_mean(x: string, axes: number[], keepdims: boolean, hint: string): string {
    if (this.opset >= 18)
      return this.b.op('ReduceMean', [x, this.b.int64s(axes)], hint, { keepdims: keepdims ? 1 : 0 });
    return this.b.op('ReduceMean', [x], hint, { axes, keepdims: keepdims ? 1 : 0 });
  }

  /** The fxq value `node` produced on the example inputs. */
  runtime(node: Node): unknown {
    return this.env.get(node);
  }

  /** The fxq tensor `node` produced; an error naming `node` when it is not a tensor. */
  tensor(node: Node): Tensor {
    const v = this.env.get(node);
    if (!(v instanceof Tensor)) throw new OnnxExportError(node, 'expected a tensor value');
    return v;
  }

  module(node: Node): Module {
    return this.root.get_submodule(node.target);
  }

  /** The ONNX value of an argument (a node, or a literal as a constant). */
  value(arg: Argument, user: Node): OnnxValue {
    if (arg instanceof Node) {
      const v = this.values.get(arg);
      if (!v) throw new OnnxExportError(user, `argument '${arg.name}' has no ONNX value`);
      return v;
    }
    return { kind: 'const', value: arg };
  }

  /** The float ONNX tensor for argument `arg` of `user`: a DequantizeLinear of a quantized one. */
  float(arg: Argument, user: Node): string {
    const v = this.value(arg, user);
    if (v.kind === 'float') return v.name;
    if (v.kind === 'quant') return this.b.dequantize(v.name, v.qp, v.name.replace(/_q$/, ''));
    if (v.kind === 'const') {
      const c = v.value;
      if (c instanceof Tensor && c.dtype === 'float32')
        return this.b.initializer(
          arg instanceof Node ? arg.target : 'const',
          c.contiguous().data as Float32Array,
          c.shape,
        );
      if (typeof c === 'number') return this.b.constant(Float32Array.of(c));
    }
    throw new OnnxExportError(
      user,
      `argument ${arg instanceof Node ? `'${arg.name}'` : String(arg)} is not a float tensor`,
    );
  }

  /** The qparams of quantized argument `arg` (the input scale a conv bias is quantized with). */
  input_qparams(arg: Argument, user: Node): QParams {
    const v = this.value(arg, user);
    if (v.kind !== 'quant') throw new OnnxExportError(user, 'expects a quantized input');
    return v.qp;
  }

  /** A name hint for the outputs of `node` (its module path, or its node name). */
  hint(node: Node): string {
    return node.op === 'call_module' ? node.target : node.name;
  }
}
