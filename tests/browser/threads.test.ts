// set_num_threads in headless Chromium (system /usr/bin/chromium through playwright-core): the saved
// FmnistResNet int8 model (trained weights, calibrated on 100 training images) runs with fxq/inference on the
// wasm backend. Served with COOP/COEP headers (cross-origin isolated) it runs on 2 threads (Web Workers on
// the page's shared wasm memory, the main thread spinning for them) and its logits equal Node's bit for bit,
// as do the 1-thread ones; the in-page speed-up is logged (not asserted: timing). The same page without the
// headers has no SharedArrayBuffer: set_num_threads(2) warns once, runs on 1 thread, same logits.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantize_ptq } from '../../examples/lib/ptq.js';
import { get_example_model } from '../../examples/models/index.js';
import {
  load_fashion_mnist,
  load_wasm_backend,
  no_grad,
  save_quantized,
  set_backend,
  type Tensor,
} from '../../index.js';
import { browser_unavailable, launch } from '../tools/report/browser.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DATA = join(ROOT, 'examples/data/fashion-mnist');
const BATCH = 32;
/** Timed calls per thread count in the page (FXQ_BROWSER_RUNS: more for a steadier logged speed-up). */
const RUNS = Number(process.env.FXQ_BROWSER_RUNS ?? 5);
const why = browser_unavailable();
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

const hex = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

/** Serves `dir`: under /iso/ with COOP/COEP (cross-origin isolated), under /plain/ without. */
async function serve(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const m = /^\/(iso|plain)\/([\w.-]+)$/.exec(path);
    if (!m) return void res.writeHead(404).end();
    let body: Buffer;
    try {
      body = readFileSync(join(dir, m[2]));
    } catch {
      return void res.writeHead(404).end();
    }
    const headers: Record<string, string> = { 'content-type': TYPES[extname(m[2])] ?? 'application/octet-stream' };
    if (m[1] === 'iso') {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    res.writeHead(200, headers).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

interface PageResult {
  isolated: boolean;
  threads: number;
  workers: number;
  workers_after: number;
  out1: string;
  out2: string;
  out3: string;
  ms1: number;
  ms2: number;
  warnings: string[];
  error?: string;
}

describe.skipIf(why !== null)(`set_num_threads in headless Chromium${why ? ` — SKIPPED: ${why}` : ''}`, () => {
  let dir = '';
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: Awaited<ReturnType<typeof launch>>;
  let node_logits = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fxq-threads-page-'));
    // the page: fxq/inference bundled with the pool as a lazy chunk (splitting), the kernels, model, input
    await build({
      entryPoints: { page: join(ROOT, 'tests/browser/fixtures/threads_page.ts') },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      splitting: true,
      outdir: dir,
      logLevel: 'warning',
    });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="page.js"></script>');
    writeFileSync(join(dir, 'simd.wasm'), readFileSync(join(ROOT, 'runtime/backends/wasm/build/simd.wasm')));
    const spec = get_example_model('fmnist_resnet');
    const fp32 = spec.pretrained?.().eval();
    if (!fp32) throw new Error('fmnist_resnet has no trained weights');
    load_wasm_backend({ variant: 'simd' });
    set_backend('wasm');
    const calib = load_fashion_mnist(DATA, 'train-first1000').images.narrow(0, 0, 100);
    const q = quantize_ptq(fp32, spec.example_inputs(), (p) => no_grad(() => p.call(calib))).quantized;
    save_quantized(q, join(dir, 'model.safetensors'));
    const x = load_fashion_mnist(DATA, 'test').images.narrow(0, 0, BATCH).contiguous();
    writeFileSync(join(dir, 'input.bin'), Buffer.from((x.data as Float32Array).slice().buffer));
    node_logits = hex((no_grad(() => q.call(x)) as Tensor).data as Float32Array);
    set_backend('js');
    server = await serve(dir);
    browser = await launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(which: 'iso' | 'plain'): Promise<PageResult> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.url}${which}/index.html?runs=${RUNS}`);
    await page.waitForFunction(() => (globalThis as { fxq_result?: unknown }).fxq_result !== undefined);
    const r = (await page.evaluate(() => (globalThis as { fxq_result?: unknown }).fxq_result)) as PageResult;
    await page.close();
    expect(errors).toEqual([]);
    expect(r.error).toBeUndefined();
    return r;
  }

  it('cross-origin isolated: 2 threads, logits equal Node bit for bit (1 and 2 threads, after a restart)', async () => {
    const r = await open('iso');
    expect(r.isolated).toBe(true);
    expect(r.threads).toBe(2);
    expect(r.workers).toBe(1);
    expect(r.workers_after).toBe(0);
    expect(r.out1).toBe(node_logits);
    expect(r.out2).toBe(node_logits);
    expect(r.out3).toBe(node_logits);
    expect(r.warnings).toEqual([]);
    console.log(
      `FmnistResNet int8 batch ${BATCH} in Chromium: 1 thread ${r.ms1.toFixed(1)} ms, 2 threads ${r.ms2.toFixed(1)} ms (${(r.ms1 / r.ms2).toFixed(2)}×)`,
    );
  }, 120_000);

  it('not isolated: no SharedArrayBuffer, 1 thread with one warning, same logits', async () => {
    const r = await open('plain');
    expect(r.isolated).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.workers).toBe(0);
    expect(r.out1).toBe(node_logits);
    expect(r.out2).toBe(node_logits);
    expect(r.out3).toBe(node_logits);
    expect(r.warnings.length).toBe(1);
    expect(r.warnings[0]).toMatch(/SharedArrayBuffer/);
  }, 120_000);
});
