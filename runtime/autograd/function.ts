import type { Tensor } from '../tensor/tensor.js';
import { is_grad_enabled } from './grad_mode.js';

/**
 * Attaches a tape node to `out` when grad mode is on and any input requires grad.
 * `backward` receives dL/d(out) and returns dL/d(input) per input (null where not needed);
 * it runs with grad mode off, so gradients are not themselves differentiable.
 */
export function record_grad<T extends Tensor>(
  out: T,
  inputs: readonly Tensor[],
  name: string,
  backward: (grad_output: Tensor) => (Tensor | null)[],
): T {
  if (!is_grad_enabled()) return out;
  let needed = false;
  for (const t of inputs) if (t.requires_grad) needed = true;
  if (!needed) return out;
  out.requires_grad = true;
  out.grad_fn = { name, inputs, backward };
  return out;
}

/** True when an op on these inputs would be recorded on the tape. */
export function needs_grad(...inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (!is_grad_enabled()) return false;
  for (const t of inputs) if (t?.requires_grad) return true;
  return false;
}
