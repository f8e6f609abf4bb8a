/** Fashion-MNIST from a folder of IDX files (Node only; the byte-level part is in ../fashion_mnist.ts). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../../tensor/tensor.js';
import {
  type FashionMnist,
  type FashionMnistSplit,
  fashion_mnist_file_names,
  fashion_mnist_from_raw,
  fashion_mnist_raw_from_bytes,
} from '../fashion_mnist.js';
import { read_idx_bytes } from './idx_file.js';

function find_file(dir: string, stem: string): string {
  const candidates = [join(dir, `${stem}.gz`), join(dir, stem)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`load_fashion_mnist: none of ${candidates.join(', ')} exists`);
  return found;
}

/** Reads a split's raw IDX tensors: images uint8 [N, 28, 28], labels uint8 [N], validated against each other. */
export function read_fashion_mnist_raw(dir: string, split: FashionMnistSplit): { pixels: Tensor; labels: Tensor } {
  const names = fashion_mnist_file_names(split);
  const img = find_file(dir, names.images);
  const lbl = find_file(dir, names.labels);
  return fashion_mnist_raw_from_bytes({
    images: read_idx_bytes(img),
    labels: read_idx_bytes(lbl),
    images_source: img,
    labels_source: lbl,
  });
}

/**
 * Loads a Fashion-MNIST split from `dir` (files `<prefix>-{images-idx3,labels-idx1}-ubyte[.gz]`):
 * images [N, 1, 28, 28] float32 normalised, labels [N] int64.
 */
export function load_fashion_mnist(dir: string, split: FashionMnistSplit): FashionMnist {
  return fashion_mnist_from_raw(read_fashion_mnist_raw(dir, split));
}
