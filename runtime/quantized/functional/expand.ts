/** Broadcast copies of quint8 data, for the int8 ops whose kernels take equal-shaped operands. */
import { broadcast_shapes, for_each_broadcast } from '../../tensor/broadcast.js';
import { shape_numel } from '../../tensor/tensor.js';

/** `src` (row-major in `shape`) broadcast to `to` (the data itself when the shapes already match). */
export function expand_u8(src: Uint8Array, shape: readonly number[], to: readonly number[], op: string): Uint8Array {
  if (shape.length === to.length && shape.every((d, i) => d === to[i])) return src;
  const out = new Uint8Array(shape_numel(to));
  // broadcasting against the target shape visits each output index with its source index
  for_each_broadcast(shape, to, broadcast_shapes(shape, to, op), (io, ia) => {
    out[io] = src[ia];
  });
  return out;
}
