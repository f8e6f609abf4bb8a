import { record_grad } from '../../autograd/function.js';
import { get_backend } from '../../backends/registry.js';
import { as_list, fmt_shape, wrap_dim, wrap_dims } from '../dims.js';
import { define_function, define_method } from '../dispatch.js';
import { alloc } from '../dtype.js';
import { contiguous_strides, strided_gather } from '../strided.js';
import { Tensor } from '../tensor.js';

/**
 * Dim reorderings. Storage stays contiguous, so these copy (torch returns strided views); the
 * values and shapes are torch's. A per-channel quantizer follows its axis to the new position.
 */

/** Below this many bytes the js gather is as fast as a round trip through wasm memory. */
const QGATHER_MIN = 4096;

/** Copies `x` with its dims reordered by `perm` (out dim i = input dim perm[i]). */
export function permute_copy(x: Tensor, perm: readonly number[]): Tensor {
  const st = contiguous_strides(x.shape);
  const shape = perm.map((p) => x.shape[p]);
  const strides = perm.map((p) => st[p]);
  // quint8 (an int8 model's activations): the backend's byte gather (wasm: one pass in its memory)
  const data =
    x.data instanceof Uint8Array && x.numel() >= QGATHER_MIN
      ? get_backend().int8.qgather(x.data, 0, shape, strides)
      : strided_gather(x.data, 0, shape, strides, alloc(x.dtype, x.numel()));
  const out = new Tensor(data, shape, x.dtype);
  const q = x.quantizer;
  out.quantizer = q?.kind === 'per_channel' ? { ...q, axis: perm.indexOf(q.axis) } : q;
  return out;
}

function permute_impl(x: Tensor, ...dims: (number | number[])[]): Tensor {
  const list = as_list(dims);
  if (list.length !== x.ndim) {
    throw new Error(
      `permute: number of dims [${list.join(', ')}] doesn't match the tensor's shape ${fmt_shape(x.shape)}`,
    );
  }
  const perm = wrap_dims(list, x.ndim, 'permute');
  const inverse = new Array<number>(perm.length);
  for (let i = 0; i < perm.length; i++) inverse[perm[i]] = i;
  return record_grad(permute_copy(x, perm), [x], 'PermuteBackward', (g) => [permute_copy(g, inverse)]);
}

function transpose_impl(x: Tensor, dim0: number, dim1: number): Tensor {
  if (x.ndim === 0) return permute_impl(x, []);
  const a = wrap_dim(dim0, x.ndim, 'transpose');
  const b = wrap_dim(dim1, x.ndim, 'transpose');
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return record_grad(permute_copy(x, perm), [x], 'TransposeBackward', (g) => [permute_copy(g, perm)]);
}

function t_impl(x: Tensor): Tensor {
  if (x.ndim > 2) throw new Error(`t: expects a tensor with <= 2 dimensions, but got shape ${fmt_shape(x.shape)}`);
  return x.ndim < 2 ? x : transpose_impl(x, 0, 1);
}

/** torch.permute(x, dims). */
export const permute = define_function('permute', (x: Tensor, dims: readonly number[]) => permute_impl(x, [...dims]));
/** torch.transpose(x, dim0, dim1). */
export const transpose = define_function('transpose', transpose_impl);
/** torch.t(x): transpose of a ≤2-d tensor. */
export const t = define_function('t', t_impl);

define_method('permute', permute_impl);
define_method('transpose', transpose_impl);
define_method('t', t_impl);
