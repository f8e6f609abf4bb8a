/**
 * Shared by the per-layer benches (nn_more, nn_more2): best-of-rounds ms of an fp32 and an int8 forward on js and
 * wasm, as one table row (the VM is shared; contention only adds time, so the minimum repeats best).
 */
import { performance } from 'node:perf_hooks';
import { set_backend } from '../runtime/backends/registry.js';

/** The fastest of `rounds` calls of f, after one warm-up call. */
export function best_ms(f: () => unknown, rounds: number): number {
  f();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** [name, js fp32, js int8, wasm fp32, wasm int8, wasm fp32 ÷ int8] (ms, 2 decimals); leaves the js backend set. */
export function js_wasm_row(name: string, f32: () => unknown, i8: () => unknown, rounds: number): string[] {
  const t: Record<string, number> = {};
  for (const be of ['js', 'wasm'] as const) {
    set_backend(be);
    t[`${be}_f32`] = best_ms(f32, rounds);
    t[`${be}_i8`] = best_ms(i8, rounds);
  }
  set_backend('js');
  const r = (v: number) => v.toFixed(2);
  return [name, r(t.js_f32), r(t.js_i8), r(t.wasm_f32), r(t.wasm_i8), (t.wasm_f32 / t.wasm_i8).toFixed(2)];
}
