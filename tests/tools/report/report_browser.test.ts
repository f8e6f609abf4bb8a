// The HTML report renders in headless Chromium: no console errors, no network, graph + both charts in the DOM.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { collect_layer_sections } from '../../../tools/report/collect.js';
import { build_report_html, type ReportData } from '../../../tools/report/html.js';
import {
  accuracy,
  DEFAULT_DATA_DIR,
  load_calibration,
  load_images,
  run_calibration,
} from '../../../tools/sensitivity/node/data.js';
import { one_at_a_time } from '../../../tools/sensitivity/sensitivity.js';
import { job_qconfig_dict, run_job, type Task, use_backend } from '../../../tools/sensitivity/task.js';
import create, { example_inputs } from '../../cli/fixtures/tiny_cnn.js';
import { browser_unavailable, launch } from './browser.js';

const OUT = resolve('.vitest-output/tools/report_browser');
const why = browser_unavailable();

/** A real report of a small CNN: int8 vs float layers, one-at-a-time sensitivity, histograms. */
async function make_report(): Promise<ReportData> {
  use_backend('js');
  const calib = load_calibration(undefined, 20);
  const test = load_images(DEFAULT_DATA_DIR, 'test', 50);
  const task: Task = {
    model: create().eval(),
    example_inputs: example_inputs(),
    qconfig: get_default_qconfig('qnnpack'),
    backend: 'js',
    calibrate: (m) => run_calibration(m, calib.images),
    evaluate: (m) => accuracy(m, test),
  };
  const prepared = prepare_fx(task.model, job_qconfig_dict({ kind: 'int8' }, task.qconfig), task.example_inputs, null, {
    warn: false,
  });
  task.calibrate(prepared);
  const q = convert_fx(prepared);
  const sections = await collect_layer_sections(task.model, q, [[test.images]]);
  const sens = await one_at_a_time(task);
  return {
    title: 'fxq report: TinyCNN <test>',
    subtitle: `int8 accuracy ${run_job(task, { kind: 'int8' }).accuracy}`,
    summary: [{ metric: 'accuracy', fp32: String(sens.fp32_accuracy), int8: String(sens.int8_accuracy) }],
    graph_svg: sections.graph_svg,
    layers: sections.layers,
    sensitivity: { mode: 'one-at-a-time', baseline: sens.baseline, rows: sens.rows },
    histograms: sections.histograms,
  };
}

describe('HTML report in headless Chromium', () => {
  it.skipIf(why !== null)(
    `loads offline with the graph and both charts${why ? ` — SKIPPED: ${why}` : ''}`,
    async () => {
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
        expect(await page.title()).toBe('fxq report: TinyCNN <test>');
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
    },
  );
});
