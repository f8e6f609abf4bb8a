/**
 * Every int8 module / op of PyTorch's FmnistCNN and FmnistResNet (per-tensor qnnpack PTQ) rebuilt from
 * PyTorch's int8 weights, weight qparams, float bias and output qparams, fed PyTorch's own int8 input,
 * must reproduce PyTorch's int8 output: ≥ 99.9% exact, never off by more than 1.
 */
import { describe, expect, it } from 'vitest';
import '../../../index.js';
import * as Q from '../../../runtime/quantized/index.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { compare_u8, type Golden, type GraphNode, golden_q, load_golden } from './golden_helpers.js';

function build_module(g: Golden, node: GraphNode) {
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

/** Runs one graph node on the given quantized inputs with fxq's int8 modules / ops. */
function run_node(g: Golden, node: GraphNode, args: Tensor[]): Tensor {
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

function check_model(name: string, min_nodes: number) {
  const g = load_golden(name);
  const nodes = g.json.graph_nodes;
  const by_name = new Map(nodes.map((n) => [n.name, n]));
  const key_of = (arg: unknown) => by_name.get(arg as string)?.out?.key;
  const rows: string[] = [];
  let checked = 0;
  for (const node of nodes) {
    if (!node.out || node.target === 'quantize_per_tensor') continue;
    const ins = node.args
      .filter((a) => key_of(a))
      .map((a) => {
        const producer = by_name.get(a as string) as GraphNode;
        return golden_q(g, producer.out?.key as string, producer.out?.shape);
      });
    const y = run_node(g, node, ins);
    const ref = golden_q(g, node.out.key, node.out.shape);
    expect(y.shape).toEqual(ref.shape);
    expect(y.q_scale()).toBe(ref.q_scale());
    expect(y.q_zero_point()).toBe(ref.q_zero_point());
    const { exact, max_diff } = compare_u8(y.data, ref.data);
    rows.push(
      `${name} ${node.name.padEnd(22)} ${String(ref.numel()).padStart(7)} values  exact ${(exact * 100).toFixed(3)}%  max|Δ| ${max_diff}`,
    );
    expect(exact, `${node.target}`).toBeGreaterThanOrEqual(0.999);
    expect(max_diff, `${node.target}`).toBeLessThanOrEqual(1);
    checked++;
  }
  console.log(rows.join('\n'));
  expect(checked).toBeGreaterThanOrEqual(min_nodes);
  return g;
}

describe('golden: PyTorch per-tensor qnnpack PTQ', () => {
  it('FmnistCNN: conv1, pool1, conv2, pool2, flatten, fc1, fc2 match PyTorch int8 outputs', () => {
    check_model('fmnist_cnn_ptq', 7);
  });

  it('FmnistResNet: every conv, add_relu, avgpool, flatten and fc match PyTorch int8 outputs', () => {
    check_model('fmnist_resnet_ptq', 15);
  });

  it('FmnistResNet end to end: chaining our own outputs gives PyTorch int8 logits', () => {
    const g = load_golden('fmnist_resnet_ptq');
    const nodes = g.json.graph_nodes;
    const vals = new Map<string, Tensor>();
    vals.set('quantize_per_tensor', golden_q(g, 'node/quantize_per_tensor', [8, 1, 28, 28]));
    let last: Tensor | null = null;
    for (const node of nodes) {
      if (!node.out || node.target === 'quantize_per_tensor') continue;
      const ins = node.args.filter((a) => vals.has(a as string)).map((a) => vals.get(a as string) as Tensor);
      last = run_node(g, node, ins);
      vals.set(node.name, last);
    }
    const logits = (last as Tensor).dequantize();
    const ref = g.t['int8/logits_dequant'].data;
    for (let i = 0; i < ref.length; i++) expect(logits.data[i]).toBeCloseTo(ref[i], 5);
  });
});
