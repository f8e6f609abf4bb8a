import { describe, expect, it } from 'vitest';
import { DataLoader, type Dataset, default_collate, Subset, TensorDataset } from '../../../runtime/io/index.js';
import { arange, Generator, type Tensor, tensor } from '../../../runtime/tensor/index.js';

function ids(batches: Tensor[][]): number[][] {
  return batches.map((b) => [...b[1].data]);
}

describe('DataLoader', () => {
  const x = tensor(arange(0, 20, 1, { dtype: 'float32' }).data, { shape: [10, 2] });
  const y = arange(10);
  const ds = new TensorDataset(x, y);

  it('batches in order, keeping rows and labels together, with a short last batch', () => {
    const batches = [...new DataLoader(ds, { batch_size: 4 })];
    expect(batches.map((b) => b[0].shape)).toEqual([
      [4, 2],
      [4, 2],
      [2, 2],
    ]);
    expect(ids(batches)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect([...batches[2][0].data]).toEqual([16, 17, 18, 19]);
    expect(batches[0][1].dtype).toBe('int64');
    expect(new DataLoader(ds, { batch_size: 4 }).length).toBe(3);
  });

  it('drop_last drops the short batch', () => {
    const dl = new DataLoader(ds, { batch_size: 4, drop_last: true });
    expect(dl.length).toBe(2);
    expect(ids([...dl])).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  it('shuffle is a permutation, reproducible from the seed, and differs between epochs', () => {
    const run = (seed: number) => {
      const dl = new DataLoader(ds, { batch_size: 3, shuffle: true, generator: new Generator(seed) });
      return [ids([...dl]).flat(), ids([...dl]).flat()];
    };
    const [e1, e2] = run(0);
    expect([...e1].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(e1).not.toEqual(e2);
    expect(run(0)).toEqual([e1, e2]);
    expect(run(1)[0]).not.toEqual(e1);
    // rows still follow their labels after shuffling
    const [b] = [...new DataLoader(ds, { batch_size: 10, shuffle: true, generator: new Generator(3) })];
    for (let i = 0; i < 10; i++) expect(b[0].data[2 * i]).toBe(2 * b[1].data[i]);
  });

  it('collates a dataset without a batch fast path', () => {
    const plain: Dataset = { length: 3, get: (i) => [tensor([i, i], { dtype: 'float32' })] };
    const [b] = [...new DataLoader(plain, { batch_size: 3 })];
    expect(b[0].shape).toEqual([3, 2]);
    expect([...b[0].data]).toEqual([0, 0, 1, 1, 2, 2]);
    const sub = new Subset(ds, [9, 0]);
    expect(ids([...new DataLoader(sub, { batch_size: 2 })])).toEqual([[9, 0]]);
    expect([...sub.get(0)[0].data]).toEqual([18, 19]);
  });

  it('reports bad arguments clearly', () => {
    expect(() => new TensorDataset(x, arange(9))).toThrow(/tensor 0 has shape \[10, 2\], tensor 1 has \[9\]/);
    expect(() => new DataLoader(ds, { batch_size: 0 })).toThrow(/batch_size should be a positive integer/);
    expect(() => default_collate([[tensor([1])], [tensor([1, 2])]])).toThrow(/field 0 of sample 1 is \[2\]/);
  });
});
