/**
 * End to end through fxq's int8 modules on the wasm backend: every Conv2d / Linear of PyTorch's FmnistCNN
 * and FmnistResNet PTQ goldens gives the js backend's output bit for bit (and so PyTorch's), and the
 * FmnistResNet chain reproduces PyTorch's int8 logits.
 */
import { afterAll, describe, expect, it } from 'vitest';
import '../../../index.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import * as Q from '../../../runtime/quantized/index.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { compare_u8, type Golden, type GraphNode, golden_q, load_golden } from '../quantized/golden_helpers.js';

load_wasm_backend();
afterAll(() => set_backend('js'));

/** A PyTorch int8 module rebuilt from the golden's int8 weight, qparams and float bias. */
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
    const m = new (relu ? Q.ConvReLU2d : Q.Conv2d)(
      meta.in_channels as number,
      meta.out_channels as number,
      meta.kernel_size as [number, number],
      {
        stride: meta.stride as [number, number],
        padding: meta.padding as [number, number],
        dilation: meta.dilation as [number, number],
        groups: meta.groups as number,
        bias: bias !== null,
      },
    );
    m.set_weight_bias(w, bias);
    m.scale = scale;
    m.zero_point = zp;
    return m;
  }
  return (relu ? Q.LinearReLU : Q.Linear).from_reference(w, bias, scale, zp);
}

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

function check_weighted(name: string, min_nodes: number): void {
  const g = load_golden(name);
  const by_name = new Map(g.json.graph_nodes.map((n) => [n.name, n]));
  let checked = 0;
  for (const node of g.json.graph_nodes) {
    if (!node.weighted || !node.out) continue;
    const producer = by_name.get(node.args[0] as string) as GraphNode;
    const x = golden_q(g, producer.out?.key as string, producer.out?.shape);
    set_backend('js');
    const js = build_module(g, node).forward(x);
    set_backend('wasm');
    const wasm = build_module(g, node).forward(x);
    expect(get_backend().name).toBe('wasm');
    expect(wasm.shape).toEqual(js.shape);
    expect(compare_u8(wasm.data, js.data).exact, `${name} ${node.name}: wasm vs js`).toBe(1);
    const ref = golden_q(g, node.out.key, node.out.shape);
    const { exact, max_diff } = compare_u8(wasm.data, ref.data);
    expect(exact, `${name} ${node.name}: wasm vs PyTorch`).toBeGreaterThanOrEqual(0.999);
    expect(max_diff).toBeLessThanOrEqual(1);
    checked++;
  }
  expect(checked).toBeGreaterThanOrEqual(min_nodes);
}

describe('golden PTQ on the wasm backend', () => {
  it('FmnistCNN: conv1, conv2, fc1, fc2 equal the js backend bit for bit', () => check_weighted('fmnist_cnn_ptq', 4));

  it('FmnistResNet: every conv and the fc equal the js backend bit for bit', () =>
    check_weighted('fmnist_resnet_ptq', 10));

  it('FmnistResNet end to end on wasm gives PyTorch int8 logits', () => {
    set_backend('wasm');
    const g = load_golden('fmnist_resnet_ptq');
    const vals = new Map<string, Tensor>();
    vals.set('quantize_per_tensor', golden_q(g, 'node/quantize_per_tensor', [8, 1, 28, 28]));
    let last: Tensor | null = null;
    for (const node of g.json.graph_nodes) {
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
