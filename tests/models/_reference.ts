/** Shared fixtures of the fp32 model tests: golden batch, test images, reference predictions. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { predict_classes } from '../../examples/models/predict.js';
import { load_fashion_mnist, load_safetensors, type nn, no_grad, type Tensor } from '../../index.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const GOLDEN = join(ROOT, 'tests', 'fixtures', 'reference', 'golden');
const PRED = join(ROOT, 'tests', 'fixtures', 'reference', 'fp32_predictions.json');

/** The reference's (PyTorch-equivalent, via ONNX Runtime) predictions and correct counts on the test set. */
export interface ReferencePredictions {
  correct_first1000: number;
  correct_test10k: number;
  predictions: string;
}

export function reference_predictions(model: string): ReferencePredictions {
  return (JSON.parse(readFileSync(PRED, 'utf8')) as Record<string, ReferencePredictions>)[model];
}

/** The golden batch (first 8 test images) and PyTorch's fp32 logits for it. */
export function golden_batch(golden_file: string): { x: Tensor; logits: number[][] } {
  const st = load_safetensors(join(GOLDEN, `${golden_file}.safetensors`));
  const json = JSON.parse(readFileSync(join(GOLDEN, `${golden_file}.json`), 'utf8')) as { fp32_logits: number[][] };
  return { x: st['input/x_fp32'], logits: json.fp32_logits };
}

/** Checks fxq's fp32 logits on the golden batch against PyTorch's, elementwise within `tol`; returns the max diff. */
export function expect_logits_close(model: nn.Module, golden_file: string, tol = 1e-4): number {
  const { x, logits } = golden_batch(golden_file);
  const y = no_grad(() => model.call(x) as Tensor);
  expect(y.shape).toEqual([8, 10]);
  let max = 0;
  logits.flat().forEach((v, i) => {
    max = Math.max(max, Math.abs(y.data[i] - v));
  });
  expect(max).toBeLessThan(tol);
  return max;
}

let test_set: { images: Tensor; labels: Tensor } | null = null;
export function fashion_test_set(): { images: Tensor; labels: Tensor } {
  test_set ??= load_fashion_mnist(join(ROOT, 'examples', 'data', 'fashion-mnist'), 'test');
  return test_set;
}

/** Predicted classes (argmax of the logits) of the first `n` test images, in batches. */
export function predict(model: nn.Module, n: number, batch = 250): Uint8Array {
  return predict_classes(model, fashion_test_set().images, n, batch);
}

/** Checks the first `n` predictions: correct count within `slack` of the reference, and at most `slack` disagreements. */
export function expect_accuracy_matches(
  model: nn.Module,
  name: string,
  n: 1000 | 10000,
  slack = 2,
): { correct: number; disagree: number } {
  const ref = reference_predictions(name);
  const { labels } = fashion_test_set();
  const preds = predict(model, n);
  let correct = 0;
  let disagree = 0;
  for (let i = 0; i < n; i++) {
    if (preds[i] === labels.data[i]) correct++;
    if (preds[i] !== Number(ref.predictions[i])) disagree++;
  }
  const expected = n === 1000 ? ref.correct_first1000 : ref.correct_test10k;
  expect(Math.abs(correct - expected)).toBeLessThanOrEqual(slack);
  expect(disagree).toBeLessThanOrEqual(slack);
  return { correct, disagree };
}
