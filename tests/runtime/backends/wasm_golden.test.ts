/**
 * End to end through fxq's int8 modules on the wasm backend: every Conv2d / Linear of PyTorch's FmnistCNN
 * and FmnistResNet PTQ goldens gives the js backend's output bit for bit (and so PyTorch's), and the
 * FmnistResNet chain reproduces PyTorch's int8 logits.
 */
import { afterAll, describe, expect, it } from 'vitest';
import '../../../index.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { build_module, run_chain } from '../quantized/golden_graph.js';
import { compare_u8, type GraphNode, golden_q, load_golden } from '../quantized/golden_helpers.js';

load_wasm_backend();
afterAll(() => set_backend('js'));

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
    const logits = run_chain(g, [8, 1, 28, 28]);
    const ref = g.t['int8/logits_dequant'].data;
    for (let i = 0; i < ref.length; i++) expect(logits.data[i]).toBeCloseTo(ref[i], 5);
  });
});
