/** Quantized add / add_relu / mul / cat against independent references. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../../index.js';
import { add, add_relu, cat, mul } from '../../../runtime/quantized/functional/elementwise.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';

const f = Math.fround;
const q = (vals: number[], shape: number[], scale: number, zp: number) =>
  make_qtensor(Uint8Array.from(vals), shape, 'quint8', scale, zp);

/** qnnpack's q8vadd, written with BigInt: multipliers at 2^shift, halves rounded away from zero. */
function qnnpack_add_ref(
  a: number,
  za: number,
  sa: number,
  b: number,
  zb: number,
  sb: number,
  so: number,
  zo: number,
  lo: number,
): number {
  const aos = f(f(sa) / f(so));
  const bos = f(f(sb) / f(so));
  const exp = Math.floor(Math.log2(Math.max(aos, bos)));
  const shift = 21 - exp;
  const rne = (v: number) => {
    const r = Math.round(v);
    return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
  };
  const am = BigInt(rne(aos * 2 ** shift));
  const bm = BigInt(rne(bos * 2 ** shift));
  const acc = BigInt(a - za) * am + BigInt(b - zb) * bm;
  const half = 1n << BigInt(shift - 1);
  const mag = ((acc < 0n ? -acc : acc) + half) >> BigInt(shift);
  const y = Number(acc < 0n ? -mag : mag) + zo;
  return Math.max(lo, Math.min(255, y));
}

describe('quantized.add / add_relu', () => {
  it('same-shape add equals qnnpack fixed-point arithmetic and stays within 1 of the real sum', () => {
    const scale = fc.float({ min: f(0.005), max: f(0.5), noNaN: true });
    const zp = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        scale,
        zp,
        scale,
        zp,
        scale,
        zp,
        fc.boolean(),
        (a, b, sa, za, sb, zb, so, zo, relu) => {
          const ratio_ok = [sa / so, sb / so].every((r) => r >= 2 ** -10 && r < 256);
          fc.pre(ratio_ok);
          const y = (relu ? add_relu : add)(q([...a], [4, 4], sa, za), q([...b], [4, 4], sb, zb), so, zo);
          for (let i = 0; i < 16; i++) {
            expect(y.data[i]).toBe(qnnpack_add_ref(a[i], za, sa, b[i], zb, sb, so, zo, relu ? zo : 0));
            const real = ((a[i] - za) * f(sa) + (b[i] - zb) * f(sb)) / f(so) + zo;
            const clamped = Math.max(relu ? zo : 0, Math.min(255, real));
            expect(Math.abs(y.data[i] - clamped)).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 200, seed: 5 },
    );
  });

  it('rounds an exact half away from zero as qnnpack does (0.5 → 1, −0.5 → −1)', () => {
    // a contributes (a − 0)·0.5 at out scale 1: a = 1 → 0.5 → 1; a = 1 with za = 2 → −0.5 → −1
    expect([...add(q([1], [1], 0.5, 0), q([0], [1], 0.5, 0), 1, 10).data]).toEqual([11]);
    expect([...add(q([1], [1], 0.5, 2), q([0], [1], 0.5, 0), 1, 10).data]).toEqual([9]);
  });

  it("broadcasts through torch's float path: dequantize, add, quantize", () => {
    const a = q([10, 20, 30, 40, 50, 60], [2, 3], 0.1, 5);
    const b = q([100, 110, 120], [3], 0.05, 100);
    const y = add(a, b, 0.2, 10);
    expect(y.shape).toEqual([2, 3]);
    const want = [0, 1, 2, 3, 4, 5].map((i) => {
      const v = f(f(([10, 20, 30, 40, 50, 60][i] - 5) * f(0.1)) + f(([100, 110, 120][i % 3] - 100) * f(0.05)));
      // torch's quantize_val: value · fround(1/scale) in float32, round half to even
      const t = f(v * f(1 / f(0.2)));
      const r = Math.round(t) - t === 0.5 && Math.round(t) % 2 !== 0 ? Math.round(t) - 1 : Math.round(t);
      return Math.min(255, Math.max(0, r + 10));
    });
    expect([...y.data]).toEqual(want);
  });

  it('add_relu clamps at the output zero point', () => {
    const y = add_relu(q([0, 200], [2], 0.1, 100), q([0, 100], [2], 0.1, 100), 0.1, 50);
    expect([...y.data]).toEqual([50, 150]);
  });
});

describe('quantized.mul', () => {
  it('multiplies within one step of the real product and respects the output qparams', () => {
    const a = q([0, 64, 128, 200, 255], [5], 0.05, 128);
    const b = q([10, 128, 250, 129, 0], [5], 0.02, 128);
    const y = mul(a, b, 0.01, 100);
    expect(y.q_scale()).toBe(f(0.01));
    for (let i = 0; i < 5; i++) {
      const real = ((a.data[i] - 128) * f(0.05) * ((b.data[i] - 128) * f(0.02))) / f(0.01) + 100;
      expect(Math.abs(y.data[i] - Math.max(0, Math.min(255, real)))).toBeLessThanOrEqual(1);
    }
  });
});

describe('quantized.cat', () => {
  it('concatenates unchanged when qparams match and requantizes otherwise', () => {
    const a = q([1, 2, 3, 4], [2, 2], 0.1, 0);
    const b = q([5, 6], [2, 1], 0.1, 0);
    const same = cat([a, b], 1, 0.1, 0);
    expect(same.shape).toEqual([2, 3]);
    expect([...same.data]).toEqual([1, 2, 5, 3, 4, 6]);
    const c = q([10, 20], [2, 1], 0.05, 4); // values 0.3, 0.8 → at scale 0.1: 3, 8
    const mixed = cat([a, c], -1, 0.1, 0);
    expect([...mixed.data]).toEqual([1, 2, 3, 3, 4, 8]);
  });

  it('rejects shapes that differ outside the cat dim, naming the tensors', () => {
    expect(() => cat([q([1, 2], [2, 1], 0.1, 0), q([1, 2, 3], [3, 1], 0.1, 0)], 1, 0.1, 0)).toThrow(
      /quantized.cat: tensors\[1\] tensor \[3, 1\]/,
    );
  });
});
