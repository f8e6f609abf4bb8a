/** F.softmax / F.log_softmax: dispatch ops of their own over the plain 'softmax' / 'log_softmax' kernels. */
import { define_function } from '../../tensor/dispatch.js';
import * as ops from '../../tensor/ops/softmax.js';
import type { Tensor } from '../../tensor/tensor.js';

/** F.softmax(input, dim): exp(x) / Σ_dim exp(x). */
export const softmax = define_function('F.softmax', (input: Tensor, dim: number): Tensor => {
  if (dim === undefined || dim === null) throw new Error('F.softmax: dim is required');
  return ops.softmax(input, dim);
});

/** F.log_softmax(input, dim): x − logsumexp_dim(x). */
export const log_softmax = define_function('F.log_softmax', (input: Tensor, dim: number): Tensor => {
  if (dim === undefined || dim === null) throw new Error('F.log_softmax: dim is required');
  return ops.log_softmax(input, dim);
});
