// The HTML report renders in headless Chromium: no console errors, no network, graph + both charts in the DOM.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { symbolic_trace } from '../../../compiler/trace/symbolic_trace.js';
import fmnist_resnet from '../../../examples/models/fmnist_resnet.js';
import { quantize_per_tensor } from '../../../runtime/quant/qtensor.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { compute_sqnr } from '../../../tools/numeric_suite/metrics.js';
import { graph_svg } from '../../../tools/report/graph_svg.js';
import { build_report_html, type ReportData } from '../../../tools/report/html.js';
import { histogram } from '../../../tools/report/svg_charts.js';
import { browser_unavailable, launch } from './browser.js';

const OUT = resolve('.vitest-output/tools/report_browser');
const why = browser_unavailable();

/** A report over a real traced model: weight SQNR of per-tensor int8 weights, weight histograms with clip ranges. */
async function make_report(): Promise<ReportData> {
  const model = fmnist_resnet().eval();
  const gm = symbolic_trace(model);
  const layers: ReportData['layers'] = [];
  const histograms: ReportData['histograms'] = [];
  const sqnr = new Map<string, number>();
  for (const node of gm.graph.nodes) {
    if (node.op !== 'call_module') continue;
    const w = (gm.get_submodule(node.target) as unknown as { weight?: Tensor }).weight;
    if (!w || typeof w !== 'object') continue;
    const d = w.data as Float32Array;
    const amax = d.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const scale = amax / 127.5;
    const q = quantize_per_tensor(w, scale, 0, 'qint8');
    const db = compute_sqnr(w, q);
    sqnr.set(node.name, db);
    layers.push({ name: node.target, sqnr: db, scale, zero_point: 0 });
    histograms.push({ name: node.target, kind: 'weight', data: histogram(d, 32), clip: [-128 * scale, 127 * scale] });
  }
  return {
    title: 'fxq report: fmnist_resnet <test>',
    subtitle: 'weights quantized per tensor (qint8)',
    summary: [{ metric: 'parameters', fp32: String(layers.length), int8: String(layers.length) }],
    graph_svg: await graph_svg(gm.graph, sqnr, 'FmnistResNet'),
    layers,
    sensitivity: {
      mode: 'one-at-a-time',
      baseline: 0.9,
      rows: layers.map((l) => ({ layer: l.name, accuracy: 0.9 - 1 / l.sqnr, delta_pp: -100 / l.sqnr })),
    },
    histograms,
  };
}

describe('HTML report in headless Chromium', () => {
  it.skipIf(why !== null)(`loads offline with the graph and both charts${why ? ` — SKIPPED: ${why}` : ''}`, async () => {
    mkdirSync(OUT, { recursive: true });
    const data = await make_report();
    const file = join(OUT, 'report.html');
    writeFileSync(file, build_report_html(data));
    const { context, close } = await launch();
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(await page.title()).toBe('fxq report: fmnist_resnet <test>');
      // the graph: one coloured group per compared layer, with a visible size
      const coloured = await page.locator('#graph svg g.node.sqnr').count();
      expect(coloured).toBe(data.layers?.length);
      const box = await page.locator('#graph svg').boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(await page.locator('#graph svg g.node').count()).toBeGreaterThan(coloured);
      // both charts, one bar per row
      expect(await page.locator('#sqnr-chart g.bar').count()).toBe(data.layers?.length);
      expect(await page.locator('#sensitivity-chart g.bar').count()).toBe(data.sensitivity?.rows.length);
      expect((await page.locator('#sensitivity-chart').boundingBox())?.height).toBeGreaterThan(50);
      expect(await page.locator('#histograms svg.fxq-histogram').count()).toBe(data.histograms?.length);
      expect(await page.locator('#histograms line.clip').count()).toBe(2 * (data.histograms?.length ?? 0));
      const shot = join(OUT, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect((await import('node:fs')).statSync(shot).size).toBeGreaterThan(10_000);
    } finally {
      await close();
    }
  });
});
