/**
 * The numeric core of HistogramObserver, rewritten from PyTorch 1.13's observer.py and the ATen kernels
 * it calls (histc, cumsum, floor division). float32 vs float64 follows torch exactly: tensor ops on float32
 * tensors round every result to float32 (python float operands become float32 scalars), `.item()` values
 * and plain python arithmetic are float64, cumsum accumulates in double.
 */
import { torch_sum_f32 } from '../backends/js/fp32/cascade_sum.js';
import { rne } from './qparams.js';

const f = Math.fround;

/**
 * torch.histc(x, bins, min, max) on CPU: edges span [min, max] (the input's range when min == max, then
 * widened by ±1 if still equal), an element goes
 * to bin trunc((x − min) · bins / (max − min)) computed in float32, the max edge joins the last bin, and
 * elements outside the range are skipped.
 */
export function histc(x: ArrayLike<number>, bins: number, min: number, max: number): Float32Array {
  let lo = min;
  let hi = max;
  // equal bounds: histc falls back to the input's own range (histc_select_outer_bin_edges)
  if (lo === hi && x.length > 0) {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < x.length; i++) {
      if (x[i] < lo) lo = x[i];
      if (x[i] > hi) hi = x[i];
    }
  }
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  lo = f(lo);
  hi = f(hi);
  const width = f(hi - lo);
  const hist = new Float32Array(bins);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!(v >= lo && v <= hi)) continue;
    let pos = Math.trunc(f(f(f(v - lo) * bins) / width));
    if (pos === bins) pos -= 1;
    hist[pos] += 1;
  }
  return hist;
}

/** c10::div_floor_floating in float32 (torch.div(a, b, rounding_mode='floor')). */
export function div_floor_f32(a: number, b: number): number {
  const mod = f(a % b);
  let div = f(f(a - mod) / b);
  if (mod !== 0 && b < 0 !== mod < 0) div = f(div - 1);
  if (div === 0) return 0 * Math.sign(a / b) || 0;
  let floordiv = Math.floor(div);
  if (f(div - floordiv) > 0.5) floordiv += 1;
  return floordiv;
}

/**
 * HistogramObserver._adjust_min_max: widens [cmin, cmax] so that the old histogram's bins, upsampled by
 * `upsample_rate`, tile the new range exactly (the new range is `downsample_rate` fine bins per output bin).
 * Multiplies before dividing, as 1.13 does, so tiny ranges do not underflow.
 */
export function adjust_min_max(
  cmin: number,
  cmax: number,
  min_val: number,
  max_val: number,
  bins: number,
  upsample_rate: number,
): { combined_min: number; combined_max: number; downsample_rate: number; start_idx: number } {
  const old_range = f(max_val - min_val);
  const new_range = f(cmax - cmin);
  const downsample_rate = Math.ceil(f(f(new_range * upsample_rate) / old_range));
  const e = f(f(f(downsample_rate * old_range) / upsample_rate) - new_range);
  const start_idx = rne(f(f(f(f(min_val - cmin) * bins) * upsample_rate) / old_range));
  return { combined_min: cmin, combined_max: f(cmax + e), downsample_rate, start_idx };
}

/**
 * HistogramObserver._combine_histograms: upsample the old histogram `new_hist` by repeating each bin
 * `upsample_rate` times at offset `start_idx` on a grid of bins·downsample_rate fine bins, integrate in
 * double, sample the integral every `downsample_rate` fine bins, difference (the shifted integral is held
 * in float32, as torch's zeros() buffer), divide by upsample_rate and add to `orig_hist`.
 */
export function combine_histograms(
  orig_hist: Float32Array,
  new_hist: Float32Array,
  upsample_rate: number,
  downsample_rate: number,
  start_idx: number,
  bins: number,
): Float32Array {
  const total = bins * downsample_rate;
  // prefix[j] = Σ_{i<j} new_hist[i]·U: the fine-grid integral at the end of old bin j-1 (exact in double)
  const prefix = new Float64Array(bins + 1);
  for (let j = 0; j < bins; j++) prefix[j + 1] = prefix[j] + new_hist[j] * upsample_rate;
  const integral_at = (p: number): number => {
    // Σ of fine cells 0..p; old bin j covers fine cells [start + j·U, start + (j+1)·U)
    const rel = p - start_idx + 1;
    if (rel <= 0) return 0;
    const cells = Math.min(rel, bins * upsample_rate, total - start_idx);
    const j = Math.floor(cells / upsample_rate);
    const r = cells - j * upsample_rate;
    return j >= bins ? prefix[bins] : prefix[j] + r * new_hist[j];
  };
  const out = new Float32Array(bins);
  let prev_f32 = 0;
  for (let k = 0; k < bins; k++) {
    const integral = integral_at(k * downsample_rate + downsample_rate - 1);
    const interpolated = f((integral - prev_f32) / upsample_rate);
    out[k] = f(orig_hist[k] + interpolated);
    prev_f32 = f(integral);
  }
  return out;
}

