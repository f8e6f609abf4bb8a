/**
 * The threaded-kernel conformance tests' harness: a kernel's output on one thread (hand-off thresholds
 * infinite) and on all threads (thresholds 0 / 1 element: even tiny cases split), same workers. The wasm
 * scratch block is filled with a different garbage byte before each run, so a chunk that leaves part of its
 * output unwritten cannot pass by finding the one-thread run's values still in place.
 */
import type { WasmInstance } from '../../../runtime/backends/wasm/module.js';
import { min_parallel_work } from '../../../runtime/threads/splits.js';

function poison(inst: WasmInstance, byte: number): void {
  const { off, size } = inst.heap.scratch;
  if (size > 0) inst.heap.u8.fill(byte, off, off + size);
}

/** [one thread, all threads]; `copy` takes a result out of any buffer the next run may reuse. */
export function at_threads<T>(inst: WasmInstance, run: () => T, copy: (v: T) => T = (v) => v): T[] {
  min_parallel_work.macs = Number.POSITIVE_INFINITY;
  min_parallel_work.elements = Number.POSITIVE_INFINITY;
  poison(inst, 0x5a);
  const one = copy(run());
  min_parallel_work.macs = 0;
  min_parallel_work.elements = 1;
  poison(inst, 0xa5);
  return [one, run()];
}
