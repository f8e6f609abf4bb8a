import { record_grad } from '../../autograd/function.js';
import { fmt_shape, wrap_dim } from '../dims.js';
import { define_function, define_method } from '../dispatch.js';
import { alloc } from '../dtype.js';
import { contiguous_strides, strided_gather, strided_scatter_add } from '../strided.js';
import { Tensor } from '../tensor.js';

/**
 * Basic indexing: select, narrow, index (Python-style slices), split, chunk. Each is a strided
 * window (offset, shape, strides) over the input; the result is copied out (torch returns a view)
 * and the gradient is scattered back into zeros of the input's shape.
 */

interface Window {
  offset: number;
  shape: number[];
  strides: number[];
}

/** One entry of Tensor.index: a number selects, [start, end, step] slices, null keeps the dim. */
export type IndexEntry = number | readonly [number?, number?, number?] | readonly (number | null | undefined)[] | null;

function take(x: Tensor, w: Window, name: string): Tensor {
  if (x.quantizer?.kind === 'per_channel') {
    throw new Error(`${name}: per-channel quantized tensors are not supported (shape ${fmt_shape(x.shape)})`);
  }
  const numel = w.shape.reduce((p, d) => p * d, 1);
  const out = new Tensor(strided_gather(x.data, w.offset, w.shape, w.strides, alloc(x.dtype, numel)), w.shape, x.dtype);
  out.quantizer = x.quantizer;
  const in_shape = x.shape;
  return record_grad(out, [x], `${name[0].toUpperCase()}${name.slice(1)}Backward`, (g) => {
    const gi = new Float32Array(in_shape.reduce((p, d) => p * d, 1));
    strided_scatter_add(gi, w.offset, w.shape, w.strides, g.data);
    return [new Tensor(gi, in_shape, 'float32')];
  });
}

function check_index(i: number, size: number, dim: number, op: string): number {
  if (!Number.isInteger(i) || i < -size || i >= size) {
    throw new Error(`${op}: index ${i} is out of bounds for dimension ${dim} with size ${size}`);
  }
  return i < 0 ? i + size : i;
}

function select_impl(x: Tensor, dim: number, index: number): Tensor {
  if (x.ndim === 0) throw new Error('select: cannot be applied to a 0-dim tensor');
  const d = wrap_dim(dim, x.ndim, 'select');
  const i = check_index(index, x.shape[d], d, 'select');
  const st = contiguous_strides(x.shape);
  return take(
    x,
    { offset: i * st[d], shape: x.shape.filter((_, k) => k !== d), strides: st.filter((_, k) => k !== d) },
    'select',
  );
}

function narrow_impl(x: Tensor, dim: number, start: number, length: number): Tensor {
  if (x.ndim === 0) throw new Error('narrow: cannot be applied to a 0-dim tensor');
  const d = wrap_dim(dim, x.ndim, 'narrow');
  const size = x.shape[d];
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || s < 0 || s > size) {
    throw new Error(`narrow: start (${start}) is out of bounds for dimension ${d} with size ${size}`);
  }
  if (!Number.isInteger(length) || length < 0 || s + length > size) {
    throw new Error(
      `narrow: start (${start}) + length (${length}) exceeds dimension size (${size}) of shape ${fmt_shape(x.shape)}`,
    );
  }
  const st = contiguous_strides(x.shape);
  const shape = [...x.shape];
  shape[d] = length;
  return take(x, { offset: s * st[d], shape, strides: st }, 'narrow');
}

/** Python slice bounds (clamped, negatives from the end) for a positive step. */
function slice_bounds(
  entry: readonly (number | null | undefined)[],
  size: number,
  dim: number,
): [number, number, number] {
  const step = entry[2] ?? 1;
  if (!Number.isInteger(step) || step <= 0)
    throw new Error(`index: slice step must be a positive integer, got ${step} in dim ${dim}`);
  const norm = (v: number | null | undefined, dflt: number): number => {
    if (v === null || v === undefined) return dflt;
    if (!Number.isInteger(v)) throw new Error(`index: slice bound ${v} in dim ${dim} is not an integer`);
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const start = norm(entry[0], 0);
  const end = norm(entry[1], size);
  return [start, Math.max(0, Math.ceil((end - start) / step)), step];
}

function index_impl(x: Tensor, ...indices: IndexEntry[]): Tensor {
  if (indices.length > x.ndim) {
    throw new Error(`index: too many indices (${indices.length}) for a tensor of shape ${fmt_shape(x.shape)}`);
  }
  const st = contiguous_strides(x.shape);
  let offset = 0;
  const shape: number[] = [];
  const strides: number[] = [];
  for (let d = 0; d < x.ndim; d++) {
    const e = indices[d] ?? null;
    if (e === null) {
      shape.push(x.shape[d]);
      strides.push(st[d]);
    } else if (typeof e === 'number') {
      offset += check_index(e, x.shape[d], d, 'index') * st[d];
    } else if (Array.isArray(e)) {
      const [start, len, step] = slice_bounds(e, x.shape[d], d);
      offset += start * st[d];
      shape.push(len);
      strides.push(step * st[d]);
    } else {
      throw new Error(
        `index: entry ${d} must be a number, a [start, end, step] slice or null, got ${JSON.stringify(e)}`,
      );
    }
  }
  return take(x, { offset, shape, strides }, 'index');
}

function split_impl(x: Tensor, split_size: number | readonly number[], dim = 0): Tensor[] {
  const d = wrap_dim(dim, x.ndim, 'split');
  const size = x.shape[d];
  let sizes: number[];
  if (typeof split_size === 'number') {
    if (!Number.isInteger(split_size) || split_size <= 0) {
      throw new Error(`split: split_size must be a positive integer, got ${split_size}`);
    }
    sizes = [];
    for (let s = 0; s < size; s += split_size) sizes.push(Math.min(split_size, size - s));
    if (size === 0) sizes.push(0);
  } else {
    sizes = [...split_size];
    const total = sizes.reduce((p, v) => p + v, 0);
    if (total !== size) {
      throw new Error(
        `split: split_sizes [${sizes.join(', ')}] sum to ${total}, but dimension ${d} of ${fmt_shape(x.shape)} has size ${size}`,
      );
    }
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(narrow_impl(x, d, start, s));
    start += s;
  }
  return out;
}

function chunk_impl(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new Error(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = wrap_dim(dim, x.ndim, 'chunk');
  return split_impl(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

/** torch.select(x, dim, index): removes `dim`, keeping slice `index`. */
export const select = define_function('select', select_impl);
/** torch.narrow(x, dim, start, length). */
export const narrow = define_function('narrow', narrow_impl);
/** torch.split(x, split_size_or_sections, dim=0). */
export const split = define_function('split', split_impl);
/** torch.chunk(x, chunks, dim=0): torch's sizes (ceil(n / chunks) each, maybe fewer chunks). */
export const chunk = define_function('chunk', chunk_impl);

define_method('select', select_impl);
define_method('narrow', narrow_impl);
define_method('index', index_impl);
define_method('split', split_impl);
define_method('chunk', chunk_impl);
