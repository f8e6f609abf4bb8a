import { describe, expect, it } from 'vitest';
import { nn, type Tensor, tensor } from '../../../index.js';

function bn_state(extra: Record<string, Tensor> = {}): Record<string, Tensor> {
  return {
    weight: tensor([1, 2]),
    bias: tensor([0, 1]),
    running_mean: tensor([0.5, -0.5]),
    running_var: tensor([4, 1]),
    num_batches_tracked: tensor(938, { dtype: 'int64' }),
    ...extra,
  };
}

describe('load_state_dict', () => {
  for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']) {
    it(`strict mode reports an extra key named "${name}" and copies nothing`, () => {
      const fc = new nn.Linear(2, 1);
      const before = [...fc.weight.data];
      const sd: Record<string, Tensor> = { weight: tensor([[7, 8]]), bias: tensor([9]) };
      // defineProperty: an own "__proto__" key, as JSON.parse would make one
      Object.defineProperty(sd, name, { value: tensor([1]), enumerable: true });
      expect(() => fc.load_state_dict(sd)).toThrow(`load_state_dict for Linear: unexpected keys: "${name}"`);
      expect([...fc.weight.data]).toEqual(before);
      const r = fc.load_state_dict(sd, false);
      expect(r).toEqual({ missing_keys: [], unexpected_keys: [name] });
      expect([...fc.weight.data]).toEqual([7, 8]);
    });
  }

  it('a state_dict whose prototype has the keys is still missing them (own properties only)', () => {
    const fc = new nn.Linear(2, 1);
    const inherited = Object.create({ weight: tensor([[7, 8]]), bias: tensor([9]) }) as Record<string, Tensor>;
    expect(() => fc.load_state_dict(inherited)).toThrow(/missing keys: "weight", "bias"/);
  });

  it('accepts a num_batches_tracked of shape [1] as PyTorch does', () => {
    const bn = new nn.BatchNorm2d(2);
    bn.load_state_dict(bn_state({ num_batches_tracked: tensor([938], { dtype: 'int64' }) }));
    expect(bn.num_batches_tracked?.shape).toEqual([]);
    expect(bn.num_batches_tracked?.item()).toBe(938);
    expect([...(bn.running_var as Tensor).data]).toEqual([4, 1]);
  });

  it('still refuses other shape mismatches, [2] into a scalar included, naming the key', () => {
    const bn = new nn.BatchNorm2d(2);
    expect(() => bn.load_state_dict(bn_state({ num_batches_tracked: tensor([1, 2], { dtype: 'int64' }) }))).toThrow(
      /size mismatch for "num_batches_tracked": checkpoint has shape \[2\], model has \[\]/,
    );
    expect(() => bn.load_state_dict(bn_state({ running_mean: tensor([[0.5, -0.5]]) }))).toThrow(
      /size mismatch for "running_mean": checkpoint has shape \[1, 2\], model has \[2\]/,
    );
    expect(bn.num_batches_tracked?.item()).toBe(0);
  });
});
