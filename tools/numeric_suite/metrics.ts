/**
 * Comparison metrics of torch.ao.ns.fx.utils: compute_sqnr, compute_normalized_l2_error,
 * compute_cosine_similarity. Quantized inputs are dequantized first (as torch does). Sums run in
 * float64 so a metric over millions of elements does not drift; torch returns a 0-d tensor, fxq a number.
 */
import type { Tensor } from '../../runtime/tensor/tensor.js';

/** The float values of a tensor (dequantized when quantized), flattened. */
export function float_values(t: Tensor): ArrayLike<number> {
  // tensors are contiguous by contract (views share storage in order); quantized ones dequantize first
  return (t.is_quantized ? t.dequantize() : t).data as ArrayLike<number>;
}

function check_pair(op: string, x: Tensor, y: Tensor): [ArrayLike<number>, ArrayLike<number>] {
  const same = x.shape.length === y.shape.length && x.shape.every((d, i) => d === y.shape[i]);
  if (!same) throw new Error(`${op}: shapes differ: x [${x.shape.join(', ')}] vs y [${y.shape.join(', ')}]`);
  return [float_values(x), float_values(y)];
}

/**
 * Running sums for the three metrics, so a metric over many batches equals the metric over their
 * concatenation (the reference computes SQNR "over all 2000 images", not a mean of batch SQNRs).
 */
export class MetricAccumulator {
  /** Σx², Σ(x−y)², Σy², Σxy and the element count. */
  sxx = 0;
  see = 0;
  syy = 0;
  sxy = 0;
  count = 0;

  /** Adds one (reference x, approximation y) pair of equal shape. */
  add(x: Tensor, y: Tensor): this {
    const [a, b] = check_pair('MetricAccumulator.add', x, y);
    for (let i = 0; i < a.length; i++) {
      const xi = a[i];
      const yi = b[i];
      const e = xi - yi;
      this.sxx += xi * xi;
      this.see += e * e;
      this.syy += yi * yi;
      this.sxy += xi * yi;
    }
    this.count += a.length;
    return this;
  }

  /** 20·log10(‖x‖ / ‖x − y‖) in dB; +Infinity when y equals x. */
  sqnr(): number {
    return 10 * Math.log10(this.sxx / this.see);
  }

  /** ‖x − y‖ / ‖x‖ (torch: sqrt(((x − y)²).sum() / (x²).sum())). */
  normalized_l2_error(): number {
    return Math.sqrt(this.see / this.sxx);
  }

  /** x·y / (‖x‖·‖y‖) over the flattened tensors; norms floored at 1e-8 as torch's cosine_similarity. */
  cosine_similarity(): number {
    return this.sxy / Math.max(Math.sqrt(this.sxx) * Math.sqrt(this.syy), 1e-8);
  }
}

/** Signal to quantization noise ratio in dB of y against the reference x: 20·log10(‖x‖/‖x−y‖). */
export function compute_sqnr(x: Tensor, y: Tensor): number {
  return new MetricAccumulator().add(x, y).sqnr();
}

/** ‖x − y‖ / ‖x‖. */
export function compute_normalized_l2_error(x: Tensor, y: Tensor): number {
  return new MetricAccumulator().add(x, y).normalized_l2_error();
}

/** Cosine similarity of the flattened x and y. */
export function compute_cosine_similarity(x: Tensor, y: Tensor): number {
  return new MetricAccumulator().add(x, y).cosine_similarity();
}

/** The metrics by name, as the numeric suite and the CLI's --metric choose them. */
export const METRICS = {
  sqnr: compute_sqnr,
  l2_error: compute_normalized_l2_error,
  cosine: compute_cosine_similarity,
} as const;
export type MetricName = keyof typeof METRICS;
