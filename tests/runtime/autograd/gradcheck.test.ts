import { describe, expect, it } from 'vitest';
import { gradcheck, no_grad, Tensor, tensor } from '../../../index.js';
import { record_grad } from '../../../runtime/autograd/function.js';

/** x³ with a backward that is deliberately off by `err` per element (to prove gradcheck can fail). */
function cube_with_bug(x: Tensor, err: number): Tensor {
  const o = new Float32Array(x.numel());
  for (let i = 0; i < o.length; i++) o[i] = x.data[i] ** 3;
  const out = new Tensor(o, x.shape, 'float32');
  return record_grad(out, [x], 'CubeBackward', (g) => {
    const r = new Float32Array(o.length);
    for (let i = 0; i < r.length; i++) r[i] = g.data[i] * (3 * x.data[i] ** 2 + err);
    return [new Tensor(r, x.shape, 'float32')];
  });
}

describe('gradcheck', () => {
  const x = () =>
    tensor(
      [
        [0.3, -1.2, 0.8],
        [1.5, -0.4, 0.1],
      ],
      { requires_grad: true },
    );

  it('accepts a correct backward', () => {
    expect(gradcheck((a) => cube_with_bug(a, 0), [x()])).toBe(true);
  });

  it('rejects a wrong backward, naming the input and element', () => {
    expect(() => gradcheck((a) => cube_with_bug(a, 0.05), [x()])).toThrow(
      /gradcheck: Jacobian mismatch for input 0 \(shape \[2, 3\]\) at flat index \d+: analytic/,
    );
    expect(gradcheck((a) => cube_with_bug(a, 0.05), [x()], { raise_exception: false })).toBe(false);
  });

  it('checks only inputs that require grad, and leaves their .grad untouched', () => {
    const a = x();
    const b = tensor([2, 3, 4]);
    a.grad = tensor([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    expect(gradcheck((p, q) => p.mul(q), [a, b])).toBe(true);
    expect([...(a.grad?.data ?? [])]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(() => gradcheck((p) => p, [b])).toThrow(/no input has requires_grad/);
    expect(() => gradcheck((p) => no_grad(() => p.mul(2)), [a])).toThrow(/output does not require grad/);
  });
});
