/** The default initialisation torch's Linear and Conv layers share (their reset_parameters). */
import type { Tensor } from '../../tensor/tensor.js';
import { _calculate_fan_in_and_fan_out, kaiming_uniform_, uniform_ } from '../init.js';

/** kaiming_uniform_(a=√5) for `weight`, and U(±1/√fan_in) for `bias` when there is one (in place). */
export function reset_weight_bias_(weight: Tensor, bias: Tensor | null): void {
  kaiming_uniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const [fan_in] = _calculate_fan_in_and_fan_out(weight);
    const bound = fan_in > 0 ? 1 / Math.sqrt(fan_in) : 0;
    uniform_(bias, -bound, bound);
  }
}
