/**
 * Shared by the per-layer benches (nn_more, nn_more2): best-of-rounds ms of an fp32 and an int8 forward on js and
 * wasm, as one table row (the VM is shared; contention only adds time, so the minimum repeats best).
 */
import { performance } from 'node:perf_hooks';
import { set_backend } from '../runtime/backends/registry.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { manual_seed } from '../runtime/tensor/random.js';
import { arg_value, print_table } from './_util.js';

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

/**
 * The table of a per-layer bench: `add(name, fp32 forward, int8 forward)` times a row (wasm loaded, seed 0,
 * `--rounds`, default 20); `print()` prints the table.
 */
export function op_table(args: string[]): {
  add: (name: string, f32: () => unknown, i8: () => unknown) => void;
  print: () => void;
} {
  const rounds = Number(arg_value(args, 'rounds') ?? 20);
  load_wasm_backend();
  manual_seed(0);
  const rows: string[][] = [];
  return {
    add: (name, f32, i8) => {
      rows.push(js_wasm_row(name, f32, i8, rounds));
    },
    print: () =>
      print_table(['op', 'js fp32 ms', 'js int8 ms', 'wasm fp32 ms', 'wasm int8 ms', 'wasm fp32/int8'], rows),
  };
}
