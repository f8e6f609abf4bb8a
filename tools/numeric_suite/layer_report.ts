/**
 * Per-layer comparison over a whole data set without keeping every activation: add_loggers once, then
 * per batch run both logged models, fold each layer's outputs into running sums (MetricAccumulator) and
 * drop them — so "SQNR over 2000 images" is one ratio over all elements, as the reference computes it.
 * Also the weight SQNR of weighted layers and each int8 layer's output qparams.
 */
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { no_grad } from '../../runtime/autograd/grad_mode.js';
import type { Module } from '../../runtime/nn/module.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { fmt } from '../report/svg_charts.js';
import { add_loggers, as_float_graph, extract_weights, OutputLogger } from './_numeric_suite_fx.js';
import { compute_sqnr, MetricAccumulator } from './metrics.js';

/** One matched layer's figures. */
export interface LayerComparison {
  /** Reference name (module path, or the float node for functions such as add+relu). */
  layer: string;
  /** Node name in the quantized graph and what it runs. */
  node: string;
  type: string;
  sqnr: number;
  normalized_l2_error: number;
  cosine_similarity: number;
  weight_sqnr?: number;
  /** Output qparams of a quantized output. */
  scale?: number;
  zero_point?: number;
}

function qparams(t: Tensor | undefined): { scale?: number; zero_point?: number } {
  if (!t?.is_quantized || t.quantizer?.kind !== 'per_tensor') return {};
  return { scale: t.q_scale(), zero_point: t.q_zero_point() };
}

/**
 * Compares every matched layer of `float_model` (fused if not a GraphModule) and `quantized` over
 * `batches` (each an argument list for forward). `on_batch` reports progress.
 */
export function compare_layers(
  float_model: Module,
  quantized: GraphModule,
  batches: Iterable<unknown[]>,
  options: { on_batch?: (done: number) => void } = {},
): LayerComparison[] {
  const [a, b] = add_loggers('float', float_model, 'quantized', quantized);
  const la = [...a.modules()].filter((m): m is OutputLogger => m instanceof OutputLogger);
  const lb = new Map(
    [...b.modules()].filter((m): m is OutputLogger => m instanceof OutputLogger).map((l) => [l.ref_name, l]),
  );
  const acc = new Map<string, MetricAccumulator>();
  const meta = new Map<string, { node: string; type: string; scale?: number; zero_point?: number }>();
  let done = 0;
  no_grad(() => {
    for (const args of batches) {
      a.call(...args);
      b.call(...args);
      for (const l of la) {
        const other = lb.get(l.ref_name);
        if (!other) continue;
        const m = acc.get(l.ref_name) ?? new MetricAccumulator();
        acc.set(l.ref_name, m);
        for (const [i, x] of l.stats.entries()) m.add(x, other.stats[i]);
        if (!meta.has(l.ref_name))
          meta.set(l.ref_name, {
            node: other.prev_node_name,
            type: other.prev_node_target_type,
            ...qparams(other.stats[0]),
          });
        l.stats = [];
        other.stats = [];
      }
      options.on_batch?.(++done);
    }
  });
  const wsq = new Map<string, number>();
  for (const [layer, r] of Object.entries(
    extract_weights('float', as_float_graph(float_model), 'quantized', quantized),
  )) {
    const w = r.weight;
    wsq.set(layer, compute_sqnr(w.float[0].values[0], w.quantized[0].values[0]));
  }
  return [...acc.entries()].map(([layer, m]) => {
    const info = meta.get(layer) ?? { node: layer, type: '' };
    return {
      layer,
      node: info.node,
      type: info.type,
      sqnr: m.sqnr(),
      normalized_l2_error: m.normalized_l2_error(),
      cosine_similarity: m.cosine_similarity(),
      ...(wsq.has(layer) ? { weight_sqnr: wsq.get(layer) } : {}),
      ...(info.scale !== undefined ? { scale: info.scale, zero_point: info.zero_point } : {}),
    };
  });
}

/** The comparison as a Markdown table. */
export function format_layer_table(rows: readonly LayerComparison[]): string {
  return [
    '| layer | node | type | act SQNR dB | weight SQNR dB | norm. L2 err | cosine | out scale | out zp |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.layer} | ${r.node} | ${r.type} | ${fmt(r.sqnr)} | ${r.weight_sqnr === undefined ? '' : fmt(r.weight_sqnr)} | ${fmt(r.normalized_l2_error, 4)} | ${fmt(r.cosine_similarity, 5)} | ${r.scale === undefined ? '' : fmt(r.scale, 6)} | ${r.zero_point ?? ''} |`,
    ),
  ].join('\n');
}
