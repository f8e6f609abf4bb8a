import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../../runtime/tensor/index.js';
import {
  dequantize,
  int_repr,
  MinMaxObserver,
  quantize_per_channel,
  quantize_per_tensor,
  rne,
} from '../../../runtime/quant/index.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { read_safetensors } from './_fixtures.js';

const f32 = (a: number[], shape = [a.length]) => new Tensor(Float32Array.from(a), shape, 'float32');

describe('quantize / dequantize', () => {
  it('rounds half to even, in float32', () => {
    expect([rne(0.5), rne(1.5), rne(2.5), rne(-0.5), rne(-1.5), rne(-2.5), rne(2.4999)]).toEqual([
      0, 2, 2, -0, -2, -2, 2,
    ]);
    // 0.5 / 1 -> 0; 1.5 -> 2; 2.5 -> 2 (ties to even), zp shifts after rounding
    const q = quantize_per_tensor(f32([0.5, 1.5, 2.5, -0.5]), 1, 10, 'quint8');
    expect([...q.int_repr().data]).toEqual([10, 12, 12, 10]);
  });

  it('reproduces PyTorch quantize_per_tensor on the FmnistCNN golden input (x_fp32 -> node/quantize_per_tensor)', () => {
    const g = read_safetensors(
      new URL('../../fixtures/reference/golden/fmnist_cnn_ptq.safetensors', import.meta.url).pathname,
    );
    expect(g['node/quantize_per_tensor/out_scale'].data[0]).toBe(Math.fround(0.011049590073525906));
    expect(g['node/quantize_per_tensor/out_zero_point'].data[0]).toBe(73);
    const q = quantize_per_tensor(g['input/x_fp32'], 0.011049590073525906, 73, 'quint8');
    expect(q.dtype).toBe('quint8');
    expect(q.q_scale()).toBe(0.011049590073525906);
    expect(q.q_zero_point()).toBe(73);
    const ref = g['node/quantize_per_tensor/out_int'].data;
    const got = int_repr(q).data;
    let diff = 0;
    for (let i = 0; i < ref.length; i++) if (ref[i] !== got[i]) diff++;
    expect(diff).toBe(0);
  });

  it('clamps to the dtype range and dequantizes as (q - zp) * scale', () => {
    const q = quantize_per_tensor(f32([-1000, 0, 1000]), 0.1, 0, 'qint8');
    expect([...q.int_repr().data]).toEqual([-128, 0, 127]);
    expect(q.int_repr().dtype).toBe('int8');
    expect([...q.dequantize().data]).toEqual([Math.fround(-12.8), 0, Math.fround(12.7)]);
    const q32 = quantize_per_tensor(f32([1.5]), 0.5, 7, 'qint32');
    expect([...q32.int_repr().data]).toEqual([10]);
    expect(q32.int_repr().dtype).toBe('int32');
  });

  it('per-channel keeps scales, zero points and axis', () => {
    const x = f32([0.1, 0.2, 0.3, 1, 2, 3], [2, 3]);
    const q = quantize_per_channel(x, f32([0.1, 1]), new Tensor(Int32Array.from([0, 1]), [2], 'int32'), 0, 'quint8');
    expect([...q.int_repr().data]).toEqual([1, 2, 3, 2, 3, 4]);
    expect([...q.q_per_channel_scales().data]).toEqual([Math.fround(0.1), 1]);
    expect([...q.q_per_channel_zero_points().data]).toEqual([0, 1]);
    expect(q.q_per_channel_axis()).toBe(0);
    expect(() => q.q_scale()).toThrow(/not a per-tensor/);
    const qa1 = quantize_per_channel(
      x,
      f32([0.1, 0.2, 1]),
      new Tensor(Int32Array.from([0, 0, 0]), [3], 'int32'),
      1,
      'qint8',
    );
    expect([...qa1.int_repr().data]).toEqual([1, 1, 0, 10, 10, 3]);
  });

  it('rejects bad arguments with messages naming them', () => {
    const x = f32([1, 2]);
    expect(() => quantize_per_tensor(x, 0, 0, 'quint8')).toThrow(
      /quantize_per_tensor: scale must be a positive finite/,
    );
    expect(() => quantize_per_tensor(x, 1, 300, 'quint8')).toThrow(/zero_point 300 is not an integer within quint8/);
    expect(() => quantize_per_tensor(x, 1, 0, 'float32' as never)).toThrow(/dtype must be quint8, qint8 or qint32/);
    expect(() => quantize_per_channel(x, f32([1]), f32([0]), 0, 'quint8')).toThrow(/expected 2 scales/);
    expect(() => quantize_per_channel(x, f32([1, 1]), f32([0, 0]), 1, 'quint8')).toThrow(/axis 1 is out of range/);
    expect(() => int_repr(x)).toThrow(/int_repr: expected a quantized tensor/);
    expect(dequantize(x)).toBe(x);
  });
});

