/**
 * The demo's Fashion-MNIST inputs: the calibration images (first N training images, in order, as the
 * reference calibrates) and the test set, plus where each came from so the report can say it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type FashionMnist,
  load_fashion_mnist,
  normalize_fashion_mnist,
  read_fashion_mnist_raw,
  Tensor,
} from '../../index.js';

/** examples/data/fashion-mnist: the test set and the first 1,000 training images ship with the repo. */
export const REPO_DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'fashion-mnist');

/** Images [N, 1, 28, 28] normalised float32, labels as plain class numbers, and a human-readable origin. */
export interface LabelledImages {
  images: Tensor;
  labels: Int32Array;
  source: string;
}

/** The first `limit` rows of a raw split, normalised (copies only the rows it keeps). */
function first_rows(
  dir: string,
  split: 'train' | 'test' | 'train-first1000',
  limit: number,
  what: string,
): LabelledImages {
  const { pixels, labels } = read_fashion_mnist_raw(dir, split);
  const have = pixels.shape[0];
  if (!(Number.isInteger(limit) && limit > 0))
    throw new Error(`${what}: the number of images must be a positive integer, got ${limit}`);
  if (limit > have) throw new Error(`${what}: asked for ${limit} images but ${dir} (${split}) has only ${have}`);
  const px = new Tensor((pixels.data as Uint8Array).slice(0, limit * 784), [limit, 28, 28], 'uint8');
  const lb = Int32Array.from((labels.data as Uint8Array).subarray(0, limit));
  return { images: normalize_fashion_mnist(px), labels: lb, source: `${split} split of ${dir}, first ${limit}` };
}

/**
 * Calibration images: the first `limit` (default 1,000) training images in order. With `data_dir`
 * (the full training set: train-images-idx3-ubyte[.gz] and labels) they come from there; otherwise
 * from the repo's train-first1000 subset, which holds exactly those images.
 */
export function load_calibration_images(options: { data_dir?: string; limit?: number } = {}): LabelledImages {
  const limit = options.limit ?? 1000;
  const what = 'load_calibration_images';
  if (options.data_dir !== undefined) {
    const dir = options.data_dir;
    if (!existsSync(dir)) throw new Error(`${what}: data directory ${dir} does not exist (--data / FXQ_DATA)`);
    return first_rows(dir, 'train', limit, what);
  }
  if (limit > 1000)
    throw new Error(`${what}: the repo carries only the first 1,000 training images; pass --data DIR for ${limit}`);
  return first_rows(REPO_DATA_DIR, 'train-first1000', limit, what);
}

/** The first `limit` (default all 10,000) test images of the repo's copy of the test set. */
export function load_test_images(options: { limit?: number; data_dir?: string } = {}): LabelledImages {
  const dir = options.data_dir ?? REPO_DATA_DIR;
  return first_rows(dir, 'test', options.limit ?? 10000, 'load_test_images');
}

/** Rows [start, start + count) of an [N, 1, 28, 28] image tensor, sharing the storage (no copy). */
export function image_batch(images: Tensor, start: number, count: number): Tensor {
  const n = images.shape[0];
  if (start < 0 || count <= 0 || start + count > n)
    throw new Error(`image_batch: rows [${start}, ${start + count}) are outside the ${n} images`);
  const data = (images.data as Float32Array).subarray(start * 784, (start + count) * 784);
  return new Tensor(data, [count, 1, 28, 28], 'float32');
}

/**
 * The training set for the training examples: the full 60,000 images from `data_dir` when it holds them
 * (train-images-idx3-ubyte[.gz]), else the 1,000 the repo carries, saying so.
 */
export function load_training_set(data_dir?: string): FashionMnist {
  const has = (d: string) =>
    existsSync(join(d, 'train-images-idx3-ubyte.gz')) || existsSync(join(d, 'train-images-idx3-ubyte'));
  if (data_dir && has(data_dir)) {
    const train = load_fashion_mnist(data_dir, 'train');
    console.log(`training set: ${data_dir} (${train.labels.shape[0]} images)`);
    return train;
  }
  if (data_dir) console.log(`no Fashion-MNIST training files in ${data_dir}`);
  const train = load_fashion_mnist(REPO_DATA_DIR, 'train-first1000');
  console.log(
    `training set: the ${train.labels.shape[0]} training images the repo carries (pass --data DIR or set FXQ_DATA for the full 60,000); expect a lower accuracy`,
  );
  return train;
}
