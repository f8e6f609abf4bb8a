import { Tensor } from '../../tensor/tensor.js';
import { fmt, is_concrete, py_bool } from '../functional/_util.js';
import { linear } from '../functional/linear.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { reset_weight_bias_ } from './_reset.js';

/** Options of nn.Linear. */
export interface LinearOptions {
  bias?: boolean;
}

/** nn.Linear(in_features, out_features, {bias=true}): y = x Wᵀ + b; weight [out, in], bias [out]. */
export class Linear extends Module {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  in_features: number;
  out_features: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(in_features: number, out_features: number, options: LinearOptions = {}) {
    super();
    if (!(Number.isInteger(in_features) && in_features >= 0 && Number.isInteger(out_features) && out_features >= 0)) {
      throw new Error(
        `Linear: in_features and out_features must be non-negative integers, got ${in_features}, ${out_features}`,
      );
    }
    this.in_features = in_features;
    this.out_features = out_features;
    this.weight = new Parameter(Tensor.empty([out_features, in_features]));
    this.bias = (options.bias ?? true) ? new Parameter(Tensor.empty([out_features])) : null;
    this.reset_parameters();
  }

  /** torch's init: kaiming_uniform_(a=√5) for the weight, U(±1/√fan_in) for the bias. */
  reset_parameters(): void {
    reset_weight_bias_(this.weight, this.bias);
  }

  forward(input: Tensor): Tensor {
    if (is_concrete(input) && (input.ndim < 1 || input.shape[input.ndim - 1] !== this.in_features)) {
      throw new Error(`Linear: expected input [..., ${this.in_features}], got ${fmt(input.shape)}`);
    }
    return linear(input, this.weight, this.bias);
  }

  extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${py_bool(this.bias !== null)}`;
  }
}
