/**
 * The strict-CSP page (strict.html: script-src 'self' 'wasm-unsafe-eval', no 'unsafe-eval'): `new Function`
 * throws here, so GraphModules run through the Interpreter (fxq detects it once and says so on the console).
 * Runs the saved int8 model on js and wasm; results on `window.fxq_results`.
 */
import { fetch_quantized, fx } from '../../browser.js';
import { draw_predictions, load_split, run_on_both_backends, show, start_wasm } from './shared.js';

/** What the strict page measured. */
export interface StrictResults {
  done: boolean;
  error?: string;
  code_generation_allowed?: boolean;
  /** The first lines of `gm.code` (outside Node: the plain JS forward, ts-morph being Node-only). */
  code_head?: string[];
  logits?: Record<'js' | 'wasm', number[]>;
  ms_b1?: Record<'js' | 'wasm', number>;
}

const results: StrictResults = { done: false };
(globalThis as { fxq_results?: StrictResults }).fxq_results = results;

async function main(): Promise<void> {
  await start_wasm();
  const test = await load_split('t10k');
  const q = await fetch_quantized('fmnist_cnn_int8.safetensors');
  results.code_generation_allowed = fx.code_generation_allowed();
  results.code_head = q.code.split('\n').slice(0, 3);
  const x = test.images.narrow(0, 0, 16);
  const x1 = test.images.narrow(0, 0, 1);
  const { logits, ms_b1, predicted } = run_on_both_backends(q, x, x1);
  results.logits = logits;
  results.ms_b1 = ms_b1;
  draw_predictions(document.getElementById('canvas') as HTMLCanvasElement, test.pixels, predicted, test.labels);
  show(
    'status',
    `code generation ${results.code_generation_allowed ? 'allowed' : 'forbidden by the CSP: Interpreter forward'}; ` +
      `int8 batch 1: js ${ms_b1.js.toFixed(3)} ms, wasm ${ms_b1.wasm.toFixed(3)} ms`,
  );
}

main()
  .catch((e: unknown) => {
    results.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    show('error', `error: ${results.error}`);
    console.error(e);
  })
  .finally(() => {
    results.done = true;
  });
