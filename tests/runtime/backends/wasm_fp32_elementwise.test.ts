/**
 * The wasm backend's optional fp32 elementwise kernels (relu, eval-mode batch norm, float max pool) against
 * the JS loops they replace, through the public ops: same bytes for random shapes (odd sizes, vector tails)
 * and values with NaN, ±inf and ±0 (−0/+0 ties decide max pool's first-wins rule); the JS path whenever
 * the tape is recorded, or the input is not float32, or indices are requested.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { no_grad } from '../../../runtime/autograd/grad_mode.js';
import { set_backend } from '../../../runtime/backends/registry.js';
import type { Fp32Kernels } from '../../../runtime/backends/types.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { batch_norm } from '../../../runtime/nn/functional/normalization.js';
import { max_pool2d } from '../../../runtime/nn/functional/pooling.js';
import { clamp, relu, relu6 } from '../../../runtime/tensor/ops/activation.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { lcg } from './_arbitraries.js';

const wasm = load_wasm_backend();
/** The wasm fp32 kernels, every fast path present (the interface allows null for a backend without one). */
const wasm_fp32 = wasm.fp32 as { [K in keyof Fp32Kernels]: NonNullable<Fp32Kernels[K]> };

afterEach(() => {
  set_backend('js');
  vi.restoreAllMocks();
});

/** Uniform values in [−2, 2) with about 1 in 16 special: NaN, ±inf, ±0, or a repeat of the previous value. */
function values(n: number, seed: number): Float32Array {
  const rnd = lcg(seed);
  const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0];
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 1 / 32) a[i] = specials[Math.floor(rnd() * specials.length)];
    else if (r < 1 / 16 && i > 0) a[i] = -a[i - 1] === 0 ? -a[i - 1] : a[i - 1];
    else a[i] = rnd() * 4 - 2;
  }
  return a;
}

/** Runs `f` on each backend (the same input tensors); returns [js result, wasm result]. */
function both(f: () => Tensor): [Tensor, Tensor] {
  set_backend('js');
  const a = f();
  set_backend('wasm');
  const b = f();
  return [a, b];
}

/** Null when equal bit for bit (any NaN matches any NaN: its payload is not part of the contract), else the first difference. */
function bit_diff(a: Tensor, b: Tensor): string | null {
  if (a.shape.join() !== b.shape.join()) return `shape [${a.shape}] vs [${b.shape}]`;
  const fa = a.data as Float32Array;
  const fb = b.data as Float32Array;
  const ua = new Uint32Array(fa.buffer, fa.byteOffset, fa.length);
  const ub = new Uint32Array(fb.buffer, fb.byteOffset, fb.length);
  for (let i = 0; i < ua.length; i++) {
    if (Number.isNaN(fa[i]) && Number.isNaN(fb[i])) continue;
    if (ua[i] !== ub[i]) return `index ${i}: js ${Object.is(fa[i], -0) ? '-0' : fa[i]} wasm ${fb[i]}`;
  }
  return null;
}

describe('wasm fp32 relu', () => {
  it('equals the JS loop bit for bit, tails and specials included', () => {
    const spy = vi.spyOn(wasm_fp32, 'relu');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer(), (n, seed) => {
        const x = new Tensor(values(n, seed), [n], 'float32');
        const [a, b] = both(() => relu(x));
        expect(bit_diff(a, b)).toBeNull();
      }),
      { numRuns: 60 },
    );
    expect(spy).toHaveBeenCalled();
    const x = new Tensor(
      Float32Array.of(Number.NaN, -0, Number.NEGATIVE_INFINITY, -1, 2, Number.POSITIVE_INFINITY),
      [6],
      'float32',
    );
    set_backend('wasm');
    expect(Array.from(relu(x).data)).toEqual([Number.NaN, 0, 0, 0, 2, Number.POSITIVE_INFINITY]);
    expect(Object.is(relu(x).data[1], 0)).toBe(true);
  });

  it('keeps the JS path and its gradient when the tape records, the kernel under no_grad', () => {
    set_backend('wasm');
    const spy = vi.spyOn(wasm_fp32, 'relu');
    const x = new Tensor(Float32Array.of(-1, 2, 0, 3), [4], 'float32');
    x.requires_grad = true;
    const y = relu(x);
    expect(spy).not.toHaveBeenCalled();
    expect(y.grad_fn?.name).toBe('ReluBackward');
    expect(
      Array.from(y.grad_fn?.backward(new Tensor(Float32Array.of(1, 1, 1, 1), [4], 'float32'))[0]?.data ?? []),
    ).toEqual([0, 1, 0, 1]);
    const z = no_grad(() => relu(x));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(z.grad_fn).toBeFalsy();
    expect(Array.from(z.data)).toEqual([0, 2, 0, 3]);
  });
});

