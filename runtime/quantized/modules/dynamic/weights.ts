/** Weight handling shared by the dynamic modules: the default weight observer and per-weight state_dict entries. */
import type { Module } from '../../../nn/module.js';
import { default_dynamic_weight_observer } from '../../../quant/default_dynamic_weight.js';
import { Tensor } from '../../../tensor/tensor.js';
import { LinearPackedParams } from '../../packed_params.js';
import { describe } from '../../qtensor.js';
import { type ObserverLike, quantize_weight } from '../from_float.js';

type Slots = Record<string, unknown>;

/** mod.qconfig.weight, or torch's default_dynamic_qconfig weight observer (MinMax, qint8, per-tensor symmetric). */
export function dynamic_weight_observer(mod: Module): () => ObserverLike {
  const q = (mod as unknown as Slots).qconfig as { weight?: () => ObserverLike } | null | undefined;
  if (q && typeof q.weight === 'function') return q.weight;
  return default_dynamic_weight_observer(`${mod.constructor.name}.from_float`) as () => ObserverLike;
}

/** Quantizes a float module's weight `w_name` (and copies bias `b_name`) into packed params. */
export function pack_from_float(
  mod: Module,
  w_name: string,
  b_name: string,
  observer: () => ObserverLike,
  where: string,
): LinearPackedParams {
  const w = (mod as unknown as Slots)[w_name];
  if (!(w instanceof Tensor)) throw new Error(`${where}.from_float: ${mod.constructor.name} has no weight '${w_name}'`);
  const b = (mod as unknown as Slots)[b_name];
  const bias = b instanceof Tensor ? new Tensor(Float32Array.from(b.data), b.shape, 'float32') : null;
  return new LinearPackedParams(quantize_weight(w, observer(), `${where}.from_float (${w_name})`), bias, where);
}

/** Writes one packed weight as `<w_name>` (qint8), `<w_name>_scale`, `<w_name>_zero_point` and `<b_name>`. */
export function write_packed(
  prefix: string,
  out: Record<string, Tensor>,
  w_name: string,
  b_name: string,
  p: LinearPackedParams,
): void {
  const q = p.weight.quantizer;
  const scales =
    q?.kind === 'per_channel' ? Float32Array.from(q.scales) : Float32Array.of(q?.kind === 'per_tensor' ? q.scale : 1);
  const zps =
    q?.kind === 'per_channel'
      ? Float64Array.from(q.zero_points)
      : Float64Array.of(q?.kind === 'per_tensor' ? q.zero_point : 0);
  out[prefix + w_name] = p.weight;
  out[`${prefix + w_name}_scale`] = new Tensor(scales, [scales.length], 'float32');
  out[`${prefix + w_name}_zero_point`] = new Tensor(zps, [zps.length], 'int64');
  if (p.bias) out[prefix + b_name] = p.bias;
}

/** Reads what write_packed wrote; null (module untouched) when a key is missing. */
export function read_packed(
  prefix: string,
  sd: Record<string, Tensor>,
  w_name: string,
  b_name: string,
  like: LinearPackedParams,
  where: string,
): [LinearPackedParams, string[]] | null {
  const keys = [
    prefix + w_name,
    `${prefix + w_name}_scale`,
    `${prefix + w_name}_zero_point`,
    ...(like.bias ? [prefix + b_name] : []),
  ];
  if (keys.some((k) => !(sd[k] instanceof Tensor))) return null;
  const [w, s, z] = keys.map((k) => sd[k]);
  const shape = like.weight.shape;
  if (
    w.shape.length !== 2 ||
    w.shape[0] !== shape[0] ||
    w.shape[1] !== shape[1] ||
    (w.dtype !== 'qint8' && w.dtype !== 'int8')
  ) {
    throw new Error(`${where}: "${keys[0]}" must be qint8 [${shape.join(', ')}], got ${describe(w)}`);
  }
  const n = shape[0];
  if (s.numel() !== z.numel() || (s.numel() !== 1 && s.numel() !== n))
    throw new Error(`${where}: "${keys[1]}" / "${keys[2]}" need 1 or ${n} values each`);
  const weight = new Tensor(Int8Array.from(w.data), w.shape, 'qint8');
  weight.quantizer =
    s.numel() > 1 || w.quantizer?.kind === 'per_channel'
      ? {
          kind: 'per_channel',
          scales: Float64Array.from(s.data, Math.fround),
          zero_points: Int32Array.from(z.data),
          axis: 0,
        }
      : { kind: 'per_tensor', scale: Math.fround(s.data[0]), zero_point: z.data[0] };
  let bias: Tensor | null = null;
  if (like.bias) {
    const b = sd[prefix + b_name];
    if (b.dtype !== 'float32' || b.numel() !== n)
      throw new Error(`${where}: "${prefix + b_name}" must be float32 [${n}], got ${describe(b)}`);
    bias = new Tensor(Float32Array.from(b.data), [n], 'float32');
  }
  return [new LinearPackedParams(weight, bias, where), keys];
}
