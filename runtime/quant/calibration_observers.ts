/**
 * Clipping-range observers beyond PyTorch's set, all on the running histogram of HistogramObserverBase
 * (exact histc bounds, no int() cast): PercentileObserver (quantile clipping), MSEObserver (range that
 * minimises the expected quantization MSE), EntropyObserver (TensorRT's KL-divergence calibration).
 * On heavy-tailed activations they clip the rare tail that MinMax keeps, and spend the levels on the mass.
 */
import type { Tensor } from '../tensor/tensor.js';
import { HistogramObserverBase, type HistogramObserverOptions } from './histogram_observer.js';
import { rne } from './qparams.js';

const f = Math.fround;

/** Options of PercentileObserver. */
export interface PercentileObserverOptions extends HistogramObserverOptions {
  /** Percent of the mass kept inside the range on each side (default 99.99). */
  percentile?: number;
}

/** The value below which `frac` of the histogram's mass lies (linear within the bin). */
export function histogram_quantile(hist: ArrayLike<number>, lo: number, hi: number, frac: number): number {
  let total = 0;
  for (let i = 0; i < hist.length; i++) total += hist[i];
  const target = frac * total;
  const w = (hi - lo) / hist.length;
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    if (hist[i] > 0 && acc + hist[i] >= target) return lo + w * (i + (target - acc) / hist[i]);
    acc += hist[i];
  }
  return hi;
}

/** Clips both tails at a percentile of the observed distribution (e.g. 99.99%: 0.01% of the mass per side). */
export class PercentileObserver extends HistogramObserverBase {
  static readonly option_keys: readonly string[] = [...HistogramObserverBase.option_keys, 'percentile'];
  percentile: number;

  constructor(options: PercentileObserverOptions = {}) {
    super(options);
    const p = options.percentile ?? 99.99;
    if (!(p > 50 && p <= 100)) throw new Error(`${new.target.name}: percentile must be in (50, 100], got ${p}`);
    this.percentile = p;
  }

  search_range(): [number, number] {
    this.check_recorded();
    const h = this.histogram.data;
    const lo = this.min_val.data[0];
    const hi = this.max_val.data[0];
    const q = this.percentile / 100;
    return [f(histogram_quantile(h, lo, hi, 1 - q)), f(histogram_quantile(h, lo, hi, q))];
  }
}

/** Options of MSEObserver. */
export interface MSEObserverOptions extends HistogramObserverOptions {
  /** Number of candidate ranges [α·min, α·max], α = k / steps (default 100). */
  steps?: number;
}

/**
 * Picks the clipping range [α·min, α·max] (α on a grid over (0, 1]) whose qparams give the lowest expected
 * squared error over the histogram (mass at bin centres, fake-quantized with those qparams).
 */
export class MSEObserver extends HistogramObserverBase {
  static readonly option_keys: readonly string[] = [...HistogramObserverBase.option_keys, 'steps'];
  steps: number;

  constructor(options: MSEObserverOptions = {}) {
    super(options);
    const steps = options.steps ?? 100;
    if (!Number.isInteger(steps) || steps < 1)
      throw new Error(`${new.target.name}: steps must be a positive integer, got ${steps}`);
    this.steps = steps;
  }

  /** Expected squared quantization error of the recorded histogram for the range [lo, hi]. */
  expected_mse(lo: number, hi: number): number {
    const { scale, zero_point } = this.qparams_of([lo], [hi]);
    const s = scale[0];
    const zp = zero_point[0];
    const inv = f(1 / s);
    const h = this.histogram.data;
    const min = this.min_val.data[0];
    const w = (this.max_val.data[0] - min) / h.length;
    let err = 0;
    let total = 0;
    for (let i = 0; i < h.length; i++) {
      if (h[i] === 0) continue;
      const c = min + w * (i + 0.5);
      const q = Math.min(Math.max(zp + rne(f(c * inv)), this.quant_min), this.quant_max);
      const d = c - (q - zp) * s;
      err += h[i] * d * d;
      total += h[i];
    }
    return total > 0 ? err / total : 0;
  }

  search_range(): [number, number] {
    this.check_recorded();
    const lo = this.min_val.data[0];
    const hi = this.max_val.data[0];
    let best: [number, number] = [lo, hi];
    let best_err = Infinity;
    for (let k = this.steps; k >= 1; k--) {
      const a = k / this.steps;
      const cand: [number, number] = [f(lo * a), f(hi * a)];
      const e = this.expected_mse(cand[0], cand[1]);
      if (e < best_err) {
        best_err = e;
        best = cand;
      }
    }
    return best;
  }
}

/** Options of EntropyObserver. */
export interface EntropyObserverOptions extends HistogramObserverOptions {
  /**
   * Quantized bins the reference distribution is merged into; default: half the levels (128 for 8 bits)
   * for signed data, all levels (256) for non-negative data such as ReLU outputs (as NVIDIA's calibrator).
   */
  num_quantized_bins?: number | null;
}

