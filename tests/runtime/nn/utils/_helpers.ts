/** Shared by the fusion tests: max |a − b| with a shape check, and seeded random BatchNorm statistics. */
import { expect } from 'vitest';
import { Generator, type nn, rand, randn, type Tensor } from '../../../../index.js';

/** Largest absolute difference of two same-shaped tensors. */
export function max_abs_diff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let d = 0;
  for (let i = 0; i < a.data.length; i++) d = Math.max(d, Math.abs(a.data[i] - b.data[i]));
  return d;
}

/** Fills a BatchNorm's affine params and running stats with seeded random values (var in [0.2, 2.2)). */
export function randomize_bn(bn: nn.BatchNorm1d | nn.BatchNorm2d, seed: number): void {
  const g = new Generator(seed);
  const n = bn.num_features;
  bn.weight?.data.set(randn([n], { generator: g }).data);
  bn.bias?.data.set(randn([n], { generator: g }).data);
  bn.running_mean?.data.set(randn([n], { generator: g }).data);
  const v = rand([n], { generator: g }).data;
  bn.running_var?.data.set(v.map((x) => 0.2 + 2 * x));
}
