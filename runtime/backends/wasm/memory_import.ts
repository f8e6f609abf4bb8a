/**
 * The kernels import their linear memory (`env.memory`, declared shared with a 4 GiB maximum by
 * scripts/build_wasm.mjs) so worker threads can instantiate the same module on the same memory
 * (runtime/threads). Where memory cannot be shared (no SharedArrayBuffer: a page that is not cross-origin
 * isolated) the import's limits flag is rewritten from shared to plain before compiling: the kernels use
 * no atomics, so one build serves both.
 */

/** Limits of the module's memory import (WebAssembly.MemoryDescriptor). */
export interface MemoryLimits {
  initial: number;
  maximum: number;
  shared: boolean;
}

/** Whether this runtime can share wasm memory between threads (SharedArrayBuffer, cross-origin isolated). */
export function shared_memory_supported(): boolean {
  try {
    return (
      globalThis.crossOriginIsolated !== false &&
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer
    );
  } catch {
    return false;
  }
}

// the import entry: module "env", field "memory", kind memory (2); its limits flags follow
const ENTRY = [3, 101, 110, 118, 6, 109, 101, 109, 111, 114, 121, 2];

/**
 * The bytes to compile here (a copy with the memory import made plain where memory cannot be shared) and
 * the limits to create the memory with (undefined: the module imports no memory, e.g. a stale build).
 */
export function prepare_memory_import(src: BufferSource): [Uint8Array<ArrayBuffer>, MemoryLimits | undefined] {
  const bytes = (
    ArrayBuffer.isView(src) ? new Uint8Array(src.buffer, src.byteOffset, src.byteLength) : new Uint8Array(src)
  ) as Uint8Array<ArrayBuffer>;
  let at = -1;
  for (let i = 8; at < 0 && i < Math.min(bytes.length, 4096); i++)
    if (ENTRY.every((b, j) => bytes[i + j] === b)) at = i + 12;
  if (at < 0) return [bytes, undefined];
  // flags (bit 0: has maximum, bit 1: shared), then LEB128 initial and maximum pages
  const v = [0, 0];
  let p = at + 1;
  for (let k = 0; k < 2; k++)
    for (let m = 1; ; m *= 128) {
      const b = bytes[p++];
      v[k] += (b & 127) * m;
      if (b < 128) break;
    }
  const shared = shared_memory_supported();
  const out = (bytes[at] & 2) === (shared ? 2 : 0) ? bytes : bytes.slice();
  out[at] = shared ? bytes[at] | 2 : bytes[at] & ~2;
  return [out, { initial: v[0], maximum: bytes[at] & 1 ? v[1] : 65536, shared }];
}
