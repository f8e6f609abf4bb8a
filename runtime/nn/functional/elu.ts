/** F.elu: x for x > 0, α·(eˣ − 1) otherwise (torch.nn.ELU's docs); gradient 1, or α·eˣ below zero. */
import { record_grad } from '../../autograd/function.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float } from './_util.js';

/** Options of F.elu. */
export interface EluOptions {
  alpha?: number;
  /** Accepted for signature parity; a new tensor is always returned (see activation.ts). */
  inplace?: boolean;
}

/** F.elu(input, {alpha=1.0}). */
export const elu = define_function('F.elu', (input: Tensor, options: EluOptions = {}): Tensor => {
  check_float(input, 'F.elu');
  const alpha = Math.fround(options.alpha ?? 1);
  const s = input.data;
  const o = new Float32Array(s.length);
  // expm1 keeps the small negative values exact, as torch's kernel does
  for (let i = 0; i < s.length; i++) o[i] = s[i] > 0 ? s[i] : alpha * Math.expm1(s[i]);
  const out = new Tensor(o, input.shape, 'float32');
  return record_grad(out, [input], 'EluBackward', (g) => {
    const gd = g.data;
    const r = new Float32Array(s.length);
    for (let i = 0; i < r.length; i++) r[i] = s[i] > 0 ? gd[i] : gd[i] * alpha * Math.exp(s[i]);
    return [new Tensor(r, input.shape, 'float32')];
  });
});
