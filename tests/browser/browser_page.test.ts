// examples/browser in headless Chromium (system /usr/bin/chromium through playwright-core), served from localhost:
// the saved int8 model's in-page logits equal Node's bit for bit on js and wasm; in-page PTQ (prepare_fx, calibration,
// convert_fx) gives exactly Node's fp32 and int8 accuracy on the same images; no console errors; no request leaves
// the local server; the strict-CSP page (no 'unsafe-eval') runs the model through the Interpreter with the same bits.
// Calibration: the first CALIB (1,000) training images, as the page by default; evaluation: the first EVAL (500)
// test images (the page defaults to 1,000; fewer keeps this test near 30 s).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { build_browser_example } from '../../examples/browser/node/build.js';
import { type StaticServer, serve_static } from '../../examples/browser/node/serve.js';
import { fmnist_cnn_with } from '../../examples/browser/ptq.js';
import {
  load_fashion_mnist,
  load_quantized,
  load_safetensors,
  load_wasm_backend,
  set_backend,
  type Tensor,
  tools,
} from '../../index.js';
import { browser_unavailable, launch } from '../tools/report/browser.js';

const CALIB = 1000;
const EVAL = 500;
const SHOWN = 16;
const ROOT = resolve(import.meta.dirname, '../..');
const DATA = join(ROOT, 'examples/data/fashion-mnist');
const OUT = resolve(ROOT, '.vitest-output/browser');
const why = browser_unavailable();

const bytes_of = (a: ArrayLike<number>): string => Buffer.from(Float32Array.from(a).buffer).toString('hex');

interface Loaded {
  page: Page;
  errors: string[];
  infos: string[];
  foreign: string[];
  results: Record<string, unknown>;
}

describe.skipIf(why !== null)(`examples/browser in headless Chromium${why ? ` — SKIPPED: ${why}` : ''}`, () => {
  let dir = '';
  let server: StaticServer;
  let browser: Awaited<ReturnType<typeof launch>>;
  let node_model: GraphModule; // the saved model, calibrated on the first CALIB training images (as the page)
  let saved_logits: Record<'js' | 'wasm', string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fxq-browser-example-'));
    const built = await build_browser_example(dir, { calib: CALIB });
    node_model = built.model;
    // Node's logits of the saved file (as loaded back from disk) on the first SHOWN test images
    const q = load_quantized(built.saved);
    const x = load_fashion_mnist(DATA, 'test').images.narrow(0, 0, SHOWN);
    load_wasm_backend({ variant: 'simd' });
    saved_logits = { js: '', wasm: '' };
    for (const b of ['js', 'wasm'] as const) {
      set_backend(b);
      saved_logits[b] = bytes_of((q.forward(x) as Tensor).data as Float32Array);
    }
    set_backend('js');
    server = await serve_static(dir);
    browser = await launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(path: string): Promise<Loaded> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const infos: string[] = [];
    const foreign: string[] = [];
    page.on('console', (m) => (m.type() === 'error' ? errors : infos).push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url)) foreign.push(r.url());
    });
    await page.goto(server.url + path);
    await page.waitForFunction(() => (globalThis as { fxq_results?: { done: boolean } }).fxq_results?.done, null, {
      timeout: 100_000,
      polling: 100,
    });
    const results = (await page.evaluate(() => (globalThis as { fxq_results?: unknown }).fxq_results)) as Record<
      string,
      unknown
    >;
    return { page, errors, infos, foreign, results };
  }

  it('the main page: saved-model logits equal Node’s on js and wasm; in-page PTQ accuracy equals Node’s', async () => {
    const { page, errors, foreign, results } = await open(`index.html?calib=${CALIB}&eval=${EVAL}`);
    expect(results.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    const saved = results.saved as { logits: Record<'js' | 'wasm', number[]>; ms_b1: Record<string, number> };
    expect(saved.logits.js).toHaveLength(SHOWN * 10);
    expect(bytes_of(saved.logits.js)).toBe(saved_logits.js);
    expect(bytes_of(saved.logits.wasm)).toBe(saved_logits.wasm);
    // Node: the same images, the same fp32 weights and the model built by the same PTQ procedure
    const test = load_fashion_mnist(DATA, 'test');
    const set: tools.ImageSet = {
      images: test.images.narrow(0, 0, EVAL),
      labels: Int32Array.from(test.labels.data).subarray(0, EVAL),
      source: `first ${EVAL} test images`,
    };
    set_backend('wasm');
    const fp32 = fmnist_cnn_with(load_safetensors(join(ROOT, 'examples/weights/fmnist_cnn.safetensors')));
    const node_fp32 = tools.accuracy(fp32, set);
    const node_int8 = tools.accuracy(node_model, set);
    set_backend('js');
    const ptq = results.ptq as { calib: number; eval: number; fp32_accuracy: number; int8_accuracy: number };
    expect([ptq.calib, ptq.eval]).toEqual([CALIB, EVAL]);
    expect(ptq.fp32_accuracy).toBe(node_fp32);
    expect(ptq.int8_accuracy).toBe(node_int8);
    console.log(
      'browser page figures',
      JSON.stringify({
        saved: results.saved && { ...saved, logits: undefined },
        ptq: results.ptq,
        node_fp32,
        node_int8,
      }),
    );
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'page.png'), fullPage: true });
    // only the local server was asked for files, and never the lazy Graphviz chunk
    expect(server.requests.some((r) => r.endsWith('fmnist_cnn_int8.safetensors'))).toBe(true);
  }, 120_000);

  it('the strict-CSP page (no unsafe-eval) runs the saved model through the Interpreter, same bits', async () => {
    const { page, errors, infos, foreign, results } = await open('strict.html');
    expect(results.error).toBeUndefined();
    expect(results.code_generation_allowed).toBe(false);
    // gm.code without ts-morph: the plain JavaScript forward, with a note saying why
    expect((results.code_head as string[])[1]).toMatch(
      /Plain JavaScript: the typed TypeScript rendering needs ts-morph/,
    );
    expect((results.code_head as string[])[2]).toMatch(/^export function forward\(/);
    expect(errors).toEqual([]);
    expect(infos.filter((m) => m.startsWith('fxq: compiling code from strings is not allowed'))).toHaveLength(1);
    expect(foreign).toEqual([]);
    const logits = results.logits as Record<'js' | 'wasm', number[]>;
    expect(bytes_of(logits.js)).toBe(saved_logits.js);
    expect(bytes_of(logits.wasm)).toBe(saved_logits.wasm);
    console.log('strict page figures', JSON.stringify(results.ms_b1));
    await page.screenshot({ path: join(OUT, 'strict.png'), fullPage: true });
  }, 120_000);
});
