/** Quantized activations, pooling, shape views and the dynamic linear against direct references. */
import { describe, expect, it } from 'vitest';
import '../../../index.js';
import {
  hardsigmoid,
  hardswish,
  relu,
  relu6,
  sigmoid,
  tanh,
} from '../../../runtime/quantized/functional/activations.js';
import { linear_dynamic } from '../../../runtime/quantized/functional/linear.js';
import { adaptive_avg_pool2d, avg_pool2d, max_pool2d } from '../../../runtime/quantized/functional/pooling.js';
import { flatten, reshape } from '../../../runtime/quantized/functional/shape.js';
import { LinearPackedParams } from '../../../runtime/quantized/packed_params.js';
import { choose_qparams, make_qtensor } from '../../../runtime/quantized/qtensor.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';

const f = Math.fround;
const q = (vals: ArrayLike<number>, shape: number[], scale: number, zp: number) =>
  make_qtensor(Uint8Array.from(vals), shape, 'quint8', scale, zp);
const all = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('quantized activations', () => {
  it('relu and relu6 clamp in the integer domain and keep the qparams', () => {
    const x = q([0, 99, 100, 101, 160, 161, 255], [7], 0.1, 100);
    expect([...relu(x).data]).toEqual([100, 100, 100, 101, 160, 161, 255]);
    // q(6) at scale 0.1, zp 100 = 160
    expect([...relu6(x).data]).toEqual([100, 100, 100, 101, 160, 160, 160]);
    expect(relu6(x).q_zero_point()).toBe(100);
  });

  it("sigmoid and tanh use torch's fixed output qparams and are within one step of the float function", () => {
    const x = q(all, [256], 0.05, 128);
    const s = sigmoid(x);
    const t = tanh(x);
    expect([s.q_scale(), s.q_zero_point()]).toEqual([1 / 256, 0]);
    expect([t.q_scale(), t.q_zero_point()]).toEqual([2 / 256, 128]);
    for (let i = 0; i < 256; i++) {
      const v = (i - 128) * f(0.05);
      expect(Math.abs(s.data[i] - Math.min(255, (1 / (1 + Math.exp(-v))) * 256))).toBeLessThanOrEqual(0.5 + 1e-6);
      expect(Math.abs(t.data[i] - Math.min(255, Math.tanh(v) * 128 + 128))).toBeLessThanOrEqual(0.5 + 1e-6);
    }
  });

  it('hardswish requantizes x·relu6(x+3)/6 to the output qparams', () => {
    const y = hardswish(q(all, [256], 0.05, 128), 0.03, 20);
    for (let i = 0; i < 256; i++) {
      const v = (i - 128) * f(0.05);
      const real = (v * Math.min(Math.max(v + 3, 0), 6)) / 6 / 0.03 + 20;
      expect(Math.abs(y.data[i] - Math.max(0, Math.min(255, real)))).toBeLessThanOrEqual(0.5 + 1e-4);
    }
  });
});

describe('quantized hardsigmoid', () => {
  it("uses torch's fixed output qparams (1/256, 0) and qnnpack's table of relu6(x + 3) / 6", () => {
    const y = hardsigmoid(q(all, [256], 0.05, 128));
    expect([y.q_scale(), y.q_zero_point()]).toEqual([1 / 256, 0]);
    for (let i = 0; i < 256; i++) {
      const v = (i - 128) * f(0.05);
      const real = (Math.min(Math.max(v + 3, 0), 6) / 6) * 256;
      expect(Math.abs(y.data[i] - Math.min(255, real)), `i=${i}`).toBeLessThanOrEqual(0.5 + 1e-4);
    }
    // saturated ends: x ≤ −3 → 0, x ≥ 3 → 1 (255 after clamping 256)
    expect([y.data[0], y.data[255]]).toEqual([0, 255]);
  });
});

