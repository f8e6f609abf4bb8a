/**
 * The weighted layers the PTQ methods work on: call_module nodes of a traced (fused or prepared) GraphModule
 * whose module is an nn.Conv2d / nn.Linear, or a fused float module (ConvReLU2d, LinearReLU, …) holding one as
 * child '0'. QAT modules are left out: their weights train, they are not rounded after the fact.
 */
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import type { Node } from '../../compiler/ir/node.js';
import { Conv2d } from '../../runtime/nn/layers/conv.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { Module } from '../../runtime/nn/module.js';
import type { QConfig } from '../../runtime/quant/qconfig.js';
import { Tensor } from '../../runtime/tensor/tensor.js';

/** One conv or linear layer of the graph. */
export interface WeightedLayer {
  /** Module path (the node's target), e.g. 'layer1.conv1'. */
  path: string;
  node: Node;
  /** The module the graph calls (maybe a fused ConvReLU2d). */
  module: Module;
  /** The Conv2d / Linear holding weight and bias. */
  weighted: Conv2d | Linear;
  kind: 'conv' | 'linear';
  /** The node's qconfig after prepare_fx, from meta.quant (null: kept in float, or not prepared). */
  qconfig: QConfig | null;
}

type Slots = Record<string, unknown>;

function is_qat(m: Module): boolean {
  return (m as unknown as Slots).weight_fake_quant !== undefined;
}

/** The Conv2d / Linear inside `m` (itself or its fused child '0'), or null. */
export function weighted_of(m: Module): Conv2d | Linear | null {
  if (is_qat(m)) return null;
  if (m instanceof Conv2d || m instanceof Linear) return m;
  const first = (m as unknown as Slots)['0'];
  if (first instanceof Module && !is_qat(first) && (first instanceof Conv2d || first instanceof Linear)) return first;
  return null;
}

/** Every conv / linear call_module node of `gm`, in graph order. */
export function weighted_layers(gm: GraphModule): WeightedLayer[] {
  const out: WeightedLayer[] = [];
  for (const node of gm.graph.nodes) {
    if (node.op !== 'call_module') continue;
    const module = gm.get_submodule(node.target);
    const weighted = weighted_of(module);
    if (!weighted) continue;
    // the qconfig convert_fx reads: the one insert_observers put in meta.quant (absent: kept in float)
    const quant = node.meta.quant as { qconfig?: QConfig } | undefined;
    const qconfig = quant?.qconfig ?? null;
    out.push({
      path: node.target,
      node,
      module,
      weighted,
      kind: weighted instanceof Conv2d ? 'conv' : 'linear',
      qconfig,
    });
  }
  return out;
}

/** The float weight of a layer (a Tensor, or an Error naming the path). */
export function weight_of(layer: WeightedLayer): Tensor {
  const w = (layer.weighted as unknown as Slots).weight;
  if (!(w instanceof Tensor)) throw new Error(`ptq: module '${layer.path}' has no float weight tensor`);
  return w;
}

/** The float bias of a layer, or null. */
export function bias_of(layer: WeightedLayer): Tensor | null {
  const b = (layer.weighted as unknown as Slots).bias;
  return b instanceof Tensor ? b : null;
}

/** Sets the layer's bias (creating one for a bias-free conv: BN folding usually gave it one already). */
export function set_bias(layer: WeightedLayer, values: Float32Array): void {
  const b = bias_of(layer);
  if (b) (b.data as Float32Array).set(values);
  else (layer.weighted as unknown as Slots).bias = new Tensor(values, [values.length], 'float32');
}

/** Conv geometry with numeric padding ('valid' → 0, 'same' → half the dilated kernel). */
export function conv_geometry(c: Conv2d): {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
} {
  const [, , kh, kw] = (c.weight as Tensor).shape;
  const p = c.padding;
  const padding: [number, number] =
    p === 'valid'
      ? [0, 0]
      : p === 'same'
        ? [Math.floor((c.dilation[0] * (kh - 1)) / 2), Math.floor((c.dilation[1] * (kw - 1)) / 2)]
        : p;
  return { stride: c.stride, padding, dilation: c.dilation, groups: c.groups };
}
