/**
 * HistogramObserver (PyTorch 1.13): a running 2048-bin histogram whose range grows by re-binning; the
 * qparams come from the [min, max] sub-range of bins minimising the L2 quantization error.
 */

import type { Tensor } from '../tensor/tensor.js';
import { py_float } from '../tensor/tensor_str.js';
import { adjust_min_max, combine_histograms, histc, non_linear_param_search } from './histogram_math.js';
import { aminmax } from './minmax_observer.js';
import {
  check_observed_input,
  f32,
  type QParamsTensors,
  type UniformObserverOptions,
  UniformQuantizationObserverBase,
} from './observer_base.js';
import { check_min_max_valid } from './qparams.js';

/** Options of HistogramObserver. */
export interface HistogramObserverOptions extends UniformObserverOptions {
  /** Number of histogram bins (default 2048). */
  bins?: number;
  /** Upsampling factor used to re-bin the old histogram when the range grows (default 128). */
  upsample_rate?: number;
}

/**
 * A running histogram over a growing range (buffers: eps, histogram [bins], min_val, max_val, 0-d) and
 * qparams from `search_range()`. The first batch sets the range; later batches widen it (keeping an
 * integer number of upsampled old bins per new bin) and merge the old histogram in, as PyTorch 1.13.
 */
export abstract class HistogramObserverBase extends UniformQuantizationObserverBase {
  static readonly option_keys: readonly string[] = [
    ...UniformQuantizationObserverBase.option_keys,
    'bins',
    'upsample_rate',
  ];
  bins: number;
  upsample_rate: number;
  /** Number of quantization levels the error search targets: 2^bits of the dtype (256 for 8 bits). */
  dst_nbins: number;
  declare histogram: Tensor;
  declare min_val: Tensor;
  declare max_val: Tensor;

  constructor(options: HistogramObserverOptions = {}) {
    super(options, ['per_tensor_affine', 'per_tensor_symmetric']);
    const where = new.target.name;
    const bins = options.bins ?? 2048;
    const up = options.upsample_rate ?? 128;
    if (!Number.isInteger(bins) || bins < 1) throw new Error(`${where}: bins must be a positive integer, got ${bins}`);
    if (!Number.isInteger(up) || up < 1)
      throw new Error(`${where}: upsample_rate must be a positive integer, got ${up}`);
    if (this.qscheme === 'per_tensor_symmetric' && this.reduce_range && this.dtype === 'quint8') {
      throw new Error(`${where}: cannot reduce range for symmetric quantization with quint8`);
    }
    this.bins = bins;
    this.upsample_rate = up;
    this.dst_nbins = 2 ** (this.dtype === 'qint32' ? 32 : 8);
    this.register_buffer('histogram', f32(new Float32Array(bins)));
    this.register_buffer('min_val', f32([Infinity], []));
    this.register_buffer('max_val', f32([-Infinity], []));
  }

  /** The bounds handed to histc for a recorded range (HistogramObserver reproduces torch 1.13's int() cast). */
  protected histc_bounds(lo: number, hi: number): [number, number] {
    return [lo, hi];
  }

  /** The values recorded for an input (EntropyObserver records magnitudes). */
  protected recorded_values(x: Tensor): ArrayLike<number> {
    return x.data;
  }

  /** The clipping range [min, max] the observer picks (before widening to include 0). */
  abstract search_range(): [number, number];

  forward(x: Tensor): Tensor {
    check_observed_input(x, this.constructor.name);
    if (x.numel() === 0) return x;
    const values = this.recorded_values(x);
    if (values.length === 0) return x;
    const min_val = this.min_val.data[0];
    const max_val = this.max_val.data[0];
    const [new_min, new_max] = aminmax(values);
    const uninitialized = min_val === Infinity && max_val === -Infinity;
    // torch restarts from scratch while the recorded range is a single value
    if (uninitialized || min_val === max_val) {
      this.min_val.data[0] = new_min;
      this.max_val.data[0] = new_max;
      this.histogram.data.set(histc(values, this.bins, ...this.histc_bounds(new_min, new_max)));
      return x;
    }
    const adj = adjust_min_max(
      Math.min(new_min, min_val),
      Math.max(new_max, max_val),
      min_val,
      max_val,
      this.bins,
      this.upsample_rate,
    );
    let combined = histc(values, this.bins, ...this.histc_bounds(adj.combined_min, adj.combined_max));
    const old = this.histogram.data as Float32Array;
    if (adj.combined_min === min_val && adj.combined_max === max_val) {
      for (let i = 0; i < combined.length; i++) combined[i] += old[i];
    } else {
      combined = combine_histograms(combined, old, this.upsample_rate, adj.downsample_rate, adj.start_idx, this.bins);
    }
    this.histogram.data.set(combined);
    this.min_val.data[0] = adj.combined_min;
    this.max_val.data[0] = adj.combined_max;
    return x;
  }

  /** Throws unless data was recorded and the histogram has the configured size. */
  protected check_recorded(): void {
    const where = this.constructor.name;
    check_min_max_valid(this.min_val.data, this.max_val.data, where);
    if (this.histogram.numel() !== this.bins) {
      throw new Error(
        `${where}: histogram has ${this.histogram.numel()} bins but the observer is configured for ${this.bins}`,
      );
    }
  }

  calculate_qparams(): QParamsTensors {
    const [lo, hi] = this.search_range();
    return this._calculate_qparams([lo], [hi]);
  }

  /** Forgets everything observed. */
  reset_min_max_vals(): void {
    this.min_val.data[0] = Infinity;
    this.max_val.data[0] = -Infinity;
    this.histogram.data.fill(0);
  }

  extra_repr(): string {
    return `min_val=${py_float(this.min_val.data[0])}, max_val=${py_float(this.max_val.data[0])}`;
  }
}

/**
 * HistogramObserver: qparams from the [min, max] sub-range of bins minimising the L2 quantization error
 * (_non_linear_param_search).
 *
 * Faithful to 1.13 including its known bug (pytorch/pytorch#83672, fixed after 1.13): the histogram's
 * bounds are passed to histc as `int(min_val)`, `int(max_val)` (truncated toward zero), so values outside
 * the truncated range are not counted; when both truncate to the same integer histc uses the batch's own
 * range. The reference goldens (histogram/normal_a covers [-1, 2] and drops its two extreme values) confirm it.
 */
export class HistogramObserver extends HistogramObserverBase {
  protected histc_bounds(lo: number, hi: number): [number, number] {
    return [Math.trunc(lo), Math.trunc(hi)];
  }

  /** The range the L2 search picks, [min, max] (before widening to include 0). */
  search_range(): [number, number] {
    this.check_recorded();
    return non_linear_param_search(
      this.histogram.data as Float32Array,
      this.min_val.data[0],
      this.max_val.data[0],
      this.dst_nbins,
    );
  }
}
