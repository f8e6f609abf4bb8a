/** F.dropout: zeroes elements with probability p (default generator) and scales the rest by 1/(1−p). */
import { record_grad } from '../../autograd/function.js';
import { define_function } from '../../tensor/dispatch.js';
import { default_generator, type Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float } from './_util.js';

/** Options of F.dropout. `generator` is an fxq extension (torch draws from the global generator only). */
export interface DropoutOptions {
  p?: number;
  training?: boolean;
  inplace?: boolean;
  generator?: Generator;
}

/** F.dropout(input, {p=0.5, training=true}): identity when not training or p = 0. */
export const dropout = define_function('F.dropout', (input: Tensor, options: DropoutOptions = {}): Tensor => {
  const op = 'F.dropout';
  check_float(input, op);
  const p = options.p ?? 0.5;
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: dropout probability has to be between 0 and 1, but got ${p}`);
  const training = options.training ?? true;
  if (!training || p === 0) return input;
  const g = options.generator ?? default_generator;
  const x = input.data;
  const mask = new Float32Array(x.length);
  // p = 1 drops everything (torch returns zeros rather than dividing by 0)
  const scale = p === 1 ? 0 : 1 / (1 - p);
  for (let i = 0; i < x.length; i++) mask[i] = g.random() >= p ? scale : 0;
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] * mask[i];
  const out = new Tensor(y, input.shape, 'float32');
  return record_grad(out, [input], 'NativeDropoutBackward', (grad) => {
    const gd = grad.data;
    const gx = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) gx[i] = gd[i] * mask[i];
    return [new Tensor(gx, input.shape, 'float32')];
  });
});
