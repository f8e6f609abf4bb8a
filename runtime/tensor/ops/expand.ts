import { record_grad } from '../../autograd/function.js';
import { sum_to_shape } from '../broadcast.js';
import { as_list, fmt_shape, reject_quantized } from '../dims.js';
import { define_method } from '../dispatch.js';
import { alloc } from '../dtype.js';
import { contiguous_strides, strided_gather } from '../strided.js';
import { Tensor } from '../tensor.js';

/**
 * Tensor.expand(*sizes): broadcasts size-1 dims (and new leading dims) to `sizes`; -1 keeps a dim.
 * torch returns a stride-0 view; storage here is contiguous, so the values are materialised.
 */
export function expand_impl(x: Tensor, ...sizes: (number | number[])[]): Tensor {
  reject_quantized(x, 'expand');
  const target = as_list(sizes);
  const n = target.length;
  const lead = n - x.ndim;
  if (lead < 0) {
    throw new Error(
      `expand: the number of sizes provided (${n}) must be greater or equal to the number of dimensions in the tensor (${x.ndim}), shape ${fmt_shape(x.shape)}`,
    );
  }
  const st = contiguous_strides(x.shape);
  const shape = new Array<number>(n);
  const strides = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const want = target[i];
    if (i < lead) {
      if (want < 0)
        throw new Error(`expand: the expanded size ${want} is not allowed in a leading, non-existing dimension ${i}`);
      shape[i] = want;
      strides[i] = 0;
      continue;
    }
    const have = x.shape[i - lead];
    const size = want === -1 ? have : want;
    if (have !== size && have !== 1) {
      throw new Error(
        `expand: the expanded size of the tensor (${size}) must match the existing size (${have}) at non-singleton dimension ${i}. Target sizes: ${fmt_shape(target)}. Tensor sizes: ${fmt_shape(x.shape)}`,
      );
    }
    shape[i] = size;
    strides[i] = have === 1 && size !== 1 ? 0 : st[i - lead];
  }
  const numel = shape.reduce((p, d) => p * d, 1);
  const out = new Tensor(strided_gather(x.data, 0, shape, strides, alloc(x.dtype, numel)), shape, x.dtype);
  const in_shape = x.shape;
  return record_grad(out, [x], 'ExpandBackward', (g) => [sum_to_shape(g, in_shape)]);
}

define_method('expand', expand_impl);