/**
 * KL(P‖Q) of two unnormalised distributions after TensorRT / MXNet smoothing (zero bins get eps of
 * mass, taken evenly from the non-zero ones) so the divergence stays finite. Allocation-free: this runs
 * once per candidate threshold.
 */
function smooth_kl(p: Float64Array, q: Float64Array, n: number): number {
  const eps = 1e-4;
  let ps = 0;
  let qs = 0;
  let pz = 0;
  let qz = 0;
  for (let i = 0; i < n; i++) {
    ps += p[i];
    qs += q[i];
    if (p[i] === 0) pz++;
    if (q[i] === 0) qz++;
  }
  if (ps === 0 || qs === 0 || pz === n || qz === n) return Infinity;
  const pe = (eps * pz) / (n - pz);
  const qe = (eps * qz) / (n - qz);
  let kl = 0;
  for (let i = 0; i < n; i++) {
    const pi = p[i] === 0 ? eps : p[i] / ps - pe;
    const qi = q[i] === 0 ? eps : q[i] / qs - qe;
    if (pi > 0) kl += pi * Math.log(pi / qi);
  }
  return kl;
}

/**
 * TensorRT-style entropy calibration: over a histogram of |x|, choose the threshold t whose clipped
 * distribution P (outliers folded into the last bin) loses the least information (KL(P‖Q)) when merged into
 * `num_quantized_bins` levels Q. The range is [max(min, −t), min(max, t)] of the signed data.
 */
export class EntropyObserver extends HistogramObserverBase {
  static readonly option_keys: readonly string[] = [...HistogramObserverBase.option_keys, 'num_quantized_bins'];
  num_quantized_bins: number | null;
  /** Signed min / max of everything observed (the histogram holds magnitudes). */
  data_min = Infinity;
  data_max = -Infinity;

  constructor(options: EntropyObserverOptions = {}) {
    super(options);
    const nq = options.num_quantized_bins ?? null;
    if (nq !== null && (!Number.isInteger(nq) || nq < 2 || nq > this.bins)) {
      throw new Error(`${new.target.name}: num_quantized_bins must be an integer in [2, bins=${this.bins}], got ${nq}`);
    }
    this.num_quantized_bins = nq;
  }

  /** Magnitudes of the non-zero values: exact zeros (ReLU's spike) cost nothing to quantize, and would
   * otherwise dominate the normalised distributions and drag the threshold towards 0. */
  protected recorded_values(x: Tensor): ArrayLike<number> {
    const d = x.data;
    const out = new Float32Array(d.length);
    let n = 0;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v < this.data_min) this.data_min = v;
      if (v > this.data_max) this.data_max = v;
      if (v !== 0) out[n++] = Math.abs(v);
    }
    return out.subarray(0, n);
  }

  /** The KL-optimal magnitude threshold t. */
  threshold(): number {
    this.check_recorded();
    const h = this.histogram.data;
    const n = h.length;
    const levels = this.quant_max - this.quant_min + 1;
    const nq = Math.min(this.num_quantized_bins ?? (this.data_min >= 0 ? levels : Math.floor(levels / 2)), n);
    const min = this.min_val.data[0];
    const w = (this.max_val.data[0] - min) / n;
    let best_i = n;
    let best_kl = Infinity;
    const p = new Float64Array(n);
    const q = new Float64Array(n);
    // suffix[i] = Σ_{j >= i} h[j]: the outliers folded into the last kept bin
    const suffix = new Float64Array(n + 1);
    for (let j = n - 1; j >= 0; j--) suffix[j] = suffix[j + 1] + h[j];
    for (let i = nq; i <= n; i++) {
      for (let k = 0; k < i; k++) p[k] = h[k];
      p[i - 1] += suffix[i];
      const merged = Math.floor(i / nq);
      q.fill(0, 0, i);
      for (let j = 0; j < nq; j++) {
        const start = j * merged;
        const stop = j === nq - 1 ? i : start + merged;
        let sum = 0;
        let nonzero = 0;
        for (let k = start; k < stop; k++) {
          sum += h[k];
          if (h[k] !== 0) nonzero++;
        }
        if (nonzero === 0) continue;
        for (let k = start; k < stop; k++) if (h[k] !== 0) q[k] = sum / nonzero;
      }
      const kl = smooth_kl(p, q, i);
      if (kl < best_kl) {
        best_kl = kl;
        best_i = i;
      }
    }
    return f(min + w * best_i);
  }

  search_range(): [number, number] {
    // only zeros seen: nothing to clip
    if (this.min_val.data[0] === Infinity && this.data_min <= this.data_max) return [this.data_min, this.data_max];
    const t = this.threshold();
    return [Math.max(this.data_min, -t), Math.min(this.data_max, t)];
  }

  reset_min_max_vals(): void {
    super.reset_min_max_vals();
    this.data_min = Infinity;
    this.data_max = -Infinity;
  }
}
