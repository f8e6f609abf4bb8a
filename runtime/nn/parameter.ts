import { Tensor } from '../tensor/tensor.js';

/** A tensor that is a module's learnable parameter: requires grad by default, found by `parameters()`. */
export class Parameter extends Tensor {
  constructor(data: Tensor, requires_grad = true) {
    super(data.data, data.shape, data.dtype);
    this.requires_grad = requires_grad;
  }

  /** torch.nn.Parameter's repr: `Parameter containing:` then the tensor. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
