/**
 * What a kernel split is (runtime/threads/splits.ts, splits_elementwise.ts): a plan of ranges per call, the
 * threshold below which a call stays on one thread, and the helpers the planners share.
 */
import type { WasmExports } from '../backends/wasm/abi.js';

/**
 * Work below which a call stays on one thread, as the hand-off (~4 µs) would cost more: multiply-adds of
 * a GEMM / conv, elements of an elementwise kernel (per thread). Tunable (tests set 0 to split tiny cases).
 */
export const min_parallel_work = { macs: 1 << 17, elements: 1 << 16 };

/** A block of scratch for chunk t ≥ 1 of a call (slot k: several per call), `bytes` long, reused across calls. */
export type Temp = (t: number, k: number, bytes: number) => number;

/** One call's split: `n` units in blocks of `align`; the arguments of units [u0, u1) on thread t. */
export interface Plan {
  n: number;
  align: number;
  part(u0: number, u1: number, t: number): number[];
  /** After all parts: copies parts that wrote to a temp back into place. */
  after?(ranges: [number, number][], parts: number[][]): void;
}

export type A = number[];
/** The plan of a call (null: run as is), given its arguments, the thread count, raw exports and temps. */
export type Planner = (
  a: A,
  T: number,
  raw: WasmExports,
  temp: Temp,
  copy: (dst: number, src: number, n: number) => void,
) => Plan | null;

export const macs = (w: number) => w >= min_parallel_work.macs;
export const elems = (n: number, T: number) => n >= 2 * Math.max(1, min_parallel_work.elements) && T > 1;
export const r4 = (v: number) => (v + 3) & ~3;
/** A copy of a call's arguments with some changed (keys: argument indices). */
export const set = (a: A, changes: Record<number, number>): A => {
  const b = a.slice();
  for (const k of Object.keys(changes)) b[+k] = changes[+k];
  return b;
};
