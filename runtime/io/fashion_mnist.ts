/**
 * Fashion-MNIST: the IDX files of a split, validated and normalised as the reference models expect.
 * Browser-safe: build the record from fetched bytes with fashion_mnist_from_bytes; loading from a folder
 * (load_fashion_mnist) lives in node/fashion_mnist_file.ts.
 */
import { Tensor } from '../tensor/tensor.js';
import { type IdxOptions, parse_idx } from './idx.js';

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

/** The file names of a split's images and labels, uncompressed (the gzip files add `.gz`). */
export function fashion_mnist_file_names(split: FashionMnistSplit): { images: string; labels: string } {
  if (!Object.hasOwn(PREFIX, split))
    throw new Error(`load_fashion_mnist: unknown split '${split}' (use ${Object.keys(PREFIX).join(', ')})`);
  const prefix = PREFIX[split];
  return { images: `${prefix}-images-idx3-ubyte`, labels: `${prefix}-labels-idx1-ubyte` };
}

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

/** The IDX bytes (raw or gzip) of a split's images and labels, with names for errors (file names or URLs). */
export interface FashionMnistBytes {
  images: Uint8Array;
  labels: Uint8Array;
  images_source?: string;
  labels_source?: string;
}

/**
 * Parses a split's IDX bytes into raw tensors: images uint8 [N, 28, 28], labels uint8 [N], validated
 * against each other (same N, labels 0..9). Errors name the sources.
 */
export function fashion_mnist_raw_from_bytes(
  files: FashionMnistBytes,
  options: IdxOptions = {},
): { pixels: Tensor; labels: Tensor } {
  const img = files.images_source ?? '<images>';
  const lbl = files.labels_source ?? '<labels>';
  const pixels = parse_idx(files.images, img, options);
  const labels = parse_idx(files.labels, lbl, options);
  if (pixels.dtype !== 'uint8' || pixels.ndim !== 3 || pixels.shape[1] !== 28 || pixels.shape[2] !== 28) {
    throw new Error(
      `load_fashion_mnist: ${img} holds ${pixels.dtype} [${pixels.shape.join(', ')}], expected uint8 [N, 28, 28]`,
    );
  }
  if (labels.dtype !== 'uint8' || labels.ndim !== 1) {
    throw new Error(
      `load_fashion_mnist: ${lbl} holds ${labels.dtype} [${labels.shape.join(', ')}], expected uint8 [N]`,
    );
  }
  if (labels.shape[0] !== pixels.shape[0]) {
    throw new Error(
      `load_fashion_mnist: ${img} has ${pixels.shape[0]} images but ${lbl} has ${labels.shape[0]} labels`,
    );
  }
  const bad = labels.data.findIndex((v) => v > 9);
  if (bad >= 0)
    throw new Error(`load_fashion_mnist: ${lbl}: label ${labels.data[bad]} at index ${bad} is not a class 0..9`);
  return { pixels, labels };
}

/** Raw tensors → the loaded record: images [N, 1, 28, 28] float32 normalised, labels [N] int64. */
export function fashion_mnist_from_raw(raw: { pixels: Tensor; labels: Tensor }): FashionMnist {
  return {
    images: normalize_fashion_mnist(raw.pixels),
    labels: new Tensor(Float64Array.from(raw.labels.data), raw.labels.shape, 'int64'),
  };
}

/**
 * A split from its IDX bytes (e.g. fetched in a browser), exactly as load_fashion_mnist builds it from
 * a folder: images [N, 1, 28, 28] float32 normalised, labels [N] int64.
 */
export function fashion_mnist_from_bytes(files: FashionMnistBytes, options: IdxOptions = {}): FashionMnist {
  return fashion_mnist_from_raw(fashion_mnist_raw_from_bytes(files, options));
}