describe('wasm fp32 clamp', () => {
  it('equals the JS loop bit for bit: random bounds (one side missing, ±inf, −0, NaN-free), tails and specials', () => {
    const spy = vi.spyOn(wasm_fp32, 'clamp');
    const bound = fc.oneof(
      fc.constant(null),
      fc.constantFrom(0, -0, 6, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY),
      fc.double({ min: -3, max: 3, noNaN: true }),
    );
    let ran = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer(), bound, bound, (n, seed, lo, hi) => {
        if (lo === null && hi === null) return;
        const x = new Tensor(values(n, seed), [n], 'float32');
        const [a, b] = both(() => clamp(x, lo, hi));
        expect(bit_diff(a, b)).toBeNull();
        ran++;
      }),
      { numRuns: 150 },
    );
    expect(ran).toBeGreaterThan(100);
    expect(spy).toHaveBeenCalled();
    set_backend('wasm');
    const x = new Tensor(Float32Array.of(Number.NaN, -0, Number.NEGATIVE_INFINITY, -1, 2, 7, 0), [7], 'float32');
    const y = relu6(x).data;
    expect(Array.from(y)).toEqual([Number.NaN, 0, 0, 0, 2, 6, 0]);
    expect(Object.is(y[1], 0)).toBe(true); // max(−0, +0) is +0, as Math.max
  });

  it('keeps the JS path and its gradient when the tape records', () => {
    set_backend('wasm');
    const spy = vi.spyOn(wasm_fp32, 'clamp');
    const x = new Tensor(Float32Array.of(-1, 2, 7, 3), [4], 'float32');
    x.requires_grad = true;
    const y = relu6(x);
    expect(spy).not.toHaveBeenCalled();
    expect(y.grad_fn).toBeTruthy();
    expect(Array.from(no_grad(() => relu6(x)).data)).toEqual([0, 2, 6, 3]);
    expect(spy).toHaveBeenCalledTimes(1);
  });
});

describe('wasm fp32 batch_norm (eval)', () => {
  it('equals the JS loop bit for bit for random shapes, with and without affine parameters', () => {
    const spy = vi.spyOn(wasm_fp32, 'batch_norm_affine');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 2 }),
        fc.boolean(),
        fc.integer(),
        (n, c, rest, affine, seed) => {
          const rnd = lcg(seed ^ 0x5bd1);
          const vec = (lo: number, span: number) => Float32Array.from({ length: c }, () => lo + rnd() * span);
          const shape = [n, c, ...rest];
          const x = new Tensor(
            values(
              shape.reduce((p, q) => p * q, 1),
              seed,
            ),
            shape,
            'float32',
          );
          const mean = new Tensor(vec(-1, 2), [c], 'float32');
          const vr = new Tensor(vec(0.01, 3), [c], 'float32');
          const weight = affine ? new Tensor(vec(-2, 4), [c], 'float32') : null;
          const bias = affine ? new Tensor(vec(-1, 2), [c], 'float32') : null;
          const eps = affine ? 1e-5 : 1e-3;
          const [a, b] = both(() => batch_norm(x, mean, vr, { weight, bias, eps }));
          expect(bit_diff(a, b)).toBeNull();
        },
      ),
      { numRuns: 60 },
    );
    expect(spy).toHaveBeenCalled();
  });

  it('runs the JS path in training mode and when a parameter requires grad', () => {
    set_backend('wasm');
    const spy = vi.spyOn(wasm_fp32, 'batch_norm_affine');
    const x = new Tensor(values(2 * 3 * 5, 7), [2, 3, 5], 'float32');
    const mean = new Tensor(Float32Array.of(0.1, -0.2, 0.3), [3], 'float32');
    const vr = new Tensor(Float32Array.of(1, 2, 0.5), [3], 'float32');
    const weight = new Tensor(Float32Array.of(1.5, -1, 0.5), [3], 'float32');
    weight.requires_grad = true;
    const y = batch_norm(x, mean, vr, { weight });
    expect(spy).not.toHaveBeenCalled();
    expect(y.grad_fn?.name).toBe('NativeBatchNormBackward');
    batch_norm(x, new Tensor(mean.data.slice(), [3], 'float32'), new Tensor(vr.data.slice(), [3], 'float32'), {
      training: true,
    });
    expect(spy).not.toHaveBeenCalled();
    const z = no_grad(() => batch_norm(x, mean, vr, { weight }));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(bit_diff(y, z)).toBeNull();
  });
});

