/**
 * What the PTQ demo measures on a model: calibration passes, test accuracy (with the predictions, for
 * top-1 agreement between fp32 and int8) and the state_dict size in bytes.
 */
import { alloc, type nn, no_grad, type Tensor } from '../../index.js';
import { image_batch, type LabelledImages } from './fmnist_data.js';

/** Called after each batch with the images done so far and the total. */
export type Progress = (done: number, total: number) => void;

/** Runs `model` over the images in order, batch by batch, discarding outputs (observers record). */
export function calibrate(
  model: nn.Module,
  images: Tensor,
  options: { batch_size?: number; on_progress?: Progress } = {},
): void {
  const bs = options.batch_size ?? 50;
  const n = images.shape[0];
  no_grad(() => {
    for (let s = 0; s < n; s += bs) {
      const m = Math.min(bs, n - s);
      model.call(image_batch(images, s, m));
      options.on_progress?.(s + m, n);
    }
  });
}

/** Test-set result: correct count, accuracy in [0, 1], and the predicted class of each image. */
export interface AccuracyResult {
  correct: number;
  total: number;
  accuracy: number;
  predictions: Int32Array;
}

/** Index of the largest of row `i` of [rows, classes] logits (first on ties, as torch.argmax). */
function argmax_row(y: ArrayLike<number>, i: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (y[i * classes + c] > y[i * classes + best]) best = c;
  return best;
}

/** Top-1 accuracy of `model` (images → [N, classes] logits) on labelled images, in batches. */
export function evaluate_accuracy(
  model: nn.Module,
  set: LabelledImages,
  options: { batch_size?: number; on_progress?: Progress } = {},
): AccuracyResult {
  const bs = options.batch_size ?? 250;
  const n = set.labels.length;
  if (set.images.shape[0] !== n)
    throw new Error(`evaluate_accuracy: ${set.images.shape[0]} images but ${n} labels (${set.source})`);
  const predictions = new Int32Array(n);
  let correct = 0;
  no_grad(() => {
    for (let s = 0; s < n; s += bs) {
      const m = Math.min(bs, n - s);
      const y = model.call(image_batch(set.images, s, m)) as Tensor;
      if (y.ndim !== 2 || y.shape[0] !== m)
        throw new Error(
          `evaluate_accuracy: model returned shape [${y.shape.join(', ')}] for a batch of ${m}, expected [${m}, classes]`,
        );
      const classes = y.shape[1];
      // a model that ends in a quantized region returns int8 logits: compare them as floats
      const yd = (y.is_quantized ? y.dequantize() : y).data;
      for (let i = 0; i < m; i++) {
        const p = argmax_row(yd, i, classes);
        predictions[s + i] = p;
        if (p === set.labels[s + i]) correct++;
      }
      options.on_progress?.(s + m, n);
    }
  });
  return { correct, total: n, accuracy: n ? correct / n : 0, predictions };
}

/** Fraction of images on which two prediction lists agree (fp32 vs int8 top-1 agreement). */
export function top1_agreement(a: Int32Array, b: Int32Array): number {
  if (a.length !== b.length) throw new Error(`top1_agreement: ${a.length} vs ${b.length} predictions`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length ? same / a.length : 0;
}

/**
 * Bytes of tensor payload in `model.state_dict()`: numel × element size of each entry (int8 weights 1,
 * float32 4, int64 8), the analogue of torch.save's size without its pickle framing.
 */
export function state_dict_nbytes(model: nn.Module): number {
  let bytes = 0;
  for (const t of Object.values(model.state_dict())) bytes += t.numel() * alloc(t.dtype, 0).BYTES_PER_ELEMENT;
  return bytes;
}
