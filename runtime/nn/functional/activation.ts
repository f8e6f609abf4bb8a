/**
 * Activation functions as torch.nn.functional: each is its own dispatch op ('F.relu', …) so a traced
 * model records F calls, and each runs the plain tensor op ('relu', …) underneath, as F.relu and
 * torch.relu share one kernel in torch. `inplace` is accepted for signature parity; torch documents it
 * as optional ("can optionally do the operation in-place") and fxq always returns a new tensor, which
 * keeps the autograd tape valid.
 */

import { define_function } from '../../tensor/dispatch.js';
import * as ops from '../../tensor/ops/activation.js';
import * as smooth from '../../tensor/ops/smooth.js';
import type { Tensor } from '../../tensor/tensor.js';

/** Options of activations that take only `inplace`. */
export interface InplaceOptions {
  inplace?: boolean;
}

/** F.relu(input): max(x, 0); a per-tensor quantized input clamps at its zero point. */
export const relu = define_function(
  'F.relu',
  (input: Tensor, _options: InplaceOptions = {}): Tensor => ops.relu(input),
);

/** Options of F.hardtanh. */
export interface HardtanhOptions extends InplaceOptions {
  min_val?: number;
  max_val?: number;
}

/** F.hardtanh(input, {min_val=-1, max_val=1}): clamp, with a gradient only inside (min_val, max_val). */
export const hardtanh = define_function(
  'F.hardtanh',
  (input: Tensor, options: HardtanhOptions = {}): Tensor =>
    ops.hardtanh(input, options.min_val ?? -1, options.max_val ?? 1),
);

/** F.relu6(input): hardtanh(x, 0, 6). */
export const relu6 = define_function(
  'F.relu6',
  (input: Tensor, _options: InplaceOptions = {}): Tensor => ops.relu6(input),
);

/** F.hardswish(input): x · relu6(x + 3) / 6. */
export const hardswish = define_function(
  'F.hardswish',
  (input: Tensor, _options: InplaceOptions = {}): Tensor => ops.hardswish(input),
);

/** F.hardsigmoid(input): relu6(x + 3) / 6. */
export const hardsigmoid = define_function(
  'F.hardsigmoid',
  (input: Tensor, _options: InplaceOptions = {}): Tensor => ops.hardsigmoid(input),
);

/** F.sigmoid(input): 1 / (1 + e^-x). */
export const sigmoid = define_function('F.sigmoid', (input: Tensor): Tensor => smooth.sigmoid(input));

/** F.tanh(input). */
export const tanh = define_function('F.tanh', (input: Tensor): Tensor => smooth.tanh(input));

/** F.silu(input): x · sigmoid(x). */
export const silu = define_function(
  'F.silu',
  (input: Tensor, _options: InplaceOptions = {}): Tensor => smooth.silu(input),
);

/** Options of F.leaky_relu. */
export interface LeakyReluOptions extends InplaceOptions {
  negative_slope?: number;
}

/** F.leaky_relu(input, {negative_slope=0.01}). */
export const leaky_relu = define_function(
  'F.leaky_relu',
  (input: Tensor, options: LeakyReluOptions = {}): Tensor => ops.leaky_relu(input, options.negative_slope ?? 0.01),
);

/** F.gelu(input, {approximate='none'}): x·Φ(x), or torch's tanh approximation. */
export const gelu = define_function(
  'F.gelu',
  (input: Tensor, options: smooth.GeluOptions = {}): Tensor => smooth.gelu(input, options),
);
