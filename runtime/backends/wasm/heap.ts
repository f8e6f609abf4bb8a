/**
 * The wasm backend's linear-memory manager. Long-lived blocks (packed weights) come from a first-fit
 * free list; per-call buffers come from one scratch block that is only replaced (and the memory only
 * grown) when a call needs more than any call before, so steady-state inference never grows memory.
 */

const ALIGN = 16;
const PAGE = 65536;

function align(n: number): number {
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}

/** A first-fit allocator over a WebAssembly.Memory, starting at the module's heap base. */
export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  /** Free blocks sorted by offset, coalesced. */
  private free_list: { off: number; size: number }[] = [];
  /** End of the highest block ever handed out. */
  private top: number;
  private scratch_off = 0;
  private scratch_size = 0;
  private scratch_used = 0;
  private u8_view: Uint8Array;

  constructor(memory: WebAssembly.Memory, heap_base: number) {
    this.memory = memory;
    this.top = align(heap_base);
    this.u8_view = new Uint8Array(memory.buffer);
  }

  /** Current byte length of linear memory. */
  get byte_length(): number {
    return this.memory.buffer.byteLength;
  }

  /** A fresh Uint8Array over all of memory (views detach when memory grows). */
  get u8(): Uint8Array {
    if (this.u8_view.buffer !== this.memory.buffer) this.u8_view = new Uint8Array(this.memory.buffer);
    return this.u8_view;
  }

  /** Allocates `bytes` (16-byte aligned) and returns the offset; grows memory only if no free block fits. */
  alloc(bytes: number): number {
    const size = align(Math.max(bytes, ALIGN));
    for (let i = 0; i < this.free_list.length; i++) {
      const b = this.free_list[i];
      if (b.size < size) continue;
      const off = b.off;
      if (b.size === size) this.free_list.splice(i, 1);
      else {
        b.off += size;
        b.size -= size;
      }
      return off;
    }
    const off = this.top;
    this.ensure(off + size);
    this.top = off + size;
    return off;
  }

  /** Returns a block from alloc to the free list (coalescing neighbours, lowering top when it is the last). */
  free(off: number, bytes: number): void {
    const size = align(Math.max(bytes, ALIGN));
    if (off + size === this.top) {
      this.top = off;
      // a free block that now ends at top is absorbed too
      const last = this.free_list[this.free_list.length - 1];
      if (last && last.off + last.size === this.top) {
        this.top = last.off;
        this.free_list.pop();
      }
      return;
    }
    let i = 0;
    while (i < this.free_list.length && this.free_list[i].off < off) i++;
    this.free_list.splice(i, 0, { off, size });
    const next = this.free_list[i + 1];
    if (next && off + size === next.off) {
      this.free_list[i].size += next.size;
      this.free_list.splice(i + 1, 1);
    }
    const prev = this.free_list[i - 1];
    if (prev && prev.off + prev.size === off) {
      prev.size += this.free_list[i].size;
      this.free_list.splice(i, 1);
    }
  }

  /** Grows linear memory to hold at least `end` bytes. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new Error(`wasm backend: cannot grow memory from ${have} to ${end} bytes (${(e as Error).message})`);
    }
  }

  /**
   * Starts a call needing `bytes` of scratch in total (sum of its sub-allocations, each rounded to 16).
   * The scratch block is reused across calls and replaced only when it is too small.
   */
  begin(bytes: number): void {
    if (bytes > this.scratch_size) {
      if (this.scratch_size > 0) this.free(this.scratch_off, this.scratch_size);
      // headroom so a slowly growing sequence of calls does not reallocate every time
      const size = align(Math.ceil(bytes * 1.25));
      this.scratch_off = this.alloc(size);
      this.scratch_size = size;
    }
    this.scratch_used = 0;
  }

  /** Where the per-call scratch block lies now (tests fill it with garbage between calls). */
  get scratch(): { off: number; size: number } {
    return { off: this.scratch_off, size: this.scratch_size };
  }

  /** A sub-block of the current call's scratch. */
  take(bytes: number): number {
    const size = align(bytes);
    if (this.scratch_used + size > this.scratch_size) {
      throw new Error(
        `wasm backend: scratch overflow (${this.scratch_used + size} > ${this.scratch_size} bytes): begin() was given too little`,
      );
    }
    const off = this.scratch_off + this.scratch_used;
    this.scratch_used += size;
    return off;
  }
}

/** Scratch bytes for a list of sub-allocation sizes, as `take` rounds them. */
export function scratch_bytes(...sizes: number[]): number {
  return sizes.reduce((s, b) => s + align(b), 0);
}
