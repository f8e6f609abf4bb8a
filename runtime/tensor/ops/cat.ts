import { record_grad } from '../../autograd/function.js';
import { fmt_shape, wrap_dim } from '../dims.js';
import { define_function } from '../dispatch.js';
import { alloc } from '../dtype.js';
import { Tensor } from '../tensor.js';

/**
 * torch.cat / torch.stack. Quantized inputs are accepted when they share one per-tensor quantizer
 * (what a converted graph's shape ops pass through); the result keeps it.
 */

function same_quantizer(ts: readonly Tensor[], op: string): void {
  const q0 = ts[0].quantizer;
  for (let i = 1; i < ts.length; i++) {
    const q = ts[i].quantizer;
    const same =
      q === q0 ||
      (q?.kind === 'per_tensor' && q0?.kind === 'per_tensor' && q.scale === q0.scale && q.zero_point === q0.zero_point);
    if (!same || ts[i].dtype !== ts[0].dtype) {
      throw new Error(
        `${op}: tensor ${i} has dtype ${ts[i].dtype}${q ? ' (quantized)' : ''} but tensor 0 has ${ts[0].dtype}${q0 ? ' (quantized)' : ''}; quantized inputs must share dtype and qparams`,
      );
    }
  }
  if (q0?.kind === 'per_channel') throw new Error(`${op}: per-channel quantized tensors are not supported`);
}

/** A plain boolean check: Array.isArray would widen the readonly Tensor[] to any[]. */
function is_list(x: unknown): boolean {
  return Array.isArray(x);
}

function cat_impl(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!is_list(tensors) || tensors.length === 0) throw new Error('cat: expected a non-empty list of Tensors');
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor))
      throw new Error(`cat: tensors[${i}] is not a Tensor (got ${t === null ? 'null' : typeof t})`);
  });
  const first = tensors[0];
  const d = wrap_dim(dim, first.ndim, 'cat');
  if (first.ndim === 0) throw new Error('cat: zero-dimensional tensor (at position 0) cannot be concatenated');
  if (tensors.some((t) => t.is_quantized)) same_quantizer(tensors, 'cat');
  const float = tensors.some((t) => t.dtype === 'float32');
  const dtype = float ? 'float32' : first.dtype;
  if (!float && tensors.some((t) => t.dtype !== dtype)) {
    throw new Error(
      `cat: expected all tensors to have dtype ${dtype}, got [${tensors.map((t) => t.dtype).join(', ')}]`,
    );
  }
  let total = 0;
  for (let i = 0; i < tensors.length; i++) {
    const ti = tensors[i];
    const ok = ti.ndim === first.ndim && ti.shape.every((s, k) => k === d || s === first.shape[k]);
    if (!ok) {
      throw new Error(
        `cat: tensors must have the same shape except in dim ${d}, got ${fmt_shape(first.shape)} and ${fmt_shape(ti.shape)} (tensor ${i})`,
      );
    }
    total += ti.shape[d];
  }
  const shape = [...first.shape];
  shape[d] = total;
  let outer = 1;
  for (let k = 0; k < d; k++) outer *= shape[k];
  let inner = 1;
  for (let k = d + 1; k < shape.length; k++) inner *= shape[k];
  const out_data = alloc(dtype, outer * total * inner);
  const row = total * inner;
  let col = 0;
  for (const ti of tensors) {
    const block = ti.shape[d] * inner;
    const src = ti.data;
    for (let o = 0; o < outer; o++) {
      if (block) out_data.set(src.subarray(o * block, (o + 1) * block), o * row + col);
    }
    col += block;
  }
  const out = new Tensor(out_data, shape, dtype);
  out.quantizer = first.quantizer;
  return record_grad(out, tensors, 'CatBackward', (g) => {
    const grads: Tensor[] = [];
    let c = 0;
    for (const ti of tensors) {
      const block = ti.shape[d] * inner;
      const gi = new Float32Array(outer * block);
      for (let o = 0; o < outer; o++) gi.set(g.data.subarray(o * row + c, o * row + c + block), o * block);
      grads.push(new Tensor(gi, ti.shape, 'float32'));
      c += block;
    }
    return grads;
  });
}

function stack_impl(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!is_list(tensors) || tensors.length === 0) throw new Error('stack: expected a non-empty list of Tensors');
  const first = tensors[0];
  for (let i = 1; i < tensors.length; i++) {
    const ti = tensors[i];
    if (ti.ndim !== first.ndim || ti.shape.some((s, k) => s !== first.shape[k])) {
      throw new Error(
        `stack: expects each tensor to be equal size, but got ${fmt_shape(first.shape)} at entry 0 and ${fmt_shape(ti.shape)} at entry ${i}`,
      );
    }
  }
  const d = wrap_dim(dim, first.ndim + 1, 'stack');
  return cat_impl(
    tensors.map((t) => t.unsqueeze(d)),
    d,
  );
}

/** torch.cat(tensors, dim=0): concatenates along an existing dim. */
export const cat = define_function('cat', cat_impl);
/** torch.stack(tensors, dim=0): joins equal-shaped tensors along a new dim. */
export const stack = define_function('stack', stack_impl);
