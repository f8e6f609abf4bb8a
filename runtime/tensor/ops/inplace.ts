import { is_grad_enabled } from '../../autograd/grad_mode.js';
import { broadcast_strides } from '../broadcast.js';
import { fmt_shape } from '../dims.js';
import { define_method } from '../dispatch.js';
import { strided_gather } from '../strided.js';
import type { Tensor } from '../tensor.js';

/**
 * In-place writes: zero_, fill_, copy_. There is no version counter on the tape, so (as torch does
 * for leaves) they refuse tensors that autograd is tracking; run them under no_grad for parameters.
 */

function check_writable(x: Tensor, op: string): void {
  if (x.is_quantized) throw new Error(`${op}: in-place writes to a quantized tensor (${x.dtype}) are not supported`);
  if (is_grad_enabled() && x.requires_grad) {
    throw new Error(
      x.is_leaf
        ? `${op}: a leaf tensor that requires grad (shape ${fmt_shape(x.shape)}) is being used in an in-place operation; wrap it in no_grad()`
        : `${op}: in-place writes to a tensor that is part of an autograd graph (${x.grad_fn?.name}) are not supported`,
    );
  }
}

function zero_impl(x: Tensor): Tensor {
  check_writable(x, 'zero_');
  x.data.fill(0);
  return x;
}

function fill_impl(x: Tensor, value: number): Tensor {
  check_writable(x, 'fill_');
  // the typed array rounds (float32) or truncates/wraps (integer dtypes) as a cast would
  x.data.fill(value);
  return x;
}

function copy_impl(x: Tensor, src: Tensor): Tensor {
  check_writable(x, 'copy_');
  if (src.is_quantized) throw new Error(`copy_: source is quantized (${src.dtype}); dequantize() it first`);
  const same = src.ndim === x.ndim && src.shape.every((d, i) => d === x.shape[i]);
  if (same) {
    x.data.set(src.data);
    return x;
  }
  // broadcast src to x's shape (throws naming both shapes when it cannot)
  const ok = src.ndim <= x.ndim && src.shape.every((d, i) => d === 1 || d === x.shape[x.ndim - src.ndim + i]);
  if (!ok)
    throw new Error(`copy_: source of shape ${fmt_shape(src.shape)} cannot be broadcast to ${fmt_shape(x.shape)}`);
  strided_gather(src.data, 0, x.shape, broadcast_strides(src.shape, x.shape), x.data);
  return x;
}

define_method('zero_', zero_impl);
define_method('fill_', fill_impl);
define_method('copy_', copy_impl);
