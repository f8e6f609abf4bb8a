/**
 * Shared by the golden PTQ tests (js and wasm backends): rebuild each node of a PyTorch int8 graph golden
 * with fxq's int8 modules / ops, and chain them end to end.
 */
import * as Q from '../../../runtime/quantized/index.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { type Golden, type GraphNode, golden_q } from './golden_helpers.js';

/** A PyTorch int8 module rebuilt from the golden's int8 weight, qparams and float bias. */
export function build_module(g: Golden, node: GraphNode) {
  const meta = g.json.quantized_weighted_modules[node.target] as Record<string, number[] | number>;
  const p = `module/${node.target}/`;
  const w8 = g.t[`${p}weight_int8`];
  const w = new Tensor(w8.data, w8.shape, 'qint8');
  w.quantizer = {
    kind: 'per_tensor',
    scale: g.t[`${p}weight_scale`].data[0],
    zero_point: g.t[`${p}weight_zero_point`].data[0],
  };
  const bias = g.t[`${p}bias_fp32`] ?? null;
  const scale = g.t[`${p}out_scale`].data[0];
  const zp = g.t[`${p}out_zero_point`].data[0];
  const relu = node.module_type?.includes('ReLU') ?? false;
  if (meta.kernel_size) {
    const Cls = relu ? Q.ConvReLU2d : Q.Conv2d;
    const m = new Cls(meta.in_channels as number, meta.out_channels as number, meta.kernel_size as [number, number], {
      stride: meta.stride as [number, number],
      padding: meta.padding as [number, number],
      dilation: meta.dilation as [number, number],
      groups: meta.groups as number,
      bias: bias !== null,
    });
    m.set_weight_bias(w, bias);
    m.scale = scale;
    m.zero_point = zp;
    return m;
  }
  return (relu ? Q.LinearReLU : Q.Linear).from_reference(w, bias, scale, zp);
}

/** Runs one graph node on the given quantized inputs with fxq's int8 modules / ops (current backend). */
export function run_node(g: Golden, node: GraphNode, args: Tensor[]): Tensor {
  if (node.weighted) return build_module(g, node).forward(args[0]);
  const t = node.module_type ?? node.target;
  const out = node.out as NonNullable<GraphNode['out']>;
  if (t.endsWith('MaxPool2d'))
    return Q.max_pool2d(args[0], node.kernel_size as number, { stride: node.stride, padding: node.padding });
  if (t.endsWith('AdaptiveAvgPool2d')) return Q.adaptive_avg_pool2d(args[0], node.output_size as number);
  if (t === 'add_relu') return Q.add_relu(args[0], args[1], out.scale, out.zero_point);
  if (t === 'flatten') return Q.flatten(args[0], 1);
  throw new Error(`no rule for ${node.name} (${t})`);
}

/**
 * Chains every node from PyTorch's quantized input ([input_shape]) through our own outputs and returns
 * the dequantized last output (the logits), so errors compound exactly as in a real run.
 */
export function run_chain(g: Golden, input_shape: number[]): Tensor {
  const vals = new Map<string, Tensor>();
  vals.set('quantize_per_tensor', golden_q(g, 'node/quantize_per_tensor', input_shape));
  let last: Tensor | null = null;
  for (const node of g.json.graph_nodes) {
    if (!node.out || node.target === 'quantize_per_tensor') continue;
    const ins = node.args.filter((a) => vals.has(a as string)).map((a) => vals.get(a as string) as Tensor);
    last = run_node(g, node, ins);
    vals.set(node.name, last);
  }
  if (!last) throw new Error('run_chain: the golden graph has no node after quantize_per_tensor');
  return last.dequantize();
}
