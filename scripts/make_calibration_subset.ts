/**
 * Writes the reference calibration set — the first 1,000 Fashion-MNIST training images and labels,
 * in order — as small IDX .gz files the repo carries (the 26 MB training set is not committed).
 *
 *   npx tsx scripts/make_calibration_subset.ts /path/to/fashion-mnist [out_dir] [count]
 *
 * Default out_dir: examples/data/fashion-mnist; default count: 1000.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gather_rows, read_fashion_mnist_raw, write_idx } from '../runtime/io/index.js';

const [src, out_arg, count_arg] = process.argv.slice(2);
if (!src) {
  console.error('usage: npx tsx scripts/make_calibration_subset.ts <fashion-mnist dir> [out_dir] [count]');
  process.exit(2);
}
const out_dir = out_arg ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'data', 'fashion-mnist');
const count = Number(count_arg ?? 1000);
const { pixels, labels } = read_fashion_mnist_raw(src, 'train');
if (!Number.isInteger(count) || count < 1 || count > pixels.shape[0]) {
  throw new Error(`count must be an integer in 1..${pixels.shape[0]}, got ${count_arg}`);
}
const first = Array.from({ length: count }, (_, i) => i);
const name = count === 1000 ? 'train-first1000' : `train-first${count}`;
const img = join(out_dir, `${name}-images-idx3-ubyte.gz`);
const lbl = join(out_dir, `${name}-labels-idx1-ubyte.gz`);
write_idx(gather_rows(pixels, first), img);
write_idx(gather_rows(labels, first), lbl);
console.log(`wrote ${img} and ${lbl} (${count} images from ${src})`);