describe('quantized pooling', () => {
  const x = q(
    Array.from({ length: 2 * 5 * 5 }, (_, i) => (i * 37) % 256),
    [1, 2, 5, 5],
    0.1,
    3,
  );

  it('max_pool2d with padding, dilation and ceil_mode equals a direct max (padding never wins)', () => {
    const y = max_pool2d(x, 3, { stride: 2, padding: 1, dilation: 1, ceil_mode: true });
    expect(y.shape).toEqual([1, 2, 3, 3]);
    for (let c = 0; c < 2; c++)
      for (let oy = 0; oy < 3; oy++)
        for (let ox = 0; ox < 3; ox++) {
          let m = 0;
          for (let u = 0; u < 3; u++)
            for (let v = 0; v < 3; v++) {
              const iy = oy * 2 - 1 + u;
              const ix = ox * 2 - 1 + v;
              if (iy >= 0 && iy < 5 && ix >= 0 && ix < 5) m = Math.max(m, x.data[c * 25 + iy * 5 + ix]);
            }
          expect(y.data[c * 9 + oy * 3 + ox]).toBe(m);
        }
    expect(max_pool2d(x, 2, { dilation: 2 }).shape).toEqual([1, 2, 2, 2]);
  });

  it('avg_pool2d (qnnpack): padding counts as the zero point and halves round away from zero', () => {
    // window [0,0,0,2] with zp 1: (−1 −1 −1 +1)/4 = −0.5 → −1 → q = 0 (round-half-even would give 1)
    expect([...avg_pool2d(q([0, 0, 0, 2], [1, 1, 2, 2], 1, 1), 2).data]).toEqual([0]);
    // [1,2,1,2] zp 0: 1.5 → 2
    expect([...avg_pool2d(q([1, 2, 1, 2], [1, 1, 2, 2], 1, 0), 2).data]).toEqual([2]);
    // padding 1 on a 1×1 input of 9 with zp 1, kernel 3: (8 + 8·0)/9 → 0.89 → 1 → q = 2
    expect([...avg_pool2d(q([9], [1, 1, 1, 1], 1, 1), 3, { stride: 1, padding: 1 }).data]).toEqual([2]);
  });

  it("adaptive_avg_pool2d: torch's windows when the size does not divide", () => {
    const r = q([0, 10, 20, 30, 40], [1, 1, 1, 5], 0.1, 0);
    // windows [0,2), [1,4), [3,5) → means 5, 20, 35
    expect([...adaptive_avg_pool2d(r, [1, 3]).data]).toEqual([5, 20, 35]);
    // divisible: qnnpack path, a global mean
    const g = adaptive_avg_pool2d(x, 1);
    expect(g.shape).toEqual([1, 2, 1, 1]);
    const mean0 = Array.from(x.data.subarray(0, 25)).reduce((a, b) => a + b, 0) / 25;
    expect(Math.abs(g.data[0] - mean0)).toBeLessThanOrEqual(0.5);
  });
});

describe('quantized shape ops', () => {
  it('flatten / reshape share storage and keep the qparams', () => {
    const x = q([1, 2, 3, 4, 5, 6], [1, 2, 3], 0.5, 7);
    const a = flatten(x, 1);
    const b = reshape(x, [3, -1]);
    expect(a.shape).toEqual([1, 6]);
    expect(b.shape).toEqual([3, 2]);
    expect(a.data).toBe(x.data);
    expect([a.q_scale(), b.q_zero_point()]).toEqual([0.5, 7]);
    expect(() => reshape(x, [4, -1])).toThrow(/quantized.reshape: shape \[4, -1\] is invalid/);
  });
});

describe('quantized.linear_dynamic', () => {
  it('quantizes the activation from its own min/max (incl. 0) and equals the integer formula', () => {
    const xv = Float32Array.from([0.5, -1.25, 2, 0.75, 3.5, -0.25]);
    const x = new Tensor(xv, [2, 3], 'float32');
    const w = make_qtensor(Int8Array.from([10, -20, 30, 127, -128, 0]), [2, 3], 'qint8', 0.01, 0);
    const bias = new Tensor(Float32Array.from([0.1, -0.2]), [2], 'float32');
    const y = linear_dynamic(x, new LinearPackedParams(w, bias));
    const { scale, zero_point } = choose_qparams(-1.25, 3.5);
    expect(scale).toBe(f(4.75 / 255));
    const xq = [...xv].map((v) => Math.min(255, Math.max(0, zero_point + Math.round(f(v * f(1 / scale))))));
    for (let r = 0; r < 2; r++)
      for (let c = 0; c < 2; c++) {
        let acc = 0;
        for (let k = 0; k < 3; k++) acc += (xq[r * 3 + k] - zero_point) * w.data[c * 3 + k];
        const want = f(f(acc * f(scale * f(0.01))) + bias.data[c]);
        expect(y.data[r * 2 + c]).toBe(want);
        let real = bias.data[c];
        for (let k = 0; k < 3; k++) real += xv[r * 3 + k] * w.data[c * 3 + k] * 0.01;
        expect(Math.abs(y.data[r * 2 + c] - real)).toBeLessThan(3 * scale * 1.28);
      }
  });
});
