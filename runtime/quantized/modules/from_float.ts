/**
 * What `from_float` reads from an observed float module, as torch's quantized modules do:
 * the weight observer from `mod.qconfig.weight()`, the output qparams from
 * `mod.activation_post_process.calculate_qparams()`, and the weight quantized with the observer's qparams.
 */
import { Module } from '../../nn/module.js';
import { quantize_per_channel, quantize_per_tensor } from '../../quant/qtensor.js';
import { Tensor } from '../../tensor/tensor.js';
import { describe } from '../qtensor.js';

/** The observer surface from_float uses (runtime/quant's observers implement it). */
export interface ObserverLike {
  forward(x: Tensor): Tensor;
  calculate_qparams(): [Tensor, Tensor];
  dtype?: string;
  qscheme?: string;
  ch_axis?: number;
}

/** A QConfig: activation() and weight() build fresh observers. */
export interface QConfigLike {
  activation: () => ObserverLike;
  weight: () => ObserverLike;
}

type Slots = Record<string, unknown>;

/** The module holding the weights: the module itself, or child '0' of a fused float module (LinearReLU, ConvReLU2d). */
export function weighted_child(mod: Module, where: string): Module {
  const slots = mod as unknown as Slots;
  if (slots.weight instanceof Tensor) return mod;
  const first = slots['0'];
  if (first instanceof Module && (first as unknown as Slots).weight instanceof Tensor) return first;
  throw new Error(`${where}.from_float: ${mod.constructor.name} has no float weight (nor a fused child '0' with one)`);
}

/** mod.qconfig, or an error saying the module was not prepared. */
export function qconfig_of(mod: Module, where: string): QConfigLike {
  const q = (mod as unknown as Slots).qconfig as QConfigLike | null | undefined;
  if (!q || typeof q.weight !== 'function') {
    throw new Error(
      `${where}.from_float: ${mod.constructor.name} has no qconfig with a weight() observer factory; prepare the model first`,
    );
  }
  return q;
}

/** Output (scale, zero_point) from mod.activation_post_process.calculate_qparams(). */
export function output_qparams(mod: Module, where: string): [number, number] {
  const obs = (mod as unknown as Slots).activation_post_process as ObserverLike | undefined;
  if (!obs || typeof obs.calculate_qparams !== 'function') {
    throw new Error(
      `${where}.from_float: ${mod.constructor.name} has no activation_post_process observer; prepare and calibrate the model first`,
    );
  }
  const [s, z] = obs.calculate_qparams();
  return [s.data[0], z.data[0]];
}

/** Observes `w` with a fresh weight observer and quantizes it to qint8 with the observer's qparams (torch's _quantize_weight). */
export function quantize_weight(w: Tensor, observer: ObserverLike, where: string): Tensor {
  if (!(w instanceof Tensor) || w.dtype !== 'float32' || w.is_quantized)
    throw new Error(`${where}: weight must be a float32 tensor, got ${describe(w)}`);
  if (observer.dtype !== undefined && observer.dtype !== 'qint8') {
    throw new Error(`${where}: weight observer dtype must be qint8, got ${observer.dtype}`);
  }
  observer.forward(w);
  const [scale, zp] = observer.calculate_qparams();
  const per_channel = observer.qscheme === 'per_channel_affine' || observer.qscheme === 'per_channel_symmetric';
  if (per_channel) {
    const axis = observer.ch_axis ?? 0;
    if (axis !== 0) throw new Error(`${where}: per-channel weights must use ch_axis 0, got ${axis}`);
    return quantize_per_channel(w, scale, zp, axis, 'qint8');
  }
  return quantize_per_tensor(w, scale.data[0], zp.data[0], 'qint8');
}

/** The float bias of a float module (null when it has none), copied so the int8 module owns it. */
export function float_bias(mod: Module): Tensor | null {
  const b = (mod as unknown as Slots).bias;
  return b instanceof Tensor ? new Tensor(Float32Array.from(b.data), b.shape, 'float32') : null;
}

/** What a QAT module (nn.qat, nn.intrinsic.qat) hands to from_float (see runtime/nn/qat). */
interface QatWeighted {
  weight_fake_quant: ObserverLike;
  _weight_bias_for_convert(): [Tensor, Tensor | null];
}

/**
 * The float weight, bias and weight observer from_float quantizes with. A QAT module gives its trained
 * weight_fake_quant and _weight_bias_for_convert() (BatchNorm folded in for ConvBn, as torch's from_float
 * folds it); any other module its weighted child's weight / bias and a fresh qconfig.weight() observer.
 */
export function weight_bias_observer(
  mod: Module,
  weighted: Module,
  qconfig: QConfigLike,
  where: string,
): { weight: Tensor; bias: Tensor | null; observer: ObserverLike } {
  const q = mod as unknown as Partial<QatWeighted>;
  if (q.weight_fake_quant && typeof q._weight_bias_for_convert === 'function') {
    const [w, b] = q._weight_bias_for_convert();
    const bias = b === null ? null : new Tensor(Float32Array.from(b.data), b.shape, 'float32');
    return { weight: w, bias, observer: q.weight_fake_quant };
  }
  return { weight: attr<Tensor>(weighted, 'weight', where), bias: float_bias(weighted), observer: qconfig.weight() };
}

/** A plain attribute of a float module, or an error naming it. */
export function attr<T>(mod: Module, name: string, where: string): T {
  const v = (mod as unknown as Slots)[name];
  if (v === undefined) throw new Error(`${where}.from_float: ${mod.constructor.name} has no '${name}'`);
  return v as T;
}
