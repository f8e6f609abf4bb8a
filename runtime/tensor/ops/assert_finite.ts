/**
 * assert_finite(x, name): x unchanged when every element is finite, else an Error naming the input
 * and the first bad element. convert_fx({ check_inputs: true }) puts it after each forward input, so
 * a converted int8 model refuses NaN/Inf as its prepared model's observers do (by default it
 * quantizes them silently, as PyTorch; see compiler/quantize_fx/README.md).
 */
import { define_function } from '../dispatch.js';
import { Tensor } from '../tensor.js';

function assert_finite_impl<T>(x: T, name: string): T {
  if (!(x instanceof Tensor) || x.is_quantized || x.dtype === 'bool') return x;
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    const v = Number(d[i]);
    if (!Number.isFinite(v)) {
      const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf';
      throw new Error(
        `forward input '${name}' (shape [${x.shape.join(', ')}]) contains ${what} at flat index ${i}; this model was converted with check_inputs, which requires finite inputs`,
      );
    }
  }
  return x;
}

export const assert_finite = define_function('assert_finite', assert_finite_impl);
