/**
 * Running a kernel on several threads (runtime/threads): the wrappers split their work into contiguous
 * ranges of output channels, rows, elements or images, never the reduction, so every output element is
 * computed by the same instructions in the same order as on one thread (bit-identical results).
 */
import { split_range } from '../../threads/split.js';
import type { WasmExports } from './abi.js';
import type { WasmInstance } from './module.js';

/**
 * Work below which a call stays on one thread, as the hand-off (~15 µs) would cost more: multiply-adds of
 * a GEMM / conv, elements of an elementwise kernel (per thread). Tunable (tests set 0 to split tiny cases).
 */
export const min_parallel_work = { macs: 1 << 17, elements: 1 << 16 };

/** Threads for a GEMM / conv of `macs` multiply-adds. */
export function gemm_threads(inst: WasmInstance, macs: number): number {
  return macs >= min_parallel_work.macs ? thread_count(inst) : 1;
}

/** Threads available to the next call on this instance (1 where memory is not shared). */
export function thread_count(inst: WasmInstance): number {
  return inst.threads ? inst.threads.threads() : 1;
}

/** Runs body over the ranges (part 0 on this thread); one range runs inline. */
export function run_ranges(
  inst: WasmInstance,
  ranges: [number, number][],
  body: (r0: number, r1: number, part: number, wx: WasmExports) => void,
): void {
  const pool = inst.threads?.pool;
  if (ranges.length <= 1 || !pool) {
    for (let p = 0; p < ranges.length; p++) body(ranges[p][0], ranges[p][1], p, inst.exports);
    return;
  }
  pool.run(ranges.length, (p, wx) => body(ranges[p][0], ranges[p][1], p, wx));
}

/**
 * Splits n elements of an elementwise kernel (`align`-element chunks, e.g. 16 for u8x16 loops) over the
 * threads when each gets at least min_parallel_work.elements.
 */
export function elementwise_ranges(inst: WasmInstance, n: number, align: number): [number, number][] {
  const per = Math.max(1, min_parallel_work.elements);
  const t = n >= 2 * per ? Math.min(thread_count(inst), Math.floor(n / per)) : 1;
  return t > 1 ? split_range(n, t, align) : [[0, n]];
}

/**
 * Whether a batch of nb images splits by image across t threads (balanced: nb a multiple of t, or many
 * images per thread); otherwise the kernel splits each image's output channels.
 */
export function split_by_batch(nb: number, t: number): boolean {
  return t > 1 && nb >= t && (nb % t === 0 || nb >= 4 * t);
}

export { split_range };
