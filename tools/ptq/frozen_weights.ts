/**
 * Weight qparams as convert_fx will compute them, and frozen integer weights. After AdaRound (or any rounding
 * chosen here) the layer's float weight is replaced by its dequantized value (q − zp)·s and the node's qconfig
 * gets a weight observer fixed to (s, zp): convert_fx's round-to-nearest of (q − zp)·s / s then gives back
 * exactly q, so the int8 module holds the chosen integers (a fresh MinMax observer would re-derive the scale
 * from the rounded weight's range and move it).
 */
import { ObserverBase, type QParamsTensors, qparams_tensors } from '../../runtime/quant/observer_base.js';
import type { QConfig } from '../../runtime/quant/qconfig.js';
import { rne } from '../../runtime/quant/qparams.js';
import type { QuantDType } from '../../runtime/tensor/dtype.js';
import type { QScheme } from '../../runtime/tensor/quantizer.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { type WeightedLayer, weight_of } from './layers.js';

/** A layer's weight grid: one (scale, zero point) per output channel (repeated for per-tensor). */
export interface WeightGrid {
  scale: Float32Array;
  zero_point: Int32Array;
  quant_min: number;
  quant_max: number;
  qscheme: QScheme;
  dtype: QuantDType;
  per_channel: boolean;
}

interface ObserverShape {
  forward(x: Tensor): Tensor;
  calculate_qparams(): [Tensor, Tensor];
  qscheme?: QScheme;
  dtype?: QuantDType;
  quant_min?: number;
  quant_max?: number;
  ch_axis?: number;
}

/** The weight grid a fresh qconfig.weight() observer gives for the layer's current float weight. */
export function weight_grid(layer: WeightedLayer): WeightGrid {
  if (!layer.qconfig) throw new Error(`ptq: module '${layer.path}' has no qconfig (kept in float?); prepare_fx first`);
  const obs = layer.qconfig.weight() as unknown as ObserverShape;
  const w = weight_of(layer);
  obs.forward(w);
  const [s, z] = obs.calculate_qparams();
  const oc = w.shape[0];
  const qscheme = obs.qscheme ?? 'per_tensor_symmetric';
  const per_channel = qscheme === 'per_channel_symmetric' || qscheme === 'per_channel_affine';
  if (per_channel && (obs.ch_axis ?? 0) !== 0) throw new Error(`ptq: module '${layer.path}': weight ch_axis must be 0`);
  const pick = (t: Tensor, i: number) => t.data[per_channel ? i : 0] as number;
  const scale = new Float32Array(oc);
  const zero_point = new Int32Array(oc);
  for (let i = 0; i < oc; i++) {
    scale[i] = pick(s, i);
    zero_point[i] = pick(z, i);
  }
  return {
    scale,
    zero_point,
    quant_min: obs.quant_min ?? -128,
    quant_max: obs.quant_max ?? 127,
    qscheme,
    dtype: obs.dtype ?? 'qint8',
    per_channel,
  };
}

/** Integer weights by round-to-nearest (half to even) on the grid, clamped to [quant_min, quant_max]. */
export function nearest_integers(w: Tensor, grid: WeightGrid): Int32Array {
  const oc = w.shape[0];
  const k = w.numel() / oc;
  const q = new Int32Array(w.numel());
  const d = w.contiguous().data as Float32Array;
  for (let o = 0; o < oc; o++) {
    const inv = Math.fround(1 / grid.scale[o]);
    for (let j = 0; j < k; j++) {
      const v = rne(Math.fround(d[o * k + j] * inv)) + grid.zero_point[o];
      q[o * k + j] = Math.min(Math.max(v, grid.quant_min), grid.quant_max);
    }
  }
  return q;
}

/** Dequantized weights (q − zp)·s in float32. */
export function dequantize_integers(q: Int32Array, grid: WeightGrid, shape: number[]): Tensor {
  const oc = shape[0];
  const k = q.length / oc;
  const out = new Float32Array(q.length);
  for (let o = 0; o < oc; o++)
    for (let j = 0; j < k; j++) out[o * k + j] = Math.fround((q[o * k + j] - grid.zero_point[o]) * grid.scale[o]);
  return new Tensor(out, [...shape], 'float32');
}

/** A weight observer that ignores what it sees and returns fixed (per-channel or per-tensor) qparams. */
export class FrozenWeightObserver extends ObserverBase {
  qscheme: QScheme;
  quant_min: number;
  quant_max: number;
  ch_axis = 0;
  private readonly qparams: QParamsTensors;

  constructor(grid: WeightGrid) {
    super(grid.dtype);
    this.qscheme = grid.qscheme;
    this.quant_min = grid.quant_min;
    this.quant_max = grid.quant_max;
    const n = grid.per_channel ? grid.scale.length : 1;
    this.qparams = qparams_tensors(
      { scale: grid.scale.slice(0, n), zero_point: grid.zero_point.slice(0, n) },
      grid.qscheme,
    );
  }

  forward(x: Tensor): Tensor {
    return x;
  }

  calculate_qparams(): QParamsTensors {
    return [this.qparams[0].clone(), this.qparams[1].clone()];
  }

  extra_repr(): string {
    return `frozen ${this.qscheme} ${this.dtype} [${this.quant_min}, ${this.quant_max}]`;
  }
}

/**
 * Freezes the layer's weight to the integers `q` on `grid`: float weight ← (q − zp)·s, and the node's (and
 * module's) qconfig gets a FrozenWeightObserver, so convert_fx quantizes back to exactly `q`.
 */
export function freeze_weight(layer: WeightedLayer, q: Int32Array, grid: WeightGrid): void {
  const w = weight_of(layer);
  const dq = dequantize_integers(q, grid, w.shape);
  (w.data as Float32Array).set(dq.data as Float32Array);
  const base = layer.qconfig as QConfig;
  const frozen: QConfig = { activation: base.activation, weight: (() => new FrozenWeightObserver(grid)) as never };
  Object.defineProperty(frozen, 'toString', { value: () => `QConfig(activation=${base.activation}, weight=frozen)` });
  // convert_fx reads meta.quant.qconfig (insert_observers' record); meta.qconfig for anyone reading the node
  layer.node.meta.quant = { ...(layer.node.meta.quant as object), qconfig: frozen };
  layer.node.meta.qconfig = frozen;
  layer.qconfig = frozen;
}
