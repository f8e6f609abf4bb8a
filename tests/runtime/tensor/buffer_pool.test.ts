/** The activation pool itself (runtime/tensor/buffer_pool.ts): what it takes, what it refuses, what it keeps. */
import { describe, expect, it } from 'vitest';
import { deepcopy } from '../../../runtime/nn/utils/deepcopy.js';
import {
  BufferPool,
  output_f32,
  output_u8,
  release_storage,
  with_buffer_pool,
} from '../../../runtime/tensor/buffer_pool.js';

const N = 1 << 14; // floats: above the pool's size floor
const holder = (data: ArrayBufferView) => ({ data });

describe('BufferPool', () => {
  it('hands a released array to the next output of the same kind and length, once', () => {
    const pool = new BufferPool();
    with_buffer_pool(pool, () => {
      const a = output_f32(N);
      release_storage(holder(a), null);
      release_storage(holder(a), null); // a second release of the same storage enters once
      expect(pool.size).toBe(1);
      expect(output_u8(N * 4)).not.toBe(a as unknown); // another kind
      expect(output_f32(N + 1)).not.toBe(a); // another length
      expect(output_f32(N)).toBe(a);
      expect(output_f32(N)).not.toBe(a);
      expect(pool.size).toBe(0);
    });
  });

  it('refuses views, small arrays, shared memory, and storage the last user returned', () => {
    const pool = new BufferPool();
    with_buffer_pool(pool, () => {
      const big = new Float32Array(2 * N);
      release_storage(holder(big.subarray(N)), null); // a view into a larger buffer
      release_storage(holder(new Float32Array(N).subarray(0, N - 1)), null);
      release_storage(holder(new Float32Array(16)), null);
      release_storage(holder(new Float32Array(new SharedArrayBuffer(4 * N))), null);
      const x = new Uint8Array(N);
      release_storage(holder(x), holder(x.subarray(1))); // the result aliases the value
      release_storage({ data: [1, 2, 3] }, null);
      release_storage(null, null);
      expect(pool.size).toBe(0);
    });
  });

  it('does nothing outside a forward, or inside one run without a pool', () => {
    const outer = new BufferPool();
    const a = new Float32Array(N);
    release_storage(holder(a), null);
    with_buffer_pool(outer, () => {
      with_buffer_pool(null, () => release_storage(holder(a), null));
      expect(outer.size).toBe(0);
      expect(output_f32(N)).not.toBe(a);
    });
  });

  it('keeps from one forward to the next only what the next one takes', () => {
    const pool = new BufferPool();
    const [a, b] = [new Float32Array(N), new Uint8Array(N)];
    with_buffer_pool(pool, () => {
      release_storage(holder(a), null);
      release_storage(holder(b), null);
    });
    expect(pool.size).toBe(2);
    expect(pool.bytes).toBe(5 * N);
    with_buffer_pool(pool, () => expect(output_u8(N)).toBe(b));
    expect(pool.size).toBe(0); // `a` sat through a whole forward unused: dropped
    expect(pool.bytes).toBe(0);
  });

  it('is not copied with a model: deepcopy gives an empty pool', () => {
    const pool = new BufferPool();
    with_buffer_pool(pool, () => release_storage(holder(new Float32Array(N)), null));
    const copy = deepcopy({ pool }).pool;
    expect(copy).toBeInstanceOf(BufferPool);
    expect([copy.size, pool.size]).toEqual([0, 1]);
  });

  it('restores the enclosing pool when the forward throws', () => {
    const outer = new BufferPool();
    const inner = new BufferPool();
    with_buffer_pool(outer, () => {
      expect(() =>
        with_buffer_pool(inner, () => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      release_storage(holder(new Float32Array(N)), null);
    });
    expect(outer.size).toBe(1);
    expect(inner.size).toBe(0);
  });
});
