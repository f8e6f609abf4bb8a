/**
 * The kernels import their linear memory (`env.memory`, declared shared with a 4 GiB maximum by
 * scripts/build_wasm.mjs) so worker threads can instantiate the same module on the same memory. Where
 * shared memory is unavailable (no SharedArrayBuffer: a page that is not cross-origin isolated) the
 * import's limits flag is rewritten from shared to plain before compiling: the kernels use no atomics, so
 * one build serves both.
 */

/** Limits of the module's memory import. */
export interface MemoryLimits {
  initial: number;
  maximum: number;
  shared: boolean;
}

/** Whether this runtime can share wasm memory between threads (SharedArrayBuffer, cross-origin isolated). */
export function shared_memory_supported(): boolean {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  if (typeof g.SharedArrayBuffer !== 'function' || g.crossOriginIsolated === false) return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** Reads an unsigned LEB128 at `pos`; returns [value, next position]. */
function leb(b: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const byte = b[pos++];
    if (byte === undefined) throw new Error('truncated LEB128');
    v += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return [v, pos];
    mul *= 128;
  }
}

/** Skips a limits record (flags, min, [max]) at `pos`. */
function skip_limits(b: Uint8Array, pos: number): number {
  const flags = b[pos++];
  pos = leb(b, pos)[1];
  return flags & 1 ? leb(b, pos)[1] : pos;
}

/** Finds the memory import: the byte offset of its limits flags, or -1 when the module imports no memory. */
function memory_import_at(b: Uint8Array): number {
  let pos = 8;
  while (pos < b.length) {
    const id = b[pos];
    const [size, body] = leb(b, pos + 1);
    if (id === 2) {
      let [count, p] = leb(b, body);
      while (count-- > 0) {
        let len: number;
        [len, p] = leb(b, p);
        p += len; // module name
        [len, p] = leb(b, p);
        p += len; // field name
        const kind = b[p++];
        if (kind === 2) return p;
        if (kind === 0) p = leb(b, p)[1];
        else if (kind === 1) p = skip_limits(b, p + 1);
        else if (kind === 3) p += 2;
        else return -1;
      }
      return -1;
    }
    pos = body + size;
  }
  return -1;
}

/**
 * The bytes to compile for a memory that is `shared` or not, and the import's limits (null: the module
 * imports no memory, e.g. a stale build). Returns a patched copy only when the flag must change.
 */
export function prepare_memory_import(
  bytes: Uint8Array,
  shared: boolean,
): { bytes: Uint8Array; limits: MemoryLimits | null } {
  let at: number;
  try {
    at = memory_import_at(bytes);
  } catch {
    return { bytes, limits: null }; // malformed: WebAssembly.compile reports it
  }
  if (at < 0) return { bytes, limits: null };
  const flags = bytes[at];
  const [initial, p] = leb(bytes, at + 1);
  const maximum = flags & 1 ? leb(bytes, p)[0] : 65536;
  const is_shared = (flags & 2) !== 0;
  if (is_shared === shared) return { bytes, limits: { initial, maximum, shared } };
  const out = bytes.slice();
  out[at] = shared ? flags | 2 : flags & ~2;
  return { bytes: out, limits: { initial, maximum, shared } };
}
