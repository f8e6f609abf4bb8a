/** Helpers of the FmnistViT static PTQ golden test: torch's node rows, torch's qparams applied to a converted model. */
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import type { Node } from '../../compiler/ir/node.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';

/** A node of the golden's graph_nodes. */
export interface GoldenNode {
  name: string;
  op: string;
  target: string;
  module_type?: string;
  value?: number | object;
  out_dtype?: string | null;
  out?: { key: string; scale: number; zero_point: number; shape: number[] };
}

/** `op name` rows of a graph, fxq's Tensor.index (x[…]) written as torch's call_function getitem. */
export function golden_rows(nodes: readonly Node[]): string[] {
  return nodes.map((n) => `${n.op === 'call_method' && n.target === 'index' ? 'call_function' : n.op} ${n.name}`);
}

/** True for a quantized tensor. */
export function is_int8(v: unknown): boolean {
  return (v as Tensor | undefined)?.is_quantized === true;
}

type QModule = { scale: number; zero_point: number };

/**
 * Sets every activation qparam of `q` to torch's: the qparam buffers (named as torch names them) and the output
 * scale / zero point of the int8 modules (Conv2d, Linear, LayerNorm).
 */
export function apply_golden_qparams(q: GraphModule, json: Record<string, unknown>): void {
  const sd = q.state_dict();
  for (const g of json.graph_nodes as GoldenNode[]) {
    if (g.op !== 'get_attr' || typeof g.value !== 'number') continue;
    const buf = sd[g.target];
    if (!buf) throw new Error(`apply_golden_qparams: the converted model has no buffer '${g.target}'`);
    (buf.data as Float32Array | Int32Array)[0] = g.value; // int64 buffers hold numbers in fxq
  }
  const mods = {
    ...(json.quantized_weighted_modules as Record<string, { out_scale: number; out_zero_point: number }>),
    ...(json.quantized_layer_norms as Record<string, { out_scale: number; out_zero_point: number }>),
  };
  for (const [name, meta] of Object.entries(mods)) {
    const m = q.get_submodule(name) as unknown as QModule;
    m.scale = meta.out_scale;
    m.zero_point = meta.out_zero_point;
  }
}
