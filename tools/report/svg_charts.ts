/**
 * Small dependency-free SVG charts for the numeric suite and the HTML report: a horizontal bar chart
 * (per-layer SQNR, sensitivity accuracy drops) and a histogram with clipping-range markers. Every
 * label goes through xml_escape, so layer names cannot break the markup.
 */

/** Escapes text for XML content and attribute values. */
export function xml_escape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number with at most `digits` decimals, no trailing zeros ("-0" shown as "0"). */
export function fmt(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : v < 0 ? '-∞' : 'NaN';
  const s = Number(v.toFixed(digits)).toString();
  return s === '-0' ? '0' : s;
}

/** One bar of a bar chart. */
export interface Bar {
  label: string;
  value: number;
  /** Fill colour; default by sign (teal ≥ 0, red < 0). */
  color?: string;
}

/** Options of bar_chart. */
export interface BarChartOptions {
  title: string;
  /** Unit shown after values (e.g. "dB", "pp"). */
  unit?: string;
  width?: number;
  /** Value of the chart's id attribute (the report's tests look charts up by id). */
  id?: string;
  digits?: number;
}

/**
 * A horizontal bar chart, one row a bar, with a zero line: negative values extend left, so accuracy
 * drops and gains read at a glance. Non-finite values (SQNR of an exact layer) are drawn at the axis end.
 */
export function bar_chart(bars: readonly Bar[], options: BarChartOptions): string {
  const width = options.width ?? 640;
  const row = 22;
  const label_w = Math.min(260, 12 + 7 * Math.max(4, ...bars.map((b) => b.label.length)));
  const value_w = 70;
  const top = 34;
  const height = top + row * bars.length + 16;
  const plot_w = width - label_w - value_w - 10;
  const finite = bars.map((b) => b.value).filter(Number.isFinite);
  const lo = Math.min(0, ...finite);
  const hi = Math.max(0, ...finite);
  const span = hi - lo || 1;
  const x_of = (v: number): number => label_w + ((Math.min(hi, Math.max(lo, v)) - lo) / span) * plot_w;
  const zero = x_of(0);
  const unit = options.unit ? ` ${options.unit}` : '';
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="fxq-chart fxq-bar-chart"${options.id ? ` id="${xml_escape(options.id)}"` : ''} width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-weight="bold">${xml_escape(options.title)}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * row;
    const v = Number.isFinite(b.value) ? b.value : b.value > 0 ? hi : lo;
    const x0 = Math.min(zero, x_of(v));
    const w = Math.max(1, Math.abs(x_of(v) - zero));
    const color = b.color ?? (b.value >= 0 ? '#2a9d8f' : '#e76f51');
    out.push(
      `<g class="bar" data-label="${xml_escape(b.label)}" data-value="${b.value}">`,
      `<title>${xml_escape(`${b.label}: ${fmt(b.value, options.digits ?? 2)}${unit}`)}</title>`,
      `<text x="${label_w - 6}" y="${y + 15}" text-anchor="end">${xml_escape(b.label)}</text>`,
      `<rect x="${x0.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 6}" fill="${color}"/>`,
      `<text x="${label_w + plot_w + 6}" y="${y + 15}">${xml_escape(fmt(b.value, options.digits ?? 2) + unit)}</text>`,
      '</g>',
    );
  });
  out.push(
    `<line x1="${zero.toFixed(1)}" y1="${top - 4}" x2="${zero.toFixed(1)}" y2="${top + row * bars.length}" stroke="#333"/>`,
    '</svg>',
  );
  return out.join('\n');
}

/** A histogram: bin edges (counts.length + 1 of them) and counts. */
export interface HistogramData {
  edges: number[];
  counts: number[];
}

/** Bins `values` into `bins` equal-width bins over [min, max] of the data. */
export function histogram(values: ArrayLike<number>, bins = 64): HistogramData {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(values.length > 0)) return { edges: [0, 1], counts: [0] };
  if (hi === lo) hi = lo + 1;
  const w = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.floor((values[i] - lo) / w))]++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * w), counts };
}

/** Options of histogram_chart. */
export interface HistogramChartOptions {
  title: string;
  /** The quantization clipping range [min, max] drawn as two dashed lines. */
  clip?: [number, number];
  width?: number;
  height?: number;
  id?: string;
}

/** An SVG histogram (square-root count scale, so the tails stay visible) with the clipping range marked. */
export function histogram_chart(h: HistogramData, options: HistogramChartOptions): string {
  const width = options.width ?? 320;
  const height = options.height ?? 160;
  const pad_l = 8;
  const pad_r = 8;
  const top = 24;
  const bottom = 22;
  const lo = Math.min(h.edges[0], options.clip?.[0] ?? Infinity);
  const hi = Math.max(h.edges[h.edges.length - 1], options.clip?.[1] ?? -Infinity);
  const span = hi - lo || 1;
  const plot_w = width - pad_l - pad_r;
  const plot_h = height - top - bottom;
  const x_of = (v: number): number => pad_l + ((v - lo) / span) * plot_w;
  const max_c = Math.sqrt(Math.max(1, ...h.counts));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="fxq-chart fxq-histogram"${options.id ? ` id="${xml_escape(options.id)}"` : ''} width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<text x="${width / 2}" y="14" text-anchor="middle" font-weight="bold">${xml_escape(options.title)}</text>`,
  ];
  h.counts.forEach((c, i) => {
    if (c === 0) return;
    const x0 = x_of(h.edges[i]);
    const x1 = x_of(h.edges[i + 1]);
    const bh = (Math.sqrt(c) / max_c) * plot_h;
    out.push(
      `<rect class="bin" x="${x0.toFixed(2)}" y="${(top + plot_h - bh).toFixed(2)}" width="${Math.max(0.5, x1 - x0).toFixed(2)}" height="${bh.toFixed(2)}" fill="#457b9d"><title>[${fmt(h.edges[i], 4)}, ${fmt(h.edges[i + 1], 4)}): ${c}</title></rect>`,
    );
  });
  out.push(`<line x1="${pad_l}" y1="${top + plot_h}" x2="${width - pad_r}" y2="${top + plot_h}" stroke="#333"/>`);
  if (options.clip) {
    for (const v of options.clip)
      out.push(
        `<line class="clip" x1="${x_of(v).toFixed(2)}" y1="${top}" x2="${x_of(v).toFixed(2)}" y2="${top + plot_h}" stroke="#d62828" stroke-dasharray="4 2"/>`,
      );
  }
  const label = options.clip ? `clip [${fmt(options.clip[0], 3)}, ${fmt(options.clip[1], 3)}]` : '';
  out.push(
    `<text x="${pad_l}" y="${height - 6}">${xml_escape(fmt(lo, 3))}</text>`,
    `<text x="${width / 2}" y="${height - 6}" text-anchor="middle" fill="#d62828">${xml_escape(label)}</text>`,
    `<text x="${width - pad_r}" y="${height - 6}" text-anchor="end">${xml_escape(fmt(hi, 3))}</text>`,
    '</svg>',
  );
  return out.join('\n');
}

/** A colour from red (≤ lo dB) through yellow to green (≥ hi dB) for an SQNR value. */
export function sqnr_color(db: number, lo = 15, hi = 45): string {
  if (!Number.isFinite(db)) return db > 0 ? '#52b788' : '#d62828';
  const t = Math.min(1, Math.max(0, (db - lo) / (hi - lo)));
  // hue 0 (red) → 120 (green), light enough for black text
  return `hsl(${Math.round(120 * t)}, 70%, 72%)`;
}
