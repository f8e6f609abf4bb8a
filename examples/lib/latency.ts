/**
 * Latency of a model on the fxq backends at a given batch size: the median of timed calls after a
 * warm-up (bench/_util.ts time_sync), with the backend switched for the call and restored after.
 */

import { type Timing, type TimingOptions, time_sync } from '../../bench/_util.js';
import { type nn, no_grad, type Tensor } from '../../index.js';
import { get_backend, set_backend } from '../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../runtime/backends/wasm/index.js';

/** The kernel backends fxq ships. */
export type BackendName = 'js' | 'wasm';

/** Runs `fn` with `backend` selected (loading wasm on first use), then restores the previous backend. */
export function with_backend<T>(backend: BackendName, fn: () => T): T {
  if (backend === 'wasm') load_wasm_backend();
  const prev = get_backend().name;
  set_backend(backend);
  try {
    return fn();
  } finally {
    set_backend(prev);
  }
}

/** Median (and spread) of `model.call(x)` on `backend`, under no_grad. */
export function time_model(model: nn.Module, x: Tensor, backend: BackendName, options: TimingOptions = {}): Timing {
  return with_backend(backend, () => no_grad(() => time_sync(() => model.call(x), options)));
}

/**
 * Timing options scaled to the cost of one call: at least `min_runs` (default 5) timed calls, more
 * while under `budget_ms`; one warm-up call for slow models (> 200 ms), three otherwise.
 */
export function timing_for(first_call_ms: number, budget_ms = 1000, min_runs = 5): TimingOptions {
  return { warmup: first_call_ms > 200 ? 1 : 3, min_runs, budget_ms, max_runs: 200 };
}
