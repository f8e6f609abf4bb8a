/**
 * The state_dict layout of the weighted int8 modules (torch keeps an opaque `_packed_params`; this
 * layout is plain tensors so it survives safetensors):
 *   weight            qint8 tensor (its int8 values; carries the quantizer in memory)
 *   weight_scale      float32 [1] per-tensor or [out] per-channel (axis 0)
 *   weight_zero_point int64 of the same length
 *   bias              float32 [out] (absent when the module has no bias)
 *   scale, zero_point float32 [] / int64 [] output qparams (torch's names)
 * Loading rebuilds (and re-packs) the weight; a weight tensor without a quantizer takes its qparams
 * from weight_scale / weight_zero_point.
 */
import { Tensor } from '../../tensor/tensor.js';
import { check_out_qparams, describe } from '../qtensor.js';

const fround = Math.fround;

/** Writes a weighted module's state under `prefix`. */
export function write_weight_state(
  prefix: string,
  out: Record<string, Tensor>,
  weight: Tensor,
  bias: Tensor | null,
  scale: number,
  zero_point: number,
): void {
  const q = weight.quantizer;
  const scales =
    q?.kind === 'per_channel' ? Float32Array.from(q.scales) : Float32Array.of(q?.kind === 'per_tensor' ? q.scale : 1);
  const zps =
    q?.kind === 'per_channel'
      ? Float64Array.from(q.zero_points)
      : Float64Array.of(q?.kind === 'per_tensor' ? q.zero_point : 0);
  out[`${prefix}weight`] = weight;
  out[`${prefix}weight_scale`] = new Tensor(scales, [scales.length], 'float32');
  out[`${prefix}weight_zero_point`] = new Tensor(zps, [zps.length], 'int64');
  if (bias) out[`${prefix}bias`] = bias;
  out[`${prefix}scale`] = new Tensor(Float32Array.of(scale), [], 'float32');
  out[`${prefix}zero_point`] = new Tensor(Float64Array.of(zero_point), [], 'int64');
}

/** What `read_weight_state` recovers. */
export interface WeightState {
  weight: Tensor;
  bias: Tensor | null;
  scale: number;
  zero_point: number;
  consumed: string[];
}

function get(sd: Record<string, Tensor>, key: string, where: string): Tensor {
  const t = sd[key];
  if (!(t instanceof Tensor)) throw new Error(`${where}: state_dict has no "${key}"`);
  return t;
}

/** Reads a weighted module's state under `prefix`; `weight_shape` is the module's (a mismatch is an error). */
export function read_weight_state(
  prefix: string,
  sd: Record<string, Tensor>,
  weight_shape: number[],
  has_bias: boolean,
  where: string,
): WeightState | null {
  // any missing key is reported by load_state_dict; leave the module untouched
  const required = [
    'weight',
    'weight_scale',
    'weight_zero_point',
    'scale',
    'zero_point',
    ...(has_bias ? ['bias'] : []),
  ];
  if (required.some((k) => !(`${prefix}${k}` in sd))) return null;
  const w = get(sd, `${prefix}weight`, where);
  if (w.shape.length !== weight_shape.length || w.shape.some((d, i) => d !== weight_shape[i])) {
    throw new Error(
      `${where}: size mismatch for "${prefix}weight": checkpoint has [${w.shape.join(', ')}], module has [${weight_shape.join(', ')}]`,
    );
  }
  if (w.dtype !== 'qint8' && w.dtype !== 'int8')
    throw new Error(`${where}: "${prefix}weight" must be qint8 (or its int8 values), got ${describe(w)}`);
  const ws = get(sd, `${prefix}weight_scale`, where);
  const wz = get(sd, `${prefix}weight_zero_point`, where);
  const n = weight_shape[0];
  if (ws.numel() !== wz.numel() || (ws.numel() !== 1 && ws.numel() !== n)) {
    throw new Error(
      `${where}: "${prefix}weight_scale" has ${ws.numel()} and "${prefix}weight_zero_point" ${wz.numel()} values; need 1 or ${n} of each`,
    );
  }
  const weight = new Tensor(Int8Array.from(w.data), w.shape, 'qint8');
  const per_channel = w.quantizer?.kind === 'per_channel' || ws.numel() > 1;
  weight.quantizer = per_channel
    ? {
        kind: 'per_channel',
        scales: Float64Array.from(ws.data, (s) => fround(s)),
        zero_points: Int32Array.from(wz.data),
        axis: 0,
      }
    : { kind: 'per_tensor', scale: fround(ws.data[0]), zero_point: wz.data[0] };
  const consumed = [
    `${prefix}weight`,
    `${prefix}weight_scale`,
    `${prefix}weight_zero_point`,
    `${prefix}scale`,
    `${prefix}zero_point`,
  ];
  let bias: Tensor | null = null;
  if (`${prefix}bias` in sd) {
    const b = get(sd, `${prefix}bias`, where);
    if (!has_bias) throw new Error(`${where}: module has no bias but the state_dict has "${prefix}bias"`);
    if (b.dtype !== 'float32' || b.shape.length !== 1 || b.shape[0] !== n)
      throw new Error(`${where}: "${prefix}bias" must be float32 [${n}], got ${describe(b)}`);
    bias = new Tensor(Float32Array.from(b.data), [n], 'float32');
    consumed.push(`${prefix}bias`);
  }
  const scale = get(sd, `${prefix}scale`, where).data[0];
  const zero_point = get(sd, `${prefix}zero_point`, where).data[0];
  return { weight, bias, scale, zero_point, consumed };
}

/** What the static weighted int8 modules (Linear, Conv2d and their ReLU variants) expose to the state helpers. */
export interface WeightedQModule {
  weight(): Tensor;
  bias(): Tensor | null;
  set_weight_bias(w: Tensor, b: Tensor | null): void;
  scale: number;
  zero_point: number;
}

/** The module's _extra_state: its weight, bias and output qparams under `prefix`. */
export function save_weighted_state(m: WeightedQModule, prefix: string, out: Record<string, Tensor>): void {
  write_weight_state(prefix, out, m.weight(), m.bias(), m.scale, m.zero_point);
}

/**
 * The module's _load_extra_state: reads the state under `prefix` (weight shape `weight_shape`), checks the
 * output qparams, re-packs the weight and returns the keys it consumed ([] when keys are missing, so
 * load_state_dict reports them).
 */
export function load_weighted_state(
  m: WeightedQModule,
  prefix: string,
  sd: Record<string, Tensor>,
  weight_shape: number[],
): string[] {
  const where = m.constructor.name;
  const st = read_weight_state(prefix, sd, weight_shape, m.bias() !== null, where);
  if (!st) return [];
  check_out_qparams(st.scale, st.zero_point, `${where}.load_state_dict`);
  m.set_weight_bias(st.weight, st.bias);
  m.scale = st.scale;
  m.zero_point = st.zero_point;
  return st.consumed;
}
