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

/**
 * Merges output dims the source walks as one (stride[d] = stride[d+1]·shape[d+1]) and drops size-1 dims:
 * qkv[0] of a contiguous [3, N, 4, 50, 16] becomes one run of N·3200, a transpose's untouched rows one dim.
 */
export function merge_dims(shape: Shape, strides: readonly number[]): [number[], number[]] {
  const sh: number[] = [];
  const st: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = sh.length - 1;
    if (last >= 0 && st[last] === strides[d] * shape[d]) {
      sh[last] *= shape[d];
      st[last] = strides[d];
    } else {
      sh.push(shape[d]);
      st.push(strides[d]);
    }
  }
  return [sh, st];
}

/** Rows shorter than this are copied element by element (set() costs more than a short loop). */
const SET_MIN = 64;

/** out[i] = src[offset + Σ idx·strides] for every index of `shape`, row-major. */
export function strided_gather(
  src: TypedArray,
  offset: number,
  shape: Shape,
  strides: readonly number[],
  out: TypedArray,
): TypedArray {
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return out;
  const [sh, st] = merge_dims(shape, strides);
  const n = sh.length;
  if (n === 0) {
    out[0] = src[offset];
    return out;
  }
  const inner = sh[n - 1];
  const step = st[n - 1];
  // an odometer over the outer dims, one monomorphic loop per row (no per-element callback)
  const idx = new Array<number>(n).fill(0);
  let base = offset;
  for (let io = 0; io < total; io += inner) {
    if (step === 1) {
      if (inner >= SET_MIN) out.set(src.subarray(base, base + inner), io);
      else for (let k = 0; k < inner; k++) out[io + k] = src[base + k];
    } else for (let k = 0; k < inner; k++) out[io + k] = src[base + k * step];
    for (let d = n - 2; d >= 0; d--) {
      idx[d]++;
      base += st[d];
      if (idx[d] < sh[d]) break;
      base -= st[d] * sh[d];
      idx[d] = 0;
    }
  }
  return out;
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
