/**
 * Shared timing helpers for the bench suites: warm-up, N timed runs, median / p10 / p90, and
 * markdown tables. Medians on these shared 2-vCPU VMs move by up to ~25% between runs, so compare
 * ratios measured in one run, not figures across runs.
 */
import { performance } from 'node:perf_hooks';
import type { Conv2dGeometry } from '../runtime/backends/types.js';

/** How many runs to time. */
export interface TimingOptions {
  /** Untimed calls first (JIT, caches, lazy packing). Default 3. */
  warmup?: number;
  /** Timed calls at least. Default 10. */
  min_runs?: number;
  /** Timed calls at most. Default 200. */
  max_runs?: number;
  /** Keep timing (up to max_runs) until this much time was spent. Default 1000 ms. */
  budget_ms?: number;
}

/** Summary of the timed runs, in milliseconds per call. */
export interface Timing {
  median_ms: number;
  p10_ms: number;
  p90_ms: number;
  mean_ms: number;
  runs: number;
  samples_ms: number[];
}

/** The q-quantile (0..1) of sorted values, linearly interpolated (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile: no samples');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Summarises per-call samples (ms). */
export function summarize(samples_ms: number[]): Timing {
  const s = [...samples_ms].sort((a, b) => a - b);
  return {
    median_ms: quantile(s, 0.5),
    p10_ms: quantile(s, 0.1),
    p90_ms: quantile(s, 0.9),
    mean_ms: s.reduce((a, b) => a + b, 0) / s.length,
    runs: s.length,
    samples_ms,
  };
}

function resolve(o: TimingOptions): Required<TimingOptions> {
  return {
    warmup: o.warmup ?? 3,
    min_runs: o.min_runs ?? 10,
    max_runs: o.max_runs ?? 200,
    budget_ms: o.budget_ms ?? 1000,
  };
}

/** Times a synchronous call: warm-up, then between min_runs and max_runs timed calls within budget_ms. */
export function time_sync(fn: () => unknown, options: TimingOptions = {}): Timing {
  const o = resolve(options);
  for (let i = 0; i < o.warmup; i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < o.min_runs || (samples.length < o.max_runs && performance.now() - start < o.budget_ms)) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

/** As time_sync, for a call that returns a promise (onnxruntime sessions). */
export async function time_async(fn: () => Promise<unknown>, options: TimingOptions = {}): Promise<Timing> {
  const o = resolve(options);
  for (let i = 0; i < o.warmup; i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < o.min_runs || (samples.length < o.max_runs && performance.now() - start < o.budget_ms)) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

/** Milliseconds with 3 significant digits (0.633, 11.7, 2418.0), as docs/reference/RESULTS.md prints them. */
export function format_ms(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** Items per second from a per-call median time and the items in one call. */
export function per_second(items_per_call: number, ms_per_call: number): number {
  return (items_per_call * 1000) / ms_per_call;
}

/** Renders a markdown table (numbers printed as given; pad columns for the terminal). */
export function format_table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers.map(String), ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((v, c) => v.padEnd(widths[c])).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join(
    '\n',
  );
}

/** Prints a markdown table to stdout. */
export function print_table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  console.log(format_table(headers, rows));
}

/** Reads `--name value` or `--name=value` from bench args; undefined when absent. */
export function arg_value(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}`) return args[i + 1];
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3);
  }
  return undefined;
}

/** True when the flag `--name` is present. */
export function has_flag(args: readonly string[], name: string): boolean {
  return args.includes(`--${name}`);
}

/** A square conv's geometry with 'same' padding (k >> 1) and no dilation: the benches' usual case. */
export function square_conv(
  batch: number,
  cin: number,
  cout: number,
  hw: number,
  k: number,
  stride = 1,
  groups = 1,
): Conv2dGeometry {
  return {
    batch,
    in_channels: cin,
    in_h: hw,
    in_w: hw,
    out_channels: cout,
    kernel_h: k,
    kernel_w: k,
    stride: [stride, stride],
    padding: [k >> 1, k >> 1],
    dilation: [1, 1],
    groups,
  };
}
