/**
 * Int8Kernels.qgather (permute / transpose of quint8 tensors): wasm equals the js reference byte for byte on 1,000
 * random views — 1 to 5 dims, random permutations of a contiguous tensor and strided sub-views at an offset (inner
 * rows contiguous or not, size-1 dims) — and quint8 permute / transpose keep their values and qparams through it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { js_backend } from '../../../runtime/backends/js/index.js';
import { set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import '../../../runtime/all_ops.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import { lcg } from './_arbitraries.js';

const wasm = load_wasm_backend();

describe('qgather: wasm = js byte for byte', () => {
  it('1,000 random views', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (shape, seed) => {
          const rnd = lcg(seed);
          // a contiguous source a little larger than the view, read from an offset
          const st: number[] = [];
          let acc = 1;
          for (let d = shape.length - 1; d >= 0; d--) {
            st[d] = acc;
            acc *= shape[d] + (rnd() < 0.3 ? 1 : 0);
          }
          const perm = shape.map((_, i) => i).sort(() => rnd() - 0.5);
          const view_shape = perm.map((p) => shape[p]);
          const view_strides = perm.map((p) => st[p]);
          const offset = Math.floor(rnd() * 5);
          const x = Uint8Array.from({ length: acc + offset + 1 }, () => Math.floor(rnd() * 256));
          const a = js_backend.int8.qgather(x, offset, view_shape, view_strides);
          const b = wasm.int8.qgather(x, offset, view_shape, view_strides);
          expect(b.length).toBe(a.length);
          for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) expect(`${i}: ${b[i]}`).toBe(`${i}: ${a[i]}`);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('rejects a view past the input', () => {
    for (const be of [js_backend, wasm])
      expect(() => be.int8.qgather(new Uint8Array(10), 2, [3, 4], [4, 1])).toThrow(
        `${be.name}.qgather: the view reads up to element 13 of a 10-element input`,
      );
  });

  it('quint8 permute / transpose through it keep values and qparams', () => {
    const data = Uint8Array.from({ length: 2 * 50 * 3 * 4 * 16 }, (_, i) => (i * 37) & 255);
    const q = make_qtensor(data, [2, 50, 3, 4, 16], 'quint8', 0.05, 7);
    set_backend('wasm');
    const p = q.permute(2, 0, 3, 1, 4);
    const t = p.transpose(-2, -1);
    set_backend('js');
    expect([...p.data]).toEqual([...q.permute(2, 0, 3, 1, 4).data]);
    expect([...t.data]).toEqual([...q.permute(2, 0, 3, 1, 4).transpose(-2, -1).data]);
    expect(p.q_scale()).toBe(q.q_scale());
    expect(t.q_zero_point()).toBe(7);
  });
});
