/**
 * Reuse of activation storage inside a GraphModule forward (torch.fx's generated code drops each value after its
 * last use, `x = None`, and PyTorch's caching allocator recycles the memory; JS has neither refcounts nor an
 * allocator to hand memory back to). The compiled forward (compiler/codegen/release_plan.ts) releases a value's
 * storage after its last use when the graph proves nothing else holds it; the kernels' output allocation takes
 * released arrays of the same kind and length before it asks for new memory.
 *
 * Why: every fresh activation is a new ArrayBuffer, and V8 answers the bytes with garbage collections ("external
 * memory pressure" scavenges every forward, an incremental mark-compact every 1–2 int8 batch-8 forwards of
 * ResNet-18) whose helper threads take the second core from a 2-thread forward.
 *
 * Contract: only allocation sites that write every element of their output call `output_f32` / `output_u8`
 * (a reused array holds the last user's values). A pool is active only while a forward runs (`with_buffer_pool`),
 * holds at most what one forward released and no SharedArrayBuffer, and never hands out an array twice.
 */

/** The typed arrays pooled: float32 activations and (q)uint8 / qint8 storage. */
type PooledArray = Float32Array | Uint8Array | Int8Array;

/** Arrays under this many bytes are not pooled: their garbage costs little and the free lists would grow long. */
const MIN_POOLED_BYTES = 1 << 14;

function key_of(a: PooledArray): string {
  return `${a instanceof Float32Array ? 'f' : a instanceof Uint8Array ? 'u' : 'i'}${a.length}`;
}

/** Free arrays of one GraphModule, by kind and length; kept from one forward to the next. */
export class BufferPool {
  private readonly free = new Map<string, PooledArray[]>();
  /** The buffers in `free` (an array enters once however often it is released). */
  private readonly members = new Set<ArrayBufferLike>();
  /** Buffers already free when the current forward began: dropped at its end unless taken. */
  private stale = new Set<ArrayBufferLike>();
  /** Bytes in the free lists. */
  bytes = 0;

  take(key: string): PooledArray | undefined {
    const list = this.free.get(key);
    const a = list?.pop();
    if (!a) return undefined;
    this.members.delete(a.buffer);
    this.stale.delete(a.buffer);
    this.bytes -= a.byteLength;
    return a;
  }

  give(a: PooledArray): void {
    if (this.members.has(a.buffer)) return;
    this.members.add(a.buffer);
    this.bytes += a.byteLength;
    const key = key_of(a);
    const list = this.free.get(key);
    if (list) list.push(a);
    else this.free.set(key, [a]);
  }

  /** A forward begins: what is free now is kept only if this forward takes it. */
  begin(): void {
    this.stale = new Set(this.members);
  }

  /** A forward ended: drops the arrays it did not take (a batch size no longer run, a branch not taken). */
  end(): void {
    if (this.stale.size === 0) return;
    for (const [key, list] of this.free) {
      const kept = list.filter((a) => !this.stale.has(a.buffer));
      for (const a of list) {
        if (!this.stale.has(a.buffer)) continue;
        this.members.delete(a.buffer);
        this.bytes -= a.byteLength;
      }
      if (kept.length) this.free.set(key, kept);
      else this.free.delete(key);
    }
    this.stale = new Set();
  }

  /** A copied model (deepcopy) starts with an empty pool: free arrays are scratch, not state. */
  __deepcopy__(): BufferPool {
    return new BufferPool();
  }

  /** Number of free arrays (tests). */
  get size(): number {
    return this.members.size;
  }
}

let active: BufferPool | null = null;
let enabled = true;

/**
 * Turns activation reuse in GraphModule forwards on (default) or off. Results never depend on it; off, every
 * output is new memory (for measuring, or when a custom op breaks the contract above).
 */
export function set_buffer_reuse(on: boolean): void {
  if (typeof on !== 'boolean') throw new Error(`set_buffer_reuse: expected true or false, got ${String(on)}`);
  enabled = on;
}

export function buffer_reuse_enabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` (a forward) with `pool` active, or with none (null: its releases go nowhere, and an enclosing
 * forward's pool sees none of them); restores the enclosing forward's pool after.
 */
export function with_buffer_pool<T>(pool: BufferPool | null, fn: () => T): T {
  const prev = active;
  active = pool;
  pool?.begin();
  try {
    return fn();
  } finally {
    pool?.end();
    active = prev;
  }
}

/** A float32 output of `n` elements the caller writes in full: a released array when one fits, else new. */
export function output_f32(n: number): Float32Array {
  if (active !== null && n * 4 >= MIN_POOLED_BYTES) {
    const a = active.take(`f${n}`);
    if (a) return a as Float32Array;
  }
  return new Float32Array(n);
}

/** A uint8 output of `n` elements the caller writes in full: a released array when one fits, else new. */
export function output_u8(n: number): Uint8Array {
  if (active !== null && n >= MIN_POOLED_BYTES) {
    const a = active.take(`u${n}`);
    if (a) return a as Uint8Array;
  }
  return new Uint8Array(n);
}

interface HasData {
  data: unknown;
}

/**
 * Gives the storage of `value` (a tensor the generated forward no longer uses) to the active pool, unless
 * `result` (the output of its last user) shares that storage, the array is a view into a larger buffer, the
 * memory is shared, or it is small.
 */
export function release_storage(value: unknown, result: unknown): void {
  if (active === null || typeof value !== 'object' || value === null || !('data' in value)) return;
  const a = (value as HasData).data;
  if (!(a instanceof Float32Array || a instanceof Uint8Array || a instanceof Int8Array)) return;
  if (a.byteLength < MIN_POOLED_BYTES || a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) return;
  if (typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer) return;
  if (typeof result === 'object' && result !== null && 'data' in result) {
    const r = (result as HasData).data;
    if (ArrayBuffer.isView(r) && r.buffer === a.buffer) return;
  }
  active.give(a);
}
