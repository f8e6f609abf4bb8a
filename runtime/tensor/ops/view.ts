import { record_grad } from '../../autograd/function.js';
import { as_list, fmt_shape, wrap_dim } from '../dims.js';
import { define_function, define_method } from '../dispatch.js';
import { Tensor } from '../tensor.js';

/**
 * Views: ops that only change the shape, so the result shares the input's storage (as torch's
 * views do). Quantized tensors keep their quantizer; gradients flow back by reshaping.
 */

/** Resolves a target shape with at most one -1 against `numel`, or throws naming the op. */
export function infer_shape(shape: readonly number[], numel: number, op: string): number[] {
  let infer = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === -1) {
      if (infer >= 0) throw new Error(`${op}: only one dimension can be inferred, got shape ${fmt_shape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: invalid shape dimension ${d} in ${fmt_shape(shape)}`);
    } else known *= d;
  }
  const out = [...shape];
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) {
      throw new Error(`${op}: shape ${fmt_shape(shape)} is invalid for input of size ${numel}`);
    }
    out[infer] = numel / known;
  } else if (known !== numel) {
    throw new Error(`${op}: shape ${fmt_shape(shape)} is invalid for input of size ${numel}`);
  }
  return out;
}

/**
 * The channel axis of a per-channel quantizer after a reshape: the new dim with the same size and the
 * same number of elements before it. Reshapes that split or merge the channel dim are refused.
 */
function remap_axis(x: Tensor, shape: readonly number[], op: string, axis: number): number {
  let before = 1;
  for (let i = 0; i < axis; i++) before *= x.shape[i];
  let p = 1;
  for (let j = 0; j < shape.length; j++) {
    if (p === before && shape[j] === x.shape[axis]) return j;
    p *= shape[j];
  }
  throw new Error(
    `${op}: cannot reshape a per-channel quantized tensor ${fmt_shape(x.shape)} (axis ${axis}) to ${fmt_shape(shape)} without splitting the channel dim`,
  );
}

/** A storage-sharing view of `x` with `shape`, recorded on the tape. */
export function view_as_shape(x: Tensor, shape: readonly number[], backward_name = 'ViewBackward'): Tensor {
  const out = x._view_as_shape(shape);
  const q = x.quantizer;
  if (q?.kind === 'per_channel')
    out.quantizer = { ...q, axis: remap_axis(x, shape, backward_name.replace('Backward', '').toLowerCase(), q.axis) };
  const in_shape = x.shape;
  return record_grad(out, [x], backward_name, (g) => [g._view_as_shape(in_shape)]);
}

function reshape_impl(x: Tensor, ...shape: (number | number[])[]): Tensor {
  return view_as_shape(x, infer_shape(as_list(shape), x.numel(), 'reshape'), 'ReshapeBackward');
}

function view_impl(x: Tensor, ...shape: (number | number[])[]): Tensor {
  return view_as_shape(x, infer_shape(as_list(shape), x.numel(), 'view'));
}

function flatten_impl(x: Tensor, start_dim = 0, end_dim = -1): Tensor {
  if (x.ndim === 0) return view_as_shape(x, [1], 'FlattenBackward');
  const s = wrap_dim(start_dim, x.ndim, 'flatten');
  const e = wrap_dim(end_dim, x.ndim, 'flatten');
  if (s > e)
    throw new Error(
      `flatten: start_dim (${start_dim}) cannot come after end_dim (${end_dim}) for shape ${fmt_shape(x.shape)}`,
    );
  const sh = x.shape;
  let mid = 1;
  for (let i = s; i <= e; i++) mid *= sh[i];
  return view_as_shape(x, [...sh.slice(0, s), mid, ...sh.slice(e + 1)], 'FlattenBackward');
}

function squeeze_impl(x: Tensor, dim?: number): Tensor {
  const sh = x.shape;
  if (dim === undefined)
    return view_as_shape(
      x,
      sh.filter((d) => d !== 1),
      'SqueezeBackward',
    );
  if (x.ndim === 0) {
    wrap_dim(dim, 0, 'squeeze');
    return view_as_shape(x, [], 'SqueezeBackward');
  }
  const d = wrap_dim(dim, x.ndim, 'squeeze');
  // torch leaves the tensor unchanged when the dim is not of size 1
  if (sh[d] !== 1) return view_as_shape(x, sh, 'SqueezeBackward');
  return view_as_shape(x, [...sh.slice(0, d), ...sh.slice(d + 1)], 'SqueezeBackward');
}

function unsqueeze_impl(x: Tensor, dim: number): Tensor {
  const d = wrap_dim(dim, x.ndim + 1, 'unsqueeze');
  const sh = x.shape;
  return view_as_shape(x, [...sh.slice(0, d), 1, ...sh.slice(d)], 'UnsqueezeBackward');
}

/** Storage is always contiguous, so contiguous() is the tensor itself, as in torch for contiguous input. */
function contiguous_impl(x: Tensor): Tensor {
  return x;
}

function clone_impl(x: Tensor): Tensor {
  const out = new Tensor(x.data.slice(), x.shape, x.dtype);
  out.quantizer = x.quantizer;
  return record_grad(out, [x], 'CloneBackward', (g) => [g]);
}

/** torch.reshape(x, shape): a view with one dim allowed to be -1. */
export const reshape = define_function('reshape', (x: Tensor, shape: readonly number[]) => reshape_impl(x, [...shape]));
/** torch.flatten(x, start_dim=0, end_dim=-1). */
export const flatten = define_function('flatten', flatten_impl);
/** torch.squeeze(x, dim?): drops size-1 dims (all, or `dim` if it has size 1). */
export const squeeze = define_function('squeeze', squeeze_impl);
/** torch.unsqueeze(x, dim): inserts a size-1 dim at `dim` (range [-ndim-1, ndim]). */
export const unsqueeze = define_function('unsqueeze', unsqueeze_impl);
/** torch.clone(x): a copy with its own storage. */
export const clone = define_function('clone', clone_impl);

define_method('reshape', reshape_impl);
define_method('view', view_impl);
define_method('flatten', flatten_impl);
define_method('squeeze', squeeze_impl);
define_method('unsqueeze', unsqueeze_impl);
define_method('contiguous', contiguous_impl);
define_method('clone', clone_impl);
