import type { TypedArray } from './dtype.js';
import type { Shape } from './tensor.js';

/**
 * Strided access over contiguous storage: the one loop behind permute, expand, narrow, select and
 * index. A "view" here is (offset, shape, strides) read from a flat array; strides may be 0 (broadcast).
 */

/** Row-major strides of a contiguous shape. */
export function contiguous_strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Visits every element of the strided view in row-major order, calling `fn(i_out, i_src)`.
 * The innermost dim runs in a tight loop; an odometer steps the outer dims.
 */
function walk(offset: number, shape: Shape, strides: readonly number[], fn: (io: number, is: number) => void): void {
  const n = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  if (n === 0) {
    fn(0, offset);
    return;
  }
  const idx = new Array<number>(n).fill(0);
  const inner = shape[n - 1];
  const step = strides[n - 1];
  let base = offset;
  for (let io = 0; io < total; io += inner) {
    fn(io, base);
    for (let k = 1; k < inner; k++) fn(io + k, base + k * step);
    for (let d = n - 2; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** out[i] = src[offset + Σ idx·strides] for every index of `shape`, row-major. */
export function strided_gather(
  src: TypedArray,
  offset: number,
  shape: Shape,
  strides: readonly number[],
  out: TypedArray,
): TypedArray {
  const n = shape.length;
  // fast path: unit inner stride copies whole rows with set()
  if (n > 0 && strides[n - 1] === 1) {
    const inner = shape[n - 1];
    const outer_shape = shape.slice(0, n - 1);
    const outer_strides = strides.slice(0, n - 1);
    let row = 0;
    walk_rows(offset, outer_shape, outer_strides, (is) => {
      out.set(src.subarray(is, is + inner), row);
      row += inner;
    });
    return out;
  }
  walk(offset, shape, strides, (io, is) => {
    out[io] = src[is];
  });
  return out;
}

function walk_rows(offset: number, shape: Shape, strides: readonly number[], fn: (is: number) => void): void {
  if (shape.length === 0) {
    fn(offset);
    return;
  }
  walk(offset, shape, strides, (_io, is) => fn(is));
}

/** dst[offset + Σ idx·strides] += src[i] for every index of `shape`: the adjoint of strided_gather. */
export function strided_scatter_add(
  dst: TypedArray,
  offset: number,
  shape: Shape,
  strides: readonly number[],
  src: TypedArray,
): TypedArray {
  walk(offset, shape, strides, (io, is) => {
    dst[is] += src[io];
  });
  return dst;
}
