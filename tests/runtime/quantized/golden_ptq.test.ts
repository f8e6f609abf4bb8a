/**
 * Every int8 module / op of PyTorch's FmnistCNN and FmnistResNet (per-tensor qnnpack PTQ) rebuilt from
 * PyTorch's int8 weights, weight qparams, float bias and output qparams, fed PyTorch's own int8 input,
 * must reproduce PyTorch's int8 output: ≥ 99.9% exact, never off by more than 1.
 */
import { describe, expect, it } from 'vitest';
import '../../../index.js';
import { run_chain, run_node } from './golden_graph.js';
import { compare_u8, type GraphNode, golden_q, load_golden } from './golden_helpers.js';

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
    const logits = run_chain(g, [8, 1, 28, 28]);
    const ref = g.t['int8/logits_dequant'].data;
    for (let i = 0; i < ref.length; i++) expect(logits.data[i]).toBeCloseTo(ref[i], 5);
  });
});
