import { describe, expect, it } from 'vitest';
import { nn, tensor } from '../../../index.js';

describe('tensor core', () => {
  it('broadcast add and its gradient reduce over broadcast dims', () => {
    const a = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requires_grad: true },
    );
    const b = tensor([10, 20, 30], { requires_grad: true });
    const c = a.add(b).mul(a);
    expect([...c.data]).toEqual([11, 44, 99, 56, 125, 216]);
    c.backward(
      tensor([
        [1, 1, 1],
        [1, 1, 1],
      ]),
    );
    // d/da (a+b)*a = 2a + b; d/db = a summed over rows
    expect([...(a.grad?.data ?? [])]).toEqual([12, 24, 36, 18, 30, 42]);
    expect([...(b.grad?.data ?? [])]).toEqual([5, 7, 9]);
  });

  it('rejects shapes that cannot broadcast, naming the op and dims', () => {
    expect(() => tensor([[1, 2, 3]]).add(tensor([1, 2]))).toThrow(/add: shapes \[1, 3\] and \[2\]/);
  });

  it('module registers children and parameters by assignment', () => {
    class Net extends nn.Module {
      a = new nn.Identity();
      w = new nn.Parameter(tensor([1, 2]));
    }
    const n = new Net();
    expect([...n.named_modules()].map(([k]) => k)).toEqual(['', 'a']);
    expect(Object.keys(n.state_dict())).toEqual(['w']);
    expect(() => n.load_state_dict({ w: tensor([1, 2, 3]) })).toThrow(/size mismatch for "w"/);
    expect(() => n.load_state_dict({})).toThrow(/missing keys: "w"/);
  });
});
