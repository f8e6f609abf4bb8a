/**
 * Gathers the report's per-layer sections from a float model and its int8 GraphModule: per-layer SQNR
 * (numeric suite over the given batches), the quantized graph's SVG coloured by it, and histograms —
 * float weights against the int8 weight's representable range, and float activations (first batch)
 * against the int8 output's range, so clipping shows as mass beyond the dashed lines.
 */
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { no_grad } from '../../runtime/autograd/grad_mode.js';
import type { Module } from '../../runtime/nn/module.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { add_loggers, extract_weights, OutputLogger } from '../numeric_suite/_numeric_suite_fx.js';
import { compare_layers, type LayerComparison } from '../numeric_suite/layer_report.js';
import { float_values } from '../numeric_suite/metrics.js';
import { graph_svg } from './graph_svg.js';
import type { ReportHistogram, ReportLayer } from './html.js';
import { histogram } from './svg_charts.js';

/** The integer range of a quantized dtype. */
function int_range(dtype: string): [number, number] {
  if (dtype === 'qint8') return [-128, 127];
  if (dtype === 'qint32') return [-(2 ** 31), 2 ** 31 - 1];
  return [0, 255];
}

/** [min, max] a quantized tensor can represent (the union over channels when per channel). */
export function clip_range(t: Tensor): [number, number] | undefined {
  const q = t.quantizer;
  if (!t.is_quantized || !q) return undefined;
  const [lo, hi] = int_range(t.dtype);
  if (q.kind === 'per_tensor') return [(lo - q.zero_point) * q.scale, (hi - q.zero_point) * q.scale];
  let a = Infinity;
  let b = -Infinity;
  q.scales.forEach((s, i) => {
    a = Math.min(a, (lo - q.zero_points[i]) * s);
    b = Math.max(b, (hi - q.zero_points[i]) * s);
  });
  return [a, b];
}

/** The per-layer part of a report. */
export interface LayerSections {
  comparisons: LayerComparison[];
  layers: ReportLayer[];
  graph_svg: string;
  histograms: ReportHistogram[];
}

/** Compares the models over `batches` and builds the graph, layer and histogram sections. */
export async function collect_layer_sections(
  float_model: Module,
  quantized: GraphModule,
  batches: unknown[][],
  options: { on_batch?: (done: number) => void; bins?: number } = {},
): Promise<LayerSections> {
  const comparisons = compare_layers(float_model, quantized, batches, { on_batch: options.on_batch });
  const sqnr = new Map(comparisons.map((c) => [c.node, c.sqnr]));
  const svg = await graph_svg(quantized.graph, sqnr, quantized.class_name);
  const layers: ReportLayer[] = comparisons.map((c) => ({
    name: c.layer,
    sqnr: c.sqnr,
    ...(c.weight_sqnr !== undefined ? { weight_sqnr: c.weight_sqnr } : {}),
    ...(c.scale !== undefined ? { scale: c.scale, zero_point: c.zero_point } : {}),
  }));
  const bins = options.bins ?? 48;
  const histograms: ReportHistogram[] = [];
  for (const [layer, r] of Object.entries(extract_weights('float', float_model, 'quantized', quantized))) {
    const f = r.weight.float[0].values[0];
    const q = r.weight.quantized[0].values[0];
    histograms.push({ name: layer, kind: 'weight', data: histogram(float_values(f), bins), clip: clip_range(q) });
  }
  if (batches.length) {
    const [a, b] = add_loggers('float', float_model, 'quantized', quantized);
    no_grad(() => {
      a.call(...batches[0]);
      b.call(...batches[0]);
    });
    const qlog = new Map(
      [...b.modules()].filter((m): m is OutputLogger => m instanceof OutputLogger).map((l) => [l.ref_name, l]),
    );
    for (const l of [...a.modules()].filter((m): m is OutputLogger => m instanceof OutputLogger)) {
      const x = l.stats[0];
      const y = qlog.get(l.ref_name)?.stats[0];
      if (!x || !y?.is_quantized) continue;
      histograms.push({
        name: l.ref_name,
        kind: 'activation',
        data: histogram(float_values(x), bins),
        clip: clip_range(y),
      });
    }
  }
  return { comparisons, layers, graph_svg: svg, histograms };
}
