/**
 * export_onnx_bytes(model, args, options): fxq model → ONNX bytes, following torch.onnx.export. The model
 * (a GraphModule, or an eager module, traced with symbolic_trace) runs once on `args` through the
 * Interpreter, so every node's qparams and shapes are known; then each node is emitted by its op-table
 * row. A float model gives plain ONNX; a converted int8 model gives QDQ ONNX (a QuantizeLinear after
 * every node whose fxq output is quantized, with that output's scale and zero point). Every node is
 * checked for a row before anything is emitted, and the result passes check_model before it is encoded.
 * Browser-safe: bytes out; node/export_file.ts writes files.
 */
import { no_grad } from '../../../runtime/autograd/grad_mode.js';
import { Module } from '../../../runtime/nn/module.js';
import { FakeQuantizeBase } from '../../../runtime/quant/fake_quantize.js';
import { ObserverBase } from '../../../runtime/quant/observer_base.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { GraphModule } from '../../ir/graph_module.js';
import { Interpreter } from '../../ir/interpreter.js';
import { type Argument, Node } from '../../ir/node.js';
import { symbolic_trace } from '../../trace/symbolic_trace.js';
import { OnnxGraphBuilder } from './builder.js';
import { check_model } from './check.js';
import { ExportContext, OnnxExportError, type OnnxValue, qparams_of } from './context.js';
import { find_entry, MODULE_ENTRIES } from './op_table.js';
import { DataType, type Dim, encode_model, ir_version_for, type ModelProto, type ValueInfoProto } from './schema.js';

/** Dynamic axes per input/output name: {name: {0: 'batch'}} or {name: [0]} as torch.onnx.export. */
export type DynamicAxes = Record<string, Record<number, string> | number[]>;

/** torch.onnx.export's keyword arguments (those that apply). */
export interface ExportOnnxOptions {
  /** ONNX opset, 13 (default) to 21. */
  opset_version?: number;
  /** Graph input names in order (default: the placeholders' names). */
  input_names?: string[];
  /** Graph output names in order (default: 'output', 'output_1', …). */
  output_names?: string[];
  /**
   * Symbolic dims. Default (unlike torch, whose default is static): dim 0 of every input and output is
   * 'batch'. Pass {} for a fully static graph.
   */
  dynamic_axes?: DynamicAxes;
  /** 'int8' demands a converted (quantized) model; 'float' a float one; default 'auto'. */
  dtype?: 'auto' | 'int8' | 'float';
  /**
   * nn.quantized.dynamic.LSTM (and LSTMCell) as ONNX Runtime's contrib `DynamicQuantizeLSTM` (com.microsoft) over the
   * int8 weights themselves ('int8', the default: activations quantized per call, as fxq's kernel does;
   * ONNX Runtime only), or as a standard float `LSTM` over the dequantized weights ('float': any runtime).
   */
  dynamic_lstm?: 'float' | 'int8';
  /** ModelProto.doc_string. */
  doc_string?: string;
}

export const DEFAULT_OPSET = 13;
const MAX_OPSET = 21;

function as_graph_module(model: Module): GraphModule {
  if (model instanceof GraphModule) return model;
  if (!(model instanceof Module)) throw new Error('export_onnx: model must be an nn.Module or a GraphModule');
  // the table's module classes stay leaves (nested namespaces such as nn.quantized.dynamic are not default leaves)
  return symbolic_trace(model, undefined, { leaf_modules: MODULE_ENTRIES.map((e) => e.cls as never) });
}

/** Refuses a prepared (observed / fake-quantized) model that was not converted. */
function check_not_prepared(gm: GraphModule): void {
  for (const [path, m] of gm.named_modules())
    if (m instanceof ObserverBase || m instanceof FakeQuantizeBase)
      throw new Error(
        `export_onnx: module '${path}' is a ${m.constructor.name}: the model is prepared but not converted (run convert_fx before exporting)`,
      );
}

