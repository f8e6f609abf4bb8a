/**
 * Quantized linear ops: static (quint8 in, quint8 out, as torch.ops.quantized.linear / linear_relu)
 * and dynamic (float in, float out, as torch.ops.quantized.linear_dynamic on qnnpack).
 */
import { get_backend } from '../../backends/registry.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { LinearPackedParams } from '../packed_params.js';
import {
  as_qinput,
  check_float,
  check_out_clamp,
  check_out_qparams,
  describe,
  make_qtensor,
  qoutput,
} from '../qtensor.js';

/** Options every int8 op accepts: run on a named backend instead of the current one. */
export interface BackendOption {
  backend?: 'js' | 'wasm';
}

/** Options of the static int8 conv / linear: the backend, and an output clamp [lo, hi] (a folded relu6 etc.). */
export interface StaticQOptions extends BackendOption {
  out_clamp?: readonly [number, number] | null;
}

function check_packed(p: unknown, op: string): LinearPackedParams {
  if (!(p instanceof LinearPackedParams))
    throw new Error(`${op}: expected LinearPackedParams as the weight, got ${p === null ? 'null' : typeof p}`);
  return p;
}

function leading(x: Tensor, k: number, op: string): number {
  const last = x.shape[x.ndim - 1];
  if (x.ndim < 1 || last !== k) throw new Error(`${op}: input ${describe(x)} does not end in in_features = ${k}`);
  return x.numel() / k;
}

function static_linear(op: string, relu: boolean) {
  return (
    x: Tensor,
    packed: LinearPackedParams,
    scale: number,
    zero_point: number,
    options: StaticQOptions = {},
  ): Tensor => {
    const p = check_packed(packed, op);
    const xin = as_qinput(x, op);
    check_out_qparams(scale, zero_point, op);
    const m = leading(x, p.in_features, op);
    const be = get_backend(options.backend);
    const clamp = check_out_clamp(options.out_clamp, op);
    const y = be.int8.qlinear(xin, m, p.packed(be, op), qoutput(scale, zero_point, relu, clamp));
    return make_qtensor(y, [...x.shape.slice(0, -1), p.out_features], 'quint8', scale, zero_point);
  };
}

/** torch.ops.quantized.linear(x, packed, scale, zero_point): quint8 [..., in] → quint8 [..., out]. */
export const linear = define_function('quantized.linear', static_linear('quantized.linear', false));
/** torch.ops.quantized.linear_relu: linear with the output clamped at its zero point. */
export const linear_relu = define_function('quantized.linear_relu', static_linear('quantized.linear_relu', true));

/** Options of the dynamic linear: reduce_range is accepted and ignored, as qnnpack ignores it. */
export interface DynamicLinearOptions extends BackendOption {
  reduce_range?: boolean;
}

/** The weight's scale per output channel (a per-tensor scale repeated), as float32. */
function weight_scales(p: LinearPackedParams): Float32Array {
  const q = p.weight.quantizer;
  const n = p.out_features;
  if (q?.kind === 'per_channel') return Float32Array.from(q.scales.subarray(0, n));
  return new Float32Array(n).fill(q?.kind === 'per_tensor' ? q.scale : 1);
}

function dynamic_linear(op: string, relu: boolean) {
  return (x: Tensor, packed: LinearPackedParams, options: DynamicLinearOptions = {}): Tensor => {
    const p = check_packed(packed, op);
    const xf = check_float(x, op);
    const m = leading(x, p.in_features, op);
    const be = get_backend(options.backend);
    // qnnpack: activation qparams from this call's min/max over all rows (widened to include 0), quint8 0..255;
    // then float(acc) · f32(s_x·s_w) + bias, each step in float32 (backends/js/linear_dynamic.ts)
    let y: Float32Array;
    try {
      y = be.rnn.linear_dynamic(xf, m, p.packed(be, op), weight_scales(p), p.bias?.data as Float32Array | null, relu);
    } catch (e) {
      throw new Error(`${op}: input ${describe(x)}: ${(e as Error).message}`);
    }
    return new Tensor(y, [...x.shape.slice(0, -1), p.out_features], 'float32');
  };
}

/** torch.ops.quantized.linear_dynamic(x, packed): float [..., in] → float [..., out], activation quantized per call. */
export const linear_dynamic = define_function(
  'quantized.linear_dynamic',
  dynamic_linear('quantized.linear_dynamic', false),
);
/** torch.ops.quantized.linear_relu_dynamic. */
export const linear_relu_dynamic = define_function(
  'quantized.linear_relu_dynamic',
  dynamic_linear('quantized.linear_relu_dynamic', true),
);
