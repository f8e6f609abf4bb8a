/** Batched argmax prediction over Fashion-MNIST images, shared by the fp32 evaluation and the model tests. */
import { type nn, no_grad, Tensor } from '../../index.js';

/**
 * Predicted classes (argmax of the 10 logits, first maximum wins) of the first `n` images of `images`
 * ([N, 784] or [N, 1, 28, 28] float32), run through `model` in batches of `batch` without autograd.
 */
export function predict_classes(model: nn.Module, images: Tensor, n: number, batch = 250): Uint8Array {
  const out = new Uint8Array(n);
  no_grad(() => {
    for (let s = 0; s < n; s += batch) {
      const m = Math.min(batch, n - s);
      const x = new Tensor(images.data.subarray(s * 784, (s + m) * 784), [m, 1, 28, 28], 'float32');
      const y = (model.call(x) as Tensor).data;
      for (let i = 0; i < m; i++) {
        let best = 0;
        for (let c = 1; c < 10; c++) if (y[i * 10 + c] > y[i * 10 + best]) best = c;
        out[s + i] = best;
      }
    }
  });
  return out;
}