/** torch.cumsum on float32 (CPU accumulates in double, stores float32). */
export function cumsum_f32(a: ArrayLike<number>): Float32Array {
  const out = new Float32Array(a.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    out[i] = s;
  }
  return out;
}

/**
 * HistogramObserver._compute_quantization_error: the L2 error of quantizing the histogram's mass with
 * `dst_nbins` levels spread over bins [next_start_bin, next_end_bin]; each source bin's mass is taken as
 * uniform and its squared distance to the centre of the destination bin(s) it falls into is integrated.
 */
export function compute_quantization_error(
  histogram: Float32Array,
  min_val: number,
  max_val: number,
  next_start_bin: number,
  next_end_bin: number,
  dst_nbins: number,
): number {
  const bins = histogram.length;
  // python floats (double) from .item()
  const bin_width = (max_val - min_val) / bins;
  const dst_bin_width = (bin_width * (next_end_bin - next_start_bin + 1)) / dst_nbins;
  if (dst_bin_width === 0) return 0;
  const bw = f(bin_width);
  const dbw = f(dst_bin_width);
  const half = f(dst_bin_width / 2);
  const neg_half = f(-dst_bin_width / 2);
  // _get_norm on the 0-d tensors (-w/2, w/2), then scaled by density below
  const full_norm = f(f(f(f(half * half) * half) - f(f(neg_half * neg_half) * neg_half)) / 3);
  const norms = new Float32Array(bins);
  for (let i = 0; i < bins; i++) {
    const src_begin = f(f(i - next_start_bin) * bw);
    const src_end = f(src_begin + bw);
    const dst_of_begin = Math.min(Math.max(div_floor_f32(src_begin, dbw), 0), dst_nbins - 1);
    const dst_of_begin_center = f(f(dst_of_begin + 0.5) * dbw);
    const dst_of_end = Math.min(Math.max(div_floor_f32(src_end, dbw), 0), dst_nbins - 1);
    const density = f(histogram[i] / bw);
    let norm = 0;
    const db = f(src_begin - dst_of_begin_center);
    norm = f(norm + f(density * f(f(f(f(half * half) * half) - f(f(db * db) * db)) / 3)));
    norm = f(norm + f(f(dst_of_end - dst_of_begin - 1) * f(density * full_norm)));
    const dst_of_end_center = f(f(dst_of_end * dbw) + half);
    const de = f(src_end - dst_of_end_center);
    norm = f(norm + f(density * f(f(f(f(de * de) * de) - f(f(neg_half * neg_half) * neg_half)) / 3)));
    norms[i] = norm;
  }
  return torch_sum_f32(norms);
}

/**
 * HistogramObserver._non_linear_param_search: shrink [start_bin, end_bin] from both ends by quantile
 * steps of 1e-5, moving the side that drops more bins, while the L2 quantization error keeps falling.
 * Returns the chosen [min, max] in float32.
 */
export function non_linear_param_search(
  histogram: Float32Array,
  min_val: number,
  max_val: number,
  dst_nbins: number,
): [number, number] {
  const bins = histogram.length;
  const bin_width = f(f(max_val - min_val) / bins);
  const total = torch_sum_f32(histogram);
  const csum = cumsum_f32(histogram);
  const stepsize = 1e-5;
  let alpha = 0;
  let beta = 1;
  let start_bin = 0;
  let end_bin = bins - 1;
  let norm_min = Infinity;
  while (alpha < beta) {
    const next_alpha = alpha + stepsize;
    const next_beta = beta - stepsize;
    // tensor-vs-python-float comparisons happen in float32
    const lo_q = f(next_alpha * total);
    const hi_q = f(next_beta * total);
    let l = start_bin;
    let r = end_bin;
    while (l < end_bin && csum[l] < lo_q) l++;
    while (r > start_bin && csum[r] > hi_q) r--;
    let next_start_bin = start_bin;
    let next_end_bin = end_bin;
    if (l - start_bin > end_bin - r) {
      next_start_bin = l;
      alpha = next_alpha;
    } else {
      next_end_bin = r;
      beta = next_beta;
    }
    if (next_start_bin === start_bin && next_end_bin === end_bin) continue;
    const norm = compute_quantization_error(histogram, min_val, max_val, next_start_bin, next_end_bin, dst_nbins);
    if (norm > norm_min) break;
    norm_min = norm;
    start_bin = next_start_bin;
    end_bin = next_end_bin;
  }
  return [f(min_val + f(bin_width * start_bin)), f(min_val + f(bin_width * (end_bin + 1)))];
}
