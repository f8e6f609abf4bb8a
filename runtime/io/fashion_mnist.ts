/**
 * Fashion-MNIST loading: the IDX files of a split, normalised as the reference models expect.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { read_idx } from './idx.js';

/** Normalisation constants of the reference models (mean and std of the training pixels / 255). */
export const FASHION_MNIST_MEAN = 0.286;
export const FASHION_MNIST_STD = 0.353;

/** Class names by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/**
 * Splits and their file prefixes: 'train' (60,000), 'test' (10,000) and 'train-first1000', the
 * first 1,000 training images in order (the reference calibration set, the one train subset the repo carries).
 */
export type FashionMnistSplit = 'train' | 'test' | 'train-first1000';
const PREFIX: Record<FashionMnistSplit, string> = {
  train: 'train',
  test: 't10k',
  'train-first1000': 'train-first1000',
};

/** A loaded split: images [N, 1, 28, 28] float32 normalised, labels [N] int64. */
export interface FashionMnist {
  images: Tensor;
  labels: Tensor;
}

/**
 * uint8 pixels [N, 28, 28] (or [N, 1, 28, 28]) → float32 [N, 1, 28, 28], (x/255 − 0.2860)/0.3530, each
 * step rounded to float32 as torch's float32 ops do (bit-identical to the reference's inputs).
 */
export function normalize_fashion_mnist(pixels: Tensor): Tensor {
  if (pixels.dtype !== 'uint8') throw new Error(`normalize_fashion_mnist: expected uint8 pixels, got ${pixels.dtype}`);
  const n = pixels.shape[0];
  if (pixels.numel() !== n * 784) {
    throw new Error(`normalize_fashion_mnist: expected [N, 28, 28] pixels, got [${pixels.shape.join(', ')}]`);
  }
  const f = Math.fround;
  const mean = f(FASHION_MNIST_MEAN);
  const std = f(FASHION_MNIST_STD);
  // 256 possible pixel values: precompute each one's float32 result once
  const lut = new Float32Array(256);
  for (let p = 0; p < 256; p++) lut[p] = f(f(f(p / 255) - mean) / std);
  const src = pixels.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = lut[src[i]];
  return new Tensor(out, [n, 1, 28, 28], 'float32');
}

function find_file(dir: string, stem: string): string {
  const candidates = [join(dir, `${stem}.gz`), join(dir, stem)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`load_fashion_mnist: none of ${candidates.join(', ')} exists`);
  return found;
}

/** Reads a split's raw IDX tensors: images uint8 [N, 28, 28], labels uint8 [N], validated against each other. */
export function read_fashion_mnist_raw(dir: string, split: FashionMnistSplit): { pixels: Tensor; labels: Tensor } {
  const prefix = PREFIX[split];
  if (!prefix) throw new Error(`load_fashion_mnist: unknown split '${split}' (use ${Object.keys(PREFIX).join(', ')})`);
  const img_path = find_file(dir, `${prefix}-images-idx3-ubyte`);
  const lbl_path = find_file(dir, `${prefix}-labels-idx1-ubyte`);
  const pixels = read_idx(img_path);
  const labels = read_idx(lbl_path);
  if (pixels.dtype !== 'uint8' || pixels.ndim !== 3 || pixels.shape[1] !== 28 || pixels.shape[2] !== 28) {
    throw new Error(
      `load_fashion_mnist: ${img_path} holds ${pixels.dtype} [${pixels.shape.join(', ')}], expected uint8 [N, 28, 28]`,
    );
  }
  if (labels.dtype !== 'uint8' || labels.ndim !== 1) {
    throw new Error(
      `load_fashion_mnist: ${lbl_path} holds ${labels.dtype} [${labels.shape.join(', ')}], expected uint8 [N]`,
    );
  }
  if (labels.shape[0] !== pixels.shape[0]) {
    throw new Error(
      `load_fashion_mnist: ${img_path} has ${pixels.shape[0]} images but ${lbl_path} has ${labels.shape[0]} labels`,
    );
  }
  const bad = labels.data.findIndex((v) => v > 9);
  if (bad >= 0)
    throw new Error(`load_fashion_mnist: ${lbl_path}: label ${labels.data[bad]} at index ${bad} is not a class 0..9`);
  return { pixels, labels };
}

/**
 * Loads a Fashion-MNIST split from `dir` (files `<prefix>-{images-idx3,labels-idx1}-ubyte[.gz]`):
 * images [N, 1, 28, 28] float32 normalised, labels [N] int64.
 */
export function load_fashion_mnist(dir: string, split: FashionMnistSplit): FashionMnist {
  const { pixels, labels } = read_fashion_mnist_raw(dir, split);
  return {
    images: normalize_fashion_mnist(pixels),
    labels: new Tensor(Float64Array.from(labels.data), labels.shape, 'int64'),
  };
}
