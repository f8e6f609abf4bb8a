/**
 * Datasets and batching, as torch.utils.data: a Dataset maps an index to a tuple of tensors,
 * a DataLoader yields batches of them (stacked along a new leading dim), optionally shuffled.
 */
import { alloc } from '../tensor/dtype.js';
import { default_generator, type Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** A map-style dataset (torch's __len__ / __getitem__): `get(i)` returns one sample's tensors. */
export interface Dataset {
  readonly length: number;
  get(index: number): Tensor[];
  /** Optional fast path: the stacked batch for these indices (a DataLoader uses it when present). */
  get_batch?(indices: readonly number[]): Tensor[];
}

/** Copies rows `indices` of `t` (along dim 0) into a new tensor [indices.length, ...t.shape[1:]]. */
export function gather_rows(t: Tensor, indices: readonly number[]): Tensor {
  const row = t.shape.slice(1).reduce((p, d) => p * d, 1);
  const src = t.data;
  const out = alloc(t.dtype, indices.length * row);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b];
    if (!(i >= 0 && i < t.shape[0]))
      throw new Error(`gather_rows: index ${i} out of range for dim 0 of size ${t.shape[0]}`);
    out.set(src.subarray(i * row, (i + 1) * row), b * row);
  }
  return new Tensor(out, [indices.length, ...t.shape.slice(1)], t.dtype);
}

/** torch.utils.data.TensorDataset: sample i is row i of each tensor (all share dim 0). */
export class TensorDataset implements Dataset {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new Error('TensorDataset: needs at least one tensor');
    const n = tensors[0].shape[0];
    tensors.forEach((t, k) => {
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new Error(
          `TensorDataset: size mismatch between tensors: tensor 0 has shape [${tensors[0].shape.join(', ')}], tensor ${k} has [${t.shape.join(', ')}]`,
        );
      }
    });
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0].shape[0];
  }
  get(index: number): Tensor[] {
    const i = index < 0 ? index + this.length : index;
    return this.tensors.map((t) => {
      const r = gather_rows(t, [i]);
      return new Tensor(r.data, t.shape.slice(1), t.dtype);
    });
  }
  get_batch(indices: readonly number[]): Tensor[] {
    return this.tensors.map((t) => gather_rows(t, indices));
  }
}

/** torch.utils.data.Subset: the samples of `dataset` at `indices`, in that order. */
export class Subset implements Dataset {
  constructor(
    readonly dataset: Dataset,
    readonly indices: readonly number[],
  ) {}
  get length(): number {
    return this.indices.length;
  }
  get(index: number): Tensor[] {
    return this.dataset.get(this.indices[index]);
  }
  get_batch(indices: readonly number[]): Tensor[] {
    const mapped = indices.map((i) => this.indices[i]);
    return this.dataset.get_batch
      ? this.dataset.get_batch(mapped)
      : default_collate(mapped.map((i) => this.dataset.get(i)));
  }
}

/** Stacks samples field by field along a new leading dim (torch's default_collate for tensors). */
export function default_collate(samples: Tensor[][]): Tensor[] {
  if (samples.length === 0) throw new Error('default_collate: empty batch');
  return samples[0].map((first, f) => {
    const row = first.numel();
    const out = alloc(first.dtype, samples.length * row);
    samples.forEach((s, b) => {
      const t = s[f];
      if (
        t.dtype !== first.dtype ||
        t.shape.length !== first.shape.length ||
        t.shape.some((d, i) => d !== first.shape[i])
      ) {
        throw new Error(
          `default_collate: field ${f} of sample ${b} is [${t.shape.join(', ')}] ${t.dtype}, sample 0 has [${first.shape.join(', ')}] ${first.dtype}`,
        );
      }
      out.set(t.data, b * row);
    });
    return new Tensor(out, [samples.length, ...first.shape], first.dtype);
  });
}

/** DataLoader options, with torch's names. */
export interface DataLoaderOptions {
  batch_size?: number;
  /** Reshuffle at the start of every pass (every iteration over the loader). */
  shuffle?: boolean;
  /** The shuffling generator; default: the global one (seed it with manual_seed). */
  generator?: Generator;
  /** Drop the last batch when it is smaller than batch_size. */
  drop_last?: boolean;
}

/**
 * torch.utils.data.DataLoader (single process): iterating yields one `Tensor[]` per batch, each field
 * stacked along dim 0. With shuffle, each pass draws a fresh permutation from `generator`, so a seeded
 * generator gives the same sequence of epochs every run.
 */
export class DataLoader implements Iterable<Tensor[]> {
  readonly batch_size: number;
  readonly shuffle: boolean;
  readonly drop_last: boolean;
  readonly generator: Generator;

  constructor(
    readonly dataset: Dataset,
    options: DataLoaderOptions = {},
  ) {
    this.batch_size = options.batch_size ?? 1;
    if (!Number.isInteger(this.batch_size) || this.batch_size < 1) {
      throw new Error(`DataLoader: batch_size should be a positive integer, got ${options.batch_size}`);
    }
    this.shuffle = options.shuffle ?? false;
    this.drop_last = options.drop_last ?? false;
    this.generator = options.generator ?? default_generator;
  }

  /** Number of batches in one pass (len(loader)). */
  get length(): number {
    const n = this.dataset.length;
    return this.drop_last ? Math.floor(n / this.batch_size) : Math.ceil(n / this.batch_size);
  }

  /** The sample order of one pass: 0..n-1, or a Fisher-Yates permutation drawn from the generator. */
  private order(): number[] {
    const n = this.dataset.length;
    const idx = Array.from({ length: n }, (_, i) => i);
    if (this.shuffle) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(this.generator.random() * (i + 1));
        const tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
      }
    }
    return idx;
  }

  *[Symbol.iterator](): Iterator<Tensor[]> {
    const idx = this.order();
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const chunk = idx.slice(b * this.batch_size, (b + 1) * this.batch_size);
      yield this.dataset.get_batch
        ? this.dataset.get_batch(chunk)
        : default_collate(chunk.map((i) => this.dataset.get(i)));
    }
  }
}