/** Refuses (for dtype) a model of the wrong kind. */
function check_kind(gm: GraphModule, dtype: 'auto' | 'int8' | 'float', env: Map<Node, unknown>): void {
  const quantized = [...gm.graph.nodes].some((n) => {
    const v = env.get(n);
    if (v instanceof Tensor && v.is_quantized) return true;
    return n.op === 'call_module' && has_int8_weights(gm.get_submodule(n.target));
  });
  if (dtype === 'int8' && !quantized)
    throw new Error(
      'export_onnx: int8 export asked for, but the model has no quantized node (quantize it with prepare_fx / convert_fx or quantize_dynamic first)',
    );
  if (dtype === 'float' && quantized)
    throw new Error('export_onnx: float export asked for, but the model is quantized');
}

/** True for int8 modules (packed qint8 weights), static or dynamic. */
function has_int8_weights(m: Module): boolean {
  const p = m as unknown as { _packed_params?: unknown; _all_weight_values?: unknown; _packed_weight_ih?: unknown };
  return p._packed_params !== undefined || p._all_weight_values !== undefined || p._packed_weight_ih !== undefined;
}

/** Names every node without an op-table row, before anything runs or is written. */
function check_supported(gm: GraphModule): void {
  const bad: string[] = [];
  for (const n of gm.graph.nodes) {
    if (n.op === 'placeholder' || n.op === 'output' || n.op === 'get_attr') continue;
    const m = n.op === 'call_module' ? gm.get_submodule(n.target) : null;
    if (!find_entry(n, m))
      bad.push(`'${n.name}' (${n.op} ${n.op === 'call_module' ? `${n.target}: ${m?.constructor.name}` : n.target})`);
  }
  if (bad.length)
    throw new Error(
      `export_onnx: no ONNX export for node${bad.length > 1 ? 's' : ''} ${bad.join(', ')} (see compiler/export/onnx/README.md for the supported ops)`,
    );
}

function axes_of(spec: DynamicAxes, name: string, rank: number): Map<number, string> {
  const a = spec[name];
  const out = new Map<number, string>();
  if (!a) return out;
  if (Array.isArray(a)) for (const d of a) out.set(d, `${name}_dynamic_axes_${d + 1}`);
  else for (const [d, s] of Object.entries(a)) out.set(Number(d), s);
  for (const d of out.keys())
    if (!(Number.isInteger(d) && d >= 0 && d < rank))
      throw new Error(`export_onnx: dynamic_axes['${name}'] names dim ${d}, but '${name}' has rank ${rank}`);
  return out;
}

function value_info(name: string, t: Tensor, elem: number, axes: Map<number, string>): ValueInfoProto {
  const dim: Dim[] = t.shape.map((s, i) => (axes.has(i) ? { dim_param: axes.get(i)! } : { dim_value: s }));
  return { name, type: { tensor_type: { elem_type: elem as 1, shape: { dim } } } };
}

/** The leaves of a (possibly nested) output argument, in order. */
function output_leaves(arg: Argument): Node[] {
  if (arg instanceof Node) return [arg];
  if (Array.isArray(arg)) return (arg as readonly Argument[]).flatMap(output_leaves);
  throw new Error('export_onnx: the model must return tensors (or lists of them)');
}

