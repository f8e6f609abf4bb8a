/**
 * qgather: y[i] = x[offset + Σ idx·strides] over `shape`, row-major — permute / transpose of quint8 tensors
 * (the js reference; wasm: assembly/qgather.ts): the checked strided_gather of runtime/tensor/strided.ts.
 */
import { strided_gather } from '../../../tensor/strided.js';

/** Checks qgather's arguments; returns the element count. */
export function check_qgather(
  name: string,
  x: Uint8Array,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  y: Uint8Array | undefined,
): number {
  if (shape.length !== strides.length)
    throw new Error(`${name}: shape has ${shape.length} dims but strides ${strides.length}`);
  let total = 1;
  let last = offset;
  for (let d = 0; d < shape.length; d++) {
    if (!Number.isInteger(shape[d]) || shape[d] < 0 || !Number.isInteger(strides[d]) || strides[d] < 0)
      throw new Error(`${name}: shape / strides must be non-negative integers, got [${shape}] / [${strides}]`);
    total *= shape[d];
    last += (shape[d] - 1) * strides[d];
  }
  if (total > 0 && (!Number.isInteger(offset) || offset < 0 || last >= x.length))
    throw new Error(`${name}: the view reads up to element ${last} of a ${x.length}-element input`);
  if (y && y.length !== total) throw new Error(`${name}: output has ${y.length} elements, expected ${total}`);
  return total;
}

export function qgather(
  x: Uint8Array,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  y?: Uint8Array,
): Uint8Array {
  const total = check_qgather('js.qgather', x, offset, shape, strides, y);
  return strided_gather(x, offset, shape, strides, y ?? new Uint8Array(total)) as Uint8Array;
}
