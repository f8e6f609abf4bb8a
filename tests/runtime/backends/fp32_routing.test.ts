/**
 * The float ops run on the selected backend's fp32 kernels: with set_backend('wasm'), F.conv2d,
 * F.linear and matmul call the wasm f32x4 sgemm / conv2d (not the js ones), and agree with the js
 * reference within float32 rounding of a different summation order, gradients included.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { F, Generator, matmul, no_grad, randn, type Tensor } from '../../../index.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';

const wasm = load_wasm_backend();
const js = get_backend('js');

function rnd(shape: number[], seed: number, requires_grad = false): Tensor {
  const t = randn(shape, { generator: new Generator(seed) });
  t.requires_grad = requires_grad;
  return t;
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-4): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  expect(worst).toBeLessThan(tol);
}

/** Runs fn on a backend, counting calls of each backend's fp32 kernels. */
function on(backend: 'js' | 'wasm', fn: () => Tensor[]) {
  const spies = {
    wasm_sgemm: vi.spyOn(wasm.fp32, 'sgemm'),
    wasm_conv: vi.spyOn(wasm.fp32, 'conv2d'),
    js_sgemm: vi.spyOn(js.fp32, 'sgemm'),
    js_conv: vi.spyOn(js.fp32, 'conv2d'),
  };
  set_backend(backend);
  try {
    const out = fn().map((t) => Float32Array.from(t.data));
    const calls = Object.fromEntries(Object.entries(spies).map(([k, s]) => [k, s.mock.calls.length]));
    return { out, calls };
  } finally {
    set_backend('js');
    for (const s of Object.values(spies)) s.mockRestore();
  }
}

describe('fp32 ops follow set_backend', () => {
  afterEach(() => set_backend('js'));

  it('matmul (2-d, batched, broadcast) runs on the selected backend, with gradients', () => {
    const run = () => {
      const a = rnd([2, 3, 17, 40], 1, true);
      const b = rnd([40, 9], 2, true);
      const c = rnd([3, 9, 5], 3);
      const y = matmul(matmul(a, b), c);
      y.sum().backward();
      return [y, a.grad as Tensor, b.grad as Tensor];
    };
    const w = on('wasm', run);
    const j = on('js', run);
    expect(w.calls.wasm_sgemm).toBeGreaterThan(0);
    expect(w.calls.js_sgemm).toBe(0);
    expect(j.calls.js_sgemm).toBeGreaterThan(0);
    expect(j.calls.wasm_sgemm).toBe(0);
    for (const [i, o] of w.out.entries()) close(o, j.out[i]);
  });

  it('F.linear and F.conv2d forward run on the selected backend', () => {
    const run = () =>
      no_grad(() => [
        F.linear(rnd([7, 33], 4), rnd([12, 33], 5), rnd([12], 6)),
        F.conv2d(rnd([2, 3, 11, 9], 7), rnd([8, 3, 3, 3], 8), rnd([8], 9), { padding: 1, stride: [2, 1] }),
      ]);
    const w = on('wasm', run);
    const j = on('js', run);
    expect(w.calls.wasm_sgemm + w.calls.wasm_conv).toBeGreaterThanOrEqual(2);
    expect(w.calls.js_sgemm + w.calls.js_conv).toBe(0);
    expect(j.calls.wasm_sgemm + j.calls.wasm_conv).toBe(0);
    for (const [i, o] of w.out.entries()) close(o, j.out[i]);
  });
});
