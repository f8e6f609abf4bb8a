/**
 * The self-contained HTML report (`fxq report`): one file with inline CSS and inline SVG only — no
 * scripts, fonts or images from the network — so it opens the same offline, in CI artefacts, and in
 * a headless browser. Sections: summary (accuracy/size/latency), graph coloured by per-layer SQNR,
 * per-layer SQNR chart and table, sensitivity chart, weight/activation histograms with clipping ranges.
 */
import { bar_chart, fmt, type HistogramData, histogram_chart, sqnr_color, xml_escape } from './svg_charts.js';

/** One layer's numeric-suite figures. */
export interface ReportLayer {
  name: string;
  /** Activation SQNR (dB) of the quantized layer output vs float. */
  sqnr: number;
  weight_sqnr?: number;
  scale?: number;
  zero_point?: number;
}

/** One row of a sensitivity analysis. */
export interface ReportSensitivityRow {
  layer: string;
  accuracy: number;
  /** Accuracy change vs the baseline, in percentage points (negative = worse). */
  delta_pp: number;
}

/** A histogram of one tensor with its quantization clipping range. */
export interface ReportHistogram {
  name: string;
  kind: 'weight' | 'activation';
  data: HistogramData;
  clip?: [number, number];
}

/** A row of the summary table. */
export interface ReportSummaryRow {
  metric: string;
  fp32: string;
  int8: string;
  note?: string;
}

/** Everything the report shows; each section is omitted when its data is absent. */
export interface ReportData {
  title: string;
  subtitle?: string;
  summary?: ReportSummaryRow[];
  /** Inline SVG of the graph (tools/report/graph_svg.ts graph_svg). */
  graph_svg?: string;
  layers?: ReportLayer[];
  sensitivity?: { mode: string; baseline: number; rows: ReportSensitivityRow[] };
  histograms?: ReportHistogram[];
}

const CSS = `
body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222; max-width: 1200px; }
h1 { margin-bottom: 4px; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 32px; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.graph { overflow: auto; max-height: 900px; border: 1px solid #ddd; }
.hists { display: flex; flex-wrap: wrap; gap: 8px; }
.legend span { display: inline-block; padding: 2px 8px; margin-right: 4px; }
.muted { color: #666; }
`;

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${xml_escape(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${xml_escape(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function legend(): string {
  const stops = [15, 25, 35, 45];
  return `<p class="legend">SQNR: ${stops.map((d) => `<span style="background:${sqnr_color(d)}">${d} dB</span>`).join('')} (uncoloured: not compared)</p>`;
}

/** The report as one HTML string. */
export function build_report_html(data: ReportData): string {
  const parts: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // no network: an explicit CSP so a stray reference could not load anything either
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${xml_escape(data.title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${xml_escape(data.title)}</h1>`,
  ];
  if (data.subtitle) parts.push(`<p class="muted">${xml_escape(data.subtitle)}</p>`);
  if (data.summary?.length) {
    parts.push('<section id="summary"><h2>Summary</h2>');
    parts.push(
      table(
        ['metric', 'fp32', 'int8', 'note'],
        data.summary.map((r) => [r.metric, r.fp32, r.int8, r.note ?? '']),
      ),
    );
    parts.push('</section>');
  }
  if (data.graph_svg) {
    parts.push('<section id="graph"><h2>Quantized graph, coloured by per-layer SQNR</h2>', legend());
    parts.push(`<div class="graph">${data.graph_svg}</div></section>`);
  }
  if (data.layers?.length) {
    parts.push('<section id="layers"><h2>Per-layer SQNR (quantized vs float)</h2>');
    parts.push(
      bar_chart(
        data.layers.map((l) => ({ label: l.name, value: l.sqnr, color: sqnr_color(l.sqnr) })),
        { title: 'activation SQNR', unit: 'dB', id: 'sqnr-chart' },
      ),
    );
    parts.push(
      table(
        ['layer', 'act SQNR dB', 'weight SQNR dB', 'out scale', 'out zp'],
        data.layers.map((l) => [
          l.name,
          fmt(l.sqnr),
          l.weight_sqnr === undefined ? '' : fmt(l.weight_sqnr),
          l.scale === undefined ? '' : fmt(l.scale, 6),
          l.zero_point === undefined ? '' : String(l.zero_point),
        ]),
      ),
    );
    parts.push('</section>');
  }
  if (data.sensitivity?.rows.length) {
    const s = data.sensitivity;
    parts.push(
      `<section id="sensitivity"><h2>Sensitivity (${xml_escape(s.mode)})</h2>`,
      `<p>baseline accuracy ${fmt(100 * s.baseline)}%; bars = accuracy change in percentage points, worst first</p>`,
    );
    parts.push(
      bar_chart(
        s.rows.map((r) => ({ label: r.layer, value: r.delta_pp })),
        { title: 'accuracy change vs baseline', unit: 'pp', id: 'sensitivity-chart' },
      ),
    );
    parts.push(
      table(
        ['layer', 'accuracy', 'Δ pp'],
        s.rows.map((r) => [r.layer, `${fmt(100 * r.accuracy)}%`, fmt(r.delta_pp)]),
      ),
      '</section>',
    );
  }
  if (data.histograms?.length) {
    parts.push('<section id="histograms"><h2>Weight and activation histograms (dashed: clipping range)</h2>');
    for (const kind of ['weight', 'activation'] as const) {
      const hs = data.histograms.filter((h) => h.kind === kind);
      if (!hs.length) continue;
      parts.push(`<h3>${kind}s</h3><div class="hists">`);
      for (const h of hs)
        parts.push(
          histogram_chart(h.data, { title: `${h.name} (${kind})`, clip: h.clip, id: `hist-${kind}-${h.name}` }),
        );
      parts.push('</div>');
    }
    parts.push('</section>');
  }
  parts.push('</body></html>');
  return parts.join('\n');
}
