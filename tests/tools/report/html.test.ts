// The report's HTML and SVG builders: escaping, sections, chart geometry, SQNR colouring of a Graphviz SVG.
import { describe, expect, it } from 'vitest';
import { symbolic_trace } from '../../../compiler/trace/symbolic_trace.js';
import { color_graph_svg, graph_svg } from '../../../tools/report/graph_svg.js';
import { build_report_html } from '../../../tools/report/html.js';
import {
  bar_chart,
  fmt,
  histogram,
  histogram_chart,
  sqnr_color,
  xml_escape,
} from '../../../tools/report/svg_charts.js';
import create from '../../cli/fixtures/tiny_cnn.js';

describe('svg charts', () => {
  it('escape names and format numbers', () => {
    expect(xml_escape(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    expect(fmt(-0.0001)).toBe('0');
    expect(fmt(Infinity)).toBe('∞');
    expect(fmt(1.23456, 3)).toBe('1.235');
  });

  it('bar_chart draws one bar per value, negative ones left of the zero line', () => {
    const svg = bar_chart(
      [
        { label: 'a<b', value: -2 },
        { label: 'c', value: 1 },
      ],
      { title: 't', unit: 'pp', id: 'c1' },
    );
    expect(svg.match(/<g class="bar"/g)?.length).toBe(2);
    expect(svg).toContain('data-label="a&lt;b"');
    const zero = Number(/<line x1="([\d.]+)"/.exec(svg)?.[1]);
    const rects = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(rects[0][0] + rects[0][1]).toBeCloseTo(zero, 0); // the negative bar ends at zero
    expect(rects[1][0]).toBeCloseTo(zero, 0); // the positive bar starts there
    expect(rects[0][1]).toBeCloseTo(2 * rects[1][1], 0);
  });

  it('histogram bins all values and histogram_chart marks the clipping range', () => {
    const h = histogram([0, 1, 2, 3, 4, 4], 4);
    expect(h.counts).toEqual([1, 1, 1, 3]);
    expect(h.edges).toEqual([0, 1, 2, 3, 4]);
    const svg = histogram_chart(h, { title: 'w', clip: [-1, 5] });
    expect(svg.match(/class="clip"/g)?.length).toBe(2);
    expect(svg.match(/class="bin"/g)?.length).toBe(4);
  });

  it('sqnr_color runs from red to green', () => {
    expect(sqnr_color(10)).toBe('hsl(0, 70%, 72%)');
    expect(sqnr_color(50)).toBe('hsl(120, 70%, 72%)');
  });
});

describe('report html', () => {
  it('colours graph nodes by SQNR in the Graphviz SVG', async () => {
    const gm = symbolic_trace(create());
    const svg = await graph_svg(
      gm.graph,
      new Map([
        ['conv1', 40],
        ['fc', 12],
      ]),
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/class="node sqnr"/g)?.length).toBe(2);
    expect(svg).toContain('data-node="fc" data-sqnr="12"');
    expect(svg).toContain(`fill="${sqnr_color(12)}"`);
    expect(color_graph_svg(svg, new Map())).toBe(svg);
  });

  it('builds only the sections it has data for, with a CSP and no external resources', () => {
    const html = build_report_html({
      title: 'r <1>',
      summary: [{ metric: 'accuracy', fp32: '90%', int8: '89%' }],
      sensitivity: { mode: 'one-at-a-time', baseline: 0.9, rows: [{ layer: 'fc', accuracy: 0.89, delta_pp: -1 }] },
    });
    expect(html).toContain('<title>r &lt;1&gt;</title>');
    expect(html).toContain('Content-Security-Policy" content="default-src \'none\'');
    expect(html).toContain('<section id="summary">');
    expect(html).toContain('id="sensitivity-chart"');
    expect(html).not.toContain('<section id="graph">');
    expect(html).not.toContain('<section id="histograms">');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});
