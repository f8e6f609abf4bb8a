/**
 * torch.ops.quantized.matmul(a, b, output_scale, output_zero_point): torch.matmul of two quint8 tensors
 * (1-d operands promoted and squeezed, batch dims broadcast as torch.matmul does), on the backend's
 * qmatmul kernel (int32 dot products, qlinear's requantization; see backends/types.ts).
 */
import { get_backend } from '../../backends/registry.js';
import { broadcast_shapes } from '../../tensor/broadcast.js';
import { define_function } from '../../tensor/dispatch.js';
import { shape_numel, type Tensor } from '../../tensor/tensor.js';
import { check_out_qparams, check_quint8, describe, make_qtensor, out_qparam, qoutput } from '../qtensor.js';
import { expand_u8 } from './expand.js';

/** The batch-broadcast data of a [..., r, c] operand as [Π batch, r, c] (a copy only when it is broadcast). */
function batch_data(t: Tensor, mat: readonly number[], batch: readonly number[], op: string): Uint8Array {
  const own = t.shape.slice(0, -2);
  const full = [...batch, ...mat];
  if (own.length === batch.length && own.every((d, i) => d === batch[i])) return t.data as Uint8Array;
  return expand_u8(t.data as Uint8Array, [...own, ...mat], full, op);
}

export const matmul = define_function(
  'quantized.matmul',
  (a: Tensor, b: Tensor, scale_arg: number | Tensor, zero_point_arg: number | Tensor): Tensor => {
    const op = 'quantized.matmul';
    const scale = out_qparam(scale_arg, 'scale', op);
    const zero_point = out_qparam(zero_point_arg, 'zero_point', op);
    const pa = check_quint8(a, op, 'a');
    const pb = check_quint8(b, op, 'b');
    check_out_qparams(scale, zero_point, op);
    if (a.ndim < 1 || b.ndim < 1)
      throw new Error(`${op}: both operands need ≥ 1 dim, got ${describe(a)} and ${describe(b)}`);
    // torch.matmul: a 1-d a is a row [1, k] (dim removed after), a 1-d b a column [k, 1]
    const a_shape = a.ndim === 1 ? [1, a.shape[0]] : [...a.shape];
    const b_shape = b.ndim === 1 ? [b.shape[0], 1] : [...b.shape];
    const [m, k] = a_shape.slice(-2);
    const [kb, n] = b_shape.slice(-2);
    if (k !== kb)
      throw new Error(
        `${op}: a ${describe(a)} and b ${describe(b)} cannot be multiplied (${k} ≠ ${kb} in the inner dim)`,
      );
    const batch = broadcast_shapes(a_shape.slice(0, -2), b_shape.slice(0, -2), op);
    const ad = batch_data(a._view_as_shape(a_shape), [m, k], batch, op);
    const bd = batch_data(b._view_as_shape(b_shape), [k, n], batch, op);
    const g = { batch: shape_numel(batch), m, k, n };
    const out = get_backend().int8.qmatmul(
      { data: ad, scale: pa.scale, zero_point: pa.zero_point },
      { data: bd, scale: pb.scale, zero_point: pb.zero_point },
      g,
      qoutput(scale, zero_point, false),
    );
    const shape = [...batch, ...(a.ndim === 1 ? [] : [m]), ...(b.ndim === 1 ? [] : [n])];
    return make_qtensor(out, shape, 'quint8', scale, zero_point);
  },
);