describe('wasm fp32 max_pool2d', () => {
  it('equals the JS loops bit for bit for random windows (2×2/2 fast path included)', () => {
    const spy = vi.spyOn(wasm_fp32, 'max_pool2d');
    const geometry = fc.record({
      planes: fc.integer({ min: 1, max: 4 }),
      h: fc.integer({ min: 1, max: 13 }),
      w: fc.integer({ min: 1, max: 40 }),
      k: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
      s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      d: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      pad: fc.tuple(fc.boolean(), fc.boolean()),
      ceil_mode: fc.boolean(),
      batched: fc.boolean(),
      pool2x2: fc.boolean(),
      seed: fc.integer(),
    });
    let ran = 0;
    fc.assert(
      fc.property(geometry, (g) => {
        const kernel: [number, number] = g.pool2x2 ? [2, 2] : g.k;
        const stride: [number, number] = g.pool2x2 ? [2, 2] : g.s;
        const dilation: [number, number] = g.pool2x2 ? [1, 1] : g.d;
        const padding: [number, number] = g.pool2x2
          ? [0, 0]
          : [g.pad[0] ? Math.floor(kernel[0] / 2) : 0, g.pad[1] ? Math.floor(kernel[1] / 2) : 0];
        // windows that do not fit the input are the op's own error, on both backends
        if ((kernel[0] - 1) * dilation[0] + 1 > g.h + 2 * padding[0]) return;
        if ((kernel[1] - 1) * dilation[1] + 1 > g.w + 2 * padding[1]) return;
        const shape = g.batched ? [1, g.planes, g.h, g.w] : [g.planes, g.h, g.w];
        const x = new Tensor(values(g.planes * g.h * g.w, g.seed), shape, 'float32');
        const opts = { stride, padding, dilation, ceil_mode: g.ceil_mode };
        const [a, b] = both(() => max_pool2d(x, kernel, opts));
        expect(bit_diff(a, b)).toBeNull();
        ran++;
      }),
      { numRuns: 400 },
    );
    expect(ran).toBeGreaterThan(50);
    expect(spy).toHaveBeenCalled();
  });

  it('keeps first-wins ties of −0/+0 and lets NaN win', () => {
    set_backend('wasm');
    const x = new Tensor(
      Float32Array.of(-0, 0, Number.NaN, 5, 0, -0, -1, -2, 1, 3, 3, Number.NaN),
      [1, 1, 2, 6],
      'float32',
    );
    const y = max_pool2d(x, 2).data;
    expect(Object.is(y[0], -0)).toBe(true);
    expect(Number.isNaN(y[1])).toBe(true);
    expect(Number.isNaN(y[2])).toBe(true);
    const x2 = new Tensor(Float32Array.of(0, -0, -0, 0), [1, 1, 2, 2], 'float32');
    expect(Object.is(max_pool2d(x2, [1, 2]).data[0], 0)).toBe(true);
  });

  it('runs the JS path for indices and when the tape records', () => {
    set_backend('wasm');
    const spy = vi.spyOn(wasm_fp32, 'max_pool2d');
    const x = new Tensor(values(2 * 6 * 6, 3), [2, 6, 6], 'float32');
    const [y, idx] = max_pool2d(x, 2, { return_indices: true });
    expect(idx.shape).toEqual([2, 3, 3]);
    x.requires_grad = true;
    const z = max_pool2d(x, 2);
    expect(z.grad_fn?.name).toBe('MaxPool2DWithIndicesBackward');
    expect(spy).not.toHaveBeenCalled();
    const w = no_grad(() => max_pool2d(x, 2));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(bit_diff(y, w)).toBeNull();
    expect(bit_diff(z, w)).toBeNull();
  });

  it('rejects a mismatched geometry naming the kernel', () => {
    expect(() =>
      wasm.fp32.max_pool2d?.(new Float32Array(10), {
        planes: 1,
        in_h: 3,
        in_w: 3,
        out_h: 1,
        out_w: 1,
        kernel_h: 2,
        kernel_w: 2,
        stride: [2, 2],
        padding: [0, 0],
        dilation: [1, 1],
      }),
    ).toThrow(/wasm\.max_pool2d: x has 10 elements/);
    expect(() =>
      wasm.fp32.batch_norm_affine?.(new Float32Array(6), 2, 3, new Float64Array(3), new Float64Array(3)),
    ).toThrow(/wasm\.batch_norm_affine: planes \(2\) must be a multiple of the channel count \(3\)/);
  });
});
