/**
 * The example page: (a) the saved FmnistCNN int8 model (fmnist_cnn_int8.safetensors, written by build.ts with
 * save_quantized) classifies test images on the js and wasm backends; (b) post-training quantization in the
 * page: fp32 weights → prepare_fx → calibration → convert_fx, fp32 vs int8 accuracy and latency on wasm.
 * Query: ?calib=N (first N training images, default 1000) &eval=M (first M test images, default 1000).
 * Results are also left on `window.fxq_results` for the browser test.
 */
import { fetch_quantized, fx, parse_safetensors, set_backend, tools } from '../../browser.js';
import { fmnist_cnn_with, ptq_fmnist_cnn } from './ptq.js';
import {
  draw_predictions,
  fetch_bytes,
  load_split,
  run_on_both_backends,
  show,
  start_wasm,
  time_ms,
} from './shared.js';

/** What the page measured (read by tests/browser/browser_page.test.ts). */
export interface PageResults {
  done: boolean;
  error?: string;
  shown: number;
  saved?: { logits: Record<'js' | 'wasm', number[]>; ms_b1: Record<'js' | 'wasm', number>; interpreted_ms_b1: number };
  ptq?: {
    calib: number;
    eval: number;
    fp32_accuracy: number;
    int8_accuracy: number;
    ms: { fp32_b1: number; int8_b1: number; fp32_b32: number; int8_b32: number };
    seconds: { calibrate_convert: number };
  };
}

const results: PageResults = { done: false, shown: 16 };
(globalThis as { fxq_results?: PageResults }).fxq_results = results;

function int_param(name: string, fallback: number): number {
  const v = Number(new URLSearchParams(location.search).get(name) ?? fallback);
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`?${name}= must be a positive integer`);
  return v;
}

async function saved_model(test: Awaited<ReturnType<typeof load_split>>): Promise<void> {
  show('saved-status', 'loading fmnist_cnn_int8.safetensors…');
  const q: fx.GraphModule = await fetch_quantized('fmnist_cnn_int8.safetensors');
  const x = test.images.narrow(0, 0, results.shown);
  const x1 = test.images.narrow(0, 0, 1);
  const { logits, ms_b1, predicted } = run_on_both_backends(q, x, x1);
  // the eval-free forward a strict-CSP page gets, measured here for comparison (wasm, batch 1)
  fx.set_forward_mode('interpreter');
  q.recompile();
  const interpreted_ms_b1 = time_ms(() => q.forward(x1));
  fx.set_forward_mode('auto');
  q.recompile();
  draw_predictions(document.getElementById('saved-canvas') as HTMLCanvasElement, test.pixels, predicted, test.labels);
  results.saved = { logits, ms_b1, interpreted_ms_b1 };
  show(
    'saved-status',
    `int8 latency, batch 1: js ${ms_b1.js.toFixed(3)} ms, wasm ${ms_b1.wasm.toFixed(3)} ms ` +
      `(wasm, Interpreter forward as under a strict CSP: ${interpreted_ms_b1.toFixed(3)} ms); ` +
      `js and wasm logits ${logits.js.every((v, i) => Object.is(v, logits.wasm[i])) ? 'identical' : 'DIFFER'}`,
  );
}

async function quantize_in_page(test: Awaited<ReturnType<typeof load_split>>): Promise<void> {
  const calib = int_param('calib', 1000);
  const n_eval = int_param('eval', 1000);
  show('ptq-status', 'loading fp32 weights and training images…');
  const weights = parse_safetensors(await fetch_bytes('fmnist_cnn.safetensors'), 'fmnist_cnn.safetensors').tensors;
  const train = await load_split('train-first1000');
  const model = fmnist_cnn_with(weights);
  show('ptq-status', `calibrating on the first ${calib} training images…`);
  await new Promise((r) => setTimeout(r, 0)); // let the status paint
  const t0 = performance.now();
  const q = ptq_fmnist_cnn(model, train.images, calib, 'wasm');
  const calibrate_convert = (performance.now() - t0) / 1000;
  const set: tools.ImageSet = {
    images: test.images.narrow(0, 0, n_eval),
    labels: test.labels.subarray(0, n_eval),
    source: `first ${n_eval} test images`,
  };
  set_backend('wasm');
  const fp32_accuracy = tools.accuracy(model, set);
  const int8_accuracy = tools.accuracy(q, set);
  const x1 = test.images.narrow(0, 0, 1);
  const x32 = test.images.narrow(0, 0, 32);
  const ms = {
    fp32_b1: time_ms(() => model.forward(x1)),
    int8_b1: time_ms(() => q.forward(x1)),
    fp32_b32: time_ms(() => model.forward(x32)),
    int8_b32: time_ms(() => q.forward(x32)),
  };
  results.ptq = { calib, eval: n_eval, fp32_accuracy, int8_accuracy, ms, seconds: { calibrate_convert } };
  const pct = (a: number) => `${(100 * a).toFixed(2)}%`;
  const table = document.getElementById('ptq-table') as HTMLTableElement;
  table.innerHTML =
    '<tr><th></th><th>accuracy</th><th>wasm ms, batch 1</th><th>wasm ms, batch 32</th></tr>' +
    `<tr><td>fp32</td><td>${pct(fp32_accuracy)}</td><td>${ms.fp32_b1.toFixed(3)}</td><td>${ms.fp32_b32.toFixed(2)}</td></tr>` +
    `<tr><td>int8</td><td>${pct(int8_accuracy)}</td><td>${ms.int8_b1.toFixed(3)}</td><td>${ms.int8_b32.toFixed(2)}</td></tr>`;
  show(
    'ptq-status',
    `calibrated on the first ${calib} training images and converted in ${calibrate_convert.toFixed(1)} s; ` +
      `accuracy on the first ${n_eval} test images`,
  );
}

async function main(): Promise<void> {
  await start_wasm();
  const test = await load_split('t10k');
  await saved_model(test);
  await quantize_in_page(test);
}

main()
  .catch((e: unknown) => {
    results.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    show('error', `error: ${results.error}`);
    console.error(e);
  })
  .finally(() => {
    results.done = true;
    document.body.dataset.done = 'true';
  });
