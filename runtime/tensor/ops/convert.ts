import { fmt_shape } from '../dims.js';
import { define_method } from '../dispatch.js';
import { alloc, type DType, is_quantized_dtype } from '../dtype.js';
import { Tensor } from '../tensor.js';

/** dtype conversion and reading values out: Tensor.to(dtype), item(), tolist(). */

function to_impl(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  if (x.is_quantized) {
    throw new Error(`to: cannot convert a quantized tensor (${x.dtype}) to ${dtype}; use dequantize() or int_repr()`);
  }
  if (is_quantized_dtype(dtype)) {
    throw new Error(`to: cannot convert ${x.dtype} to quantized dtype ${dtype}; use quantize_per_tensor`);
  }
  const src = x.data;
  const out = alloc(dtype, src.length);
  if (dtype === 'bool') {
    for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
  } else if (dtype === 'float32') {
    out.set(src);
  } else {
    // float -> int truncates toward zero as C casts do; narrow int types then wrap (typed-array stores)
    for (let i = 0; i < src.length; i++) out[i] = Math.trunc(src[i]);
  }
  // no grad: float32 is the only float dtype, and an int or bool result cannot carry one
  return new Tensor(out, x.shape, dtype);
}

function item_impl(x: Tensor): number {
  if (x.numel() !== 1) {
    throw new Error(
      `item: a Tensor with ${x.numel()} elements (shape ${fmt_shape(x.shape)}) cannot be converted to a number`,
    );
  }
  return read(x)(0);
}

/** Element reader; quantized tensors read as their dequantized values, as torch's item/tolist do. */
function read(x: Tensor): (i: number) => number {
  const d = x.data;
  const q = x.quantizer;
  if (!q) return (i) => d[i];
  if (q.kind === 'per_tensor') return (i) => Math.fround((d[i] - q.zero_point) * q.scale);
  throw new Error(`item/tolist: per-channel quantized tensors are not supported; dequantize() first`);
}

function tolist_impl(x: Tensor): unknown {
  const d = read(x);
  const sh = x.shape;
  if (sh.length === 0) return d(0);
  let pos = 0;
  const build = (level: number): unknown[] => {
    const n = sh[level];
    const out = new Array<unknown>(n);
    if (level === sh.length - 1) for (let i = 0; i < n; i++) out[i] = d(pos++);
    else for (let i = 0; i < n; i++) out[i] = build(level + 1);
    return out;
  };
  return build(0);
}

define_method('to', to_impl);
define_method('item', item_impl);
define_method('tolist', tolist_impl);
