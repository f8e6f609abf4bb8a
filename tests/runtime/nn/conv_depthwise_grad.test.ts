import { describe, expect, it } from 'vitest';
import { cat, F, Generator, randn, type Tensor, zeros } from '../../../index.js';

/** Gradients of a depthwise conv (its direct-loop backward) vs the im2col path on an equivalent non-depthwise conv. */
function max_grad_diff(k: number, stride: number, padding: number, dilation: number, seed: number): number {
  const gen = new Generator(seed);
  const c_n = 3;
  const x = randn([2, c_n, 9, 8], { generator: gen });
  x.requires_grad = true;
  const w = randn([c_n, 1, k, k], { generator: gen });
  w.requires_grad = true;
  const opts = { stride, padding, dilation };
  const y = F.conv2d(x, w, null, { ...opts, groups: c_n });
  const gy = randn(y.shape, { generator: gen });
  y.mul(gy).sum().backward();
  let max = 0;
  const diff = (a: Tensor, b: Tensor): void => {
    for (let i = 0; i < a.numel(); i++) max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
  };
  for (let c = 0; c < c_n; c++) {
    // one channel as a 2-output conv whose second filter is zero: og = 2, so the im2col + sgemm backward runs
    const xc = x.detach().narrow(1, c, 1).clone();
    xc.requires_grad = true;
    const wc = cat([w.detach().narrow(0, c, 1).clone(), zeros([1, 1, k, k])], 0);
    wc.requires_grad = true;
    const gyc = gy.narrow(1, c, 1).clone();
    F.conv2d(xc, wc, null, opts)
      .mul(cat([gyc, zeros(gyc.shape)], 1))
      .sum()
      .backward();
    diff(x.grad?.narrow(1, c, 1).clone() as Tensor, xc.grad as Tensor);
    diff(w.grad?.narrow(0, c, 1).clone() as Tensor, wc.grad?.narrow(0, 0, 1).clone() as Tensor);
  }
  return max;
}

describe('depthwise conv2d backward (direct loops)', () => {
  it.each([
    [3, 1, 1, 1],
    [3, 2, 1, 1],
    [5, 1, 2, 1],
    [5, 2, 2, 1],
    [3, 2, 0, 2],
    [3, 3, 2, 1],
  ])('k %i stride %i padding %i dilation %i: same gradients as the im2col path', (k, s, p, d) => {
    expect(max_grad_diff(k, s, p, d, 17 * k + s + p + d)).toBeLessThan(1e-5);
  });
});
