/**
 * The default data of the analysis tools (Node: reads files): Fashion-MNIST IDX files (the repo ships the
 * test set and the first 1,000 training images under examples/data/fashion-mnist). Calibration = the first
 * N training images in order; evaluation = top-1 accuracy on a [offset, offset + N) slice of the test set
 * (the browser-safe calibrate/evaluate helpers are in ../calibrate.ts, re-exported here).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FashionMnistSplit, normalize_fashion_mnist, read_fashion_mnist_raw } from '../../../runtime/io/index.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import type { ImageSet } from '../calibrate.js';

export * from '../calibrate.js';

/** examples/data/fashion-mnist of this repo. */
export const DEFAULT_DATA_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'examples',
  'data',
  'fashion-mnist',
);

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
