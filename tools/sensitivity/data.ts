/**
 * The default data of the analysis tools: Fashion-MNIST IDX files (the repo ships the test set and the
 * first 1,000 training images under examples/data/fashion-mnist). Calibration = the first N training
 * images in order, batches of 50, as the PyTorch reference calibrates; evaluation = top-1 accuracy on a
 * [offset, offset + N) slice of the test set.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { no_grad } from '../../runtime/autograd/grad_mode.js';
import { type FashionMnistSplit, normalize_fashion_mnist, read_fashion_mnist_raw } from '../../runtime/io/index.js';
import type { Module } from '../../runtime/nn/module.js';
import { Tensor } from '../../runtime/tensor/tensor.js';

/** examples/data/fashion-mnist of this repo. */
export const DEFAULT_DATA_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'examples',
  'data',
  'fashion-mnist',
);

/** Normalised images [N, 1, 28, 28] and their labels. */
export interface ImageSet {
  images: Tensor;
  labels: Int32Array;
  /** Where they came from, for reports. */
  source: string;
}

/** Rows [offset, offset + count) of a Fashion-MNIST split, normalised. */
export function load_images(dir: string, split: FashionMnistSplit, count: number, offset = 0): ImageSet {
  if (!existsSync(dir)) throw new Error(`load_images: data directory ${dir} does not exist`);
  const { pixels, labels } = read_fashion_mnist_raw(dir, split);
  const have = pixels.shape[0];
  if (!(Number.isInteger(count) && count > 0 && Number.isInteger(offset) && offset >= 0))
    throw new Error(
      `load_images: count must be a positive integer and offset ≥ 0, got count=${count} offset=${offset}`,
    );
  if (offset + count > have)
    throw new Error(
      `load_images: rows [${offset}, ${offset + count}) asked of ${dir} (${split}), which has ${have} images`,
    );
  const px = new Tensor(
    (pixels.data as Uint8Array).slice(offset * 784, (offset + count) * 784),
    [count, 28, 28],
    'uint8',
  );
  return {
    images: normalize_fashion_mnist(px),
    labels: Int32Array.from((labels.data as Uint8Array).subarray(offset, offset + count)),
    source: `${split} [${offset}, ${offset + count}) of ${dir}`,
  };
}

/** Calibration images: the first `count` training images (train-first1000 when that covers them). */
export function load_calibration(dir: string = DEFAULT_DATA_DIR, count = 1000): ImageSet {
  const small = join(dir, 'train-first1000-images-idx3-ubyte.gz');
  const split: FashionMnistSplit = count <= 1000 && existsSync(small) ? 'train-first1000' : 'train';
  return load_images(dir, split, count);
}

/** Rows [start, start + count) of an image batch tensor, sharing storage. */
export function rows(images: Tensor, start: number, count: number): Tensor {
  const per = images.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = (images.data as Float32Array).subarray(start * per, (start + count) * per);
  return new Tensor(data, [count, ...images.shape.slice(1)], 'float32');
}

/** Runs the model over the images in batches (observers record); outputs are discarded. */
export function run_calibration(model: Module, images: Tensor, batch_size = 50): void {
  const n = images.shape[0];
  no_grad(() => {
    for (let s = 0; s < n; s += batch_size) model.call(rows(images, s, Math.min(batch_size, n - s)));
  });
}

/** Top-1 predictions of a model returning [N, classes] logits (dequantized when int8). */
export function predict(model: Module, images: Tensor, batch_size = 250): Int32Array {
  const n = images.shape[0];
  const out = new Int32Array(n);
  no_grad(() => {
    for (let s = 0; s < n; s += batch_size) {
      const m = Math.min(batch_size, n - s);
      let y = model.call(rows(images, s, m)) as Tensor;
      if (!(y instanceof Tensor) || y.ndim !== 2 || y.shape[0] !== m)
        throw new Error(
          `predict: the model must return [N, classes] logits; got ${y instanceof Tensor ? `[${y.shape.join(', ')}]` : typeof y} for a batch of ${m}`,
        );
      if (y.is_quantized) y = y.dequantize();
      const d = y.data as ArrayLike<number>;
      const c = y.shape[1];
      for (let i = 0; i < m; i++) {
        let best = 0;
        for (let k = 1; k < c; k++) if (d[i * c + k] > d[i * c + best]) best = k;
        out[s + i] = best;
      }
    }
  });
  return out;
}

/** Fraction of the set the model classifies correctly. */
export function accuracy(model: Module, set: ImageSet, batch_size = 250): number {
  const p = predict(model, set.images, batch_size);
  let ok = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === set.labels[i]) ok++;
  return p.length ? ok / p.length : 0;
}