const finite = fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true });

describe('properties', () => {
  it('dequantize(quantize(x)) is within scale/2 of x inside the range', () => {
    fc.assert(
      fc.property(
        fc.array(finite, { minLength: 1, maxLength: 64 }),
        fc.constantFrom('quint8', 'qint8'),
        (vals, dtype) => {
          const x = f32(vals);
          const obs = new MinMaxObserver({ dtype: dtype as 'quint8' | 'qint8' });
          obs.forward(x);
          const [s, z] = obs.calculate_qparams();
          const scale = s.data[0];
          const xr = quantize_per_tensor(x, scale, z.data[0], dtype as 'quint8').dequantize().data;
          for (let i = 0; i < vals.length; i++) {
            // float32 rounding of x * (1/scale) adds at most a few ulps of slack
            expect(Math.abs(xr[i] - x.data[i])).toBeLessThanOrEqual(
              scale / 2 + 1e-5 * Math.max(1, Math.abs(x.data[i])),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('zero is exactly representable: it maps to the zero point and back to 0', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 32 }), fc.boolean(), (vals, sym) => {
        const obs = new MinMaxObserver({
          dtype: sym ? 'qint8' : 'quint8',
          qscheme: sym ? 'per_tensor_symmetric' : 'per_tensor_affine',
        });
        obs.forward(f32(vals));
        const [s, z] = obs.calculate_qparams();
        const q = quantize_per_tensor(f32([0]), s.data[0], z.data[0], sym ? 'qint8' : 'quint8');
        expect(q.int_repr().data[0]).toBe(z.data[0]);
        expect(q.dequantize().data[0]).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('per-channel equals per-tensor applied slice by slice', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 2 }),
        fc.infiniteStream(finite),
        fc.infiniteStream(fc.integer({ min: -20, max: 20 })),
        (a, b, c, axis, values, zps) => {
          const shape = [a, b, c];
          const n = a * b * c;
          const data = Float32Array.from([...values.take(n)]);
          const xt = new Tensor(data, shape, 'float32');
          const C = shape[axis];
          const scales = f32(Array.from({ length: C }, (_, i) => 0.01 + i * 0.37));
          const zp = new Tensor(Int32Array.from([...zps.take(C)]), [C], 'int32');
          const q = quantize_per_channel(xt, scales, zp, axis, 'qint8');
          const qr = q.int_repr().data;
          const dq = q.dequantize().data;
          const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
          for (let i = 0; i < n; i++) {
            const ch = Math.floor(i / inner) % C;
            const one = quantize_per_tensor(f32([data[i]]), scales.data[ch], zp.data[ch], 'qint8');
            expect(qr[i]).toBe(one.int_repr().data[0]);
            expect(dq[i]).toBe(one.dequantize().data[0]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('reduce_range halves the integer range', () => {
    fc.assert(
      fc.property(
        fc.array(finite, { minLength: 2, maxLength: 32 }),
        fc.constantFrom('quint8', 'qint8'),
        (vals, dtype) => {
          const full = new MinMaxObserver({ dtype: dtype as 'qint8' });
          const half = new MinMaxObserver({ dtype: dtype as 'qint8', reduce_range: true });
          expect(half.quant_max - half.quant_min + 1).toBe((full.quant_max - full.quant_min + 1) / 2);
          full.forward(f32(vals));
          half.forward(f32(vals));
          const sf = full.calculate_qparams()[0].data[0];
          const sh = half.calculate_qparams()[0].data[0];
          if (sf > 1e-6) expect(sh / sf).toBeCloseTo(255 / 127, 4);
        },
      ),
      { numRuns: 100 },
    );
  });
});