/** Builds the ONNX ModelProto of `model` on example inputs `args`. */
export function export_onnx_model(model: Module, args: Tensor[], options: ExportOnnxOptions = {}): ModelProto {
  const opset = options.opset_version ?? DEFAULT_OPSET;
  if (!(Number.isInteger(opset) && opset >= DEFAULT_OPSET && opset <= MAX_OPSET))
    throw new Error(`export_onnx: opset_version ${opset} is not supported (${DEFAULT_OPSET}–${MAX_OPSET})`);
  const gm = as_graph_module(model);
  check_not_prepared(gm);
  check_supported(gm);
  // keep every value: the rows read any node's qparams and shapes
  const interp = new Interpreter(gm, false);
  no_grad(() => interp.run(...args));
  const env = interp.env;
  check_kind(gm, options.dtype ?? 'auto', env);
  const b = new OnnxGraphBuilder();
  const ctx = new ExportContext(b, gm, env, options.dynamic_lstm ?? 'int8', opset);
  const placeholders = [...gm.graph.nodes].filter((n) => n.op === 'placeholder');
  const input_names = placeholders.map((n, i) => options.input_names?.[i] ?? n.name);
  const out_node = [...gm.graph.nodes].find((n) => n.op === 'output');
  if (!out_node) throw new Error('export_onnx: the graph has no output node');
  const leaves = output_leaves(out_node.args[0]);
  const output_names = leaves.map((_, i) => options.output_names?.[i] ?? (i === 0 ? 'output' : `output_${i}`));
  const dyn: DynamicAxes =
    options.dynamic_axes ?? Object.fromEntries([...input_names, ...output_names].map((n) => [n, { 0: 'batch' }]));
  const inputs: ValueInfoProto[] = [];
  placeholders.forEach((n, i) => {
    const t = env.get(n);
    // int64 inputs are embedding indices
    if (!(t instanceof Tensor) || (t.dtype !== 'float32' && t.dtype !== 'int64'))
      throw new OnnxExportError(
        n,
        'graph inputs must be float32 (or int64 index) tensors (pass one example tensor per input)',
      );
    const name = b.reserve(input_names[i], 'input');
    const ints = t.dtype === 'int64';
    inputs.push(value_info(name, t, ints ? DataType.INT64 : DataType.FLOAT, axes_of(dyn, name, t.ndim)));
    ctx.values.set(n, ints ? { kind: 'ints', name } : { kind: 'float', name });
  });
  for (const name of output_names) b.reserve(name, 'output');
  for (const n of gm.graph.nodes) {
    if (n.op === 'placeholder' || n.op === 'output') continue;
    let v: OnnxValue;
    if (n.op === 'get_attr') v = { kind: 'const', value: env.get(n) };
    else {
      const entry = find_entry(n, n.op === 'call_module' ? gm.get_submodule(n.target) : null)!;
      try {
        v = entry.emit(ctx, n);
      } catch (e) {
        if (e instanceof OnnxExportError) throw e;
        throw new OnnxExportError(n, (e as Error).message);
      }
      const rt = env.get(n);
      if (v.kind === 'float' && rt instanceof Tensor && rt.is_quantized) {
        const qp = qparams_of(rt)!;
        v = { kind: 'quant', name: b.quantize(v.name, qp, ctx.hint(n)), qp };
      }
    }
    ctx.values.set(n, v);
  }
  const outputs = leaves.map((n, i) => {
    const v = ctx.values.get(n)!;
    if (v.kind !== 'float' && v.kind !== 'quant') throw new OnnxExportError(n, 'a graph output must be a tensor');
    b.node('Identity', [v.name], [`${output_names[i]}_`], {}, { name: `${output_names[i]}_Identity` });
    // the Identity's output takes the reserved name; rename its hint-made one
    const id = b.nodes[b.nodes.length - 1];
    id.output[0] = output_names[i];
    const t = env.get(n) as Tensor;
    const elem = v.kind === 'float' ? DataType.FLOAT : v.qp.dtype === 'uint8' ? DataType.UINT8 : DataType.INT8;
    return value_info(output_names[i], t, elem, axes_of(dyn, output_names[i], t.ndim));
  });
  const opset_import = [{ domain: '', version: opset }, ...[...b.domains].map((d) => ({ domain: d, version: 1 }))];
  const m: ModelProto = {
    ir_version: ir_version_for(opset),
    opset_import,
    producer_name: 'fxq',
    producer_version: '0.1.0',
    graph: {
      name: gm.constructor.name === 'GraphModule' ? 'fxq_graph' : gm.constructor.name,
      node: b.nodes,
      initializer: b.initializers,
      input: inputs,
      output: outputs,
    },
    ...(options.doc_string ? { doc_string: options.doc_string } : {}),
  };
  check_model(m, 'export_onnx');
  return m;
}

/** torch.onnx.export into bytes: the serialized ONNX model of `model` traced on `args`. */
export function export_onnx_bytes(model: Module, args: Tensor | Tensor[], options: ExportOnnxOptions = {}): Uint8Array {
  return encode_model(export_onnx_model(model, Array.isArray(args) ? args : [args], options));
}
