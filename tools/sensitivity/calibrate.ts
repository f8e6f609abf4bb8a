/**
 * Calibration and evaluation over in-memory images (browser-safe): calibration runs the first N images
 * in batches of 50, as the PyTorch reference calibrates; evaluation is top-1 accuracy. File loading of
 * Fashion-MNIST lives in node/data.ts.
 */
import { no_grad } from '../../runtime/autograd/grad_mode.js';
import type { Module } from '../../runtime/nn/module.js';
import { Tensor } from '../../runtime/tensor/tensor.js';

/** Normalised images [N, 1, 28, 28] and their labels. */
export interface ImageSet {
  images: Tensor;
  labels: Int32Array;
  /** Where they came from, for reports. */
  source: string;
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
