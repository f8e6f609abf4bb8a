import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load_fashion_mnist, load_safetensors } from '../../../runtime/io/index.js';

const root = join(import.meta.dirname, '..', '..', '..');
const data = join(root, 'examples', 'data', 'fashion-mnist');
const golden = join(root, 'tests', 'fixtures', 'reference', 'golden');

describe('Fashion-MNIST', () => {
  it('test split: 10,000 images normalised bit-identically to the reference inputs', () => {
    const { images, labels } = load_fashion_mnist(data, 'test');
    expect(images.shape).toEqual([10000, 1, 28, 28]);
    expect(images.dtype).toBe('float32');
    expect(labels.shape).toEqual([10000]);
    expect(labels.dtype).toBe('int64');
    const x = load_safetensors(join(golden, 'fmnist_cnn_ptq.safetensors'))['input/x_fp32'];
    expect(images.data.subarray(0, x.numel())).toEqual(x.data);
    expect([...labels.data.subarray(0, 8)]).toEqual([9, 2, 1, 1, 6, 1, 4, 6]);
    // each class has 1,000 test images
    const counts = new Array(10).fill(0);
    for (const l of labels.data) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
  });

  it('the committed calibration subset: the first 1,000 training images', () => {
    const { images, labels } = load_fashion_mnist(data, 'train-first1000');
    expect(images.shape).toEqual([1000, 1, 28, 28]);
    // first training labels of Fashion-MNIST (ankle boot, t-shirt, t-shirt, dress, t-shirt)
    expect([...labels.data.subarray(0, 5)]).toEqual([9, 0, 0, 3, 0]);
  });

  it('a missing split names the files it looked for', () => {
    expect(() => load_fashion_mnist(data, 'train')).toThrow(
      /train-images-idx3-ubyte\.gz, .*train-images-idx3-ubyte exists/,
    );
  });
});
