/** Activation modules: each forward calls the matching F function, extra_repr as torch prints it. */
import type { Tensor } from '../../tensor/tensor.js';
import { py_float } from '../functional/_util.js';
import * as F from '../functional/activation.js';
import { log_softmax, softmax } from '../functional/softmax.js';
import { Module } from '../module.js';

/** Options of activations that take `inplace` (accepted; results are always new tensors). */
export interface InplaceLayerOptions {
  inplace?: boolean;
}

function inplace_repr(inplace: boolean): string {
  return inplace ? 'inplace=True' : '';
}

/** nn.ReLU. */
export class ReLU extends Module {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  inplace: boolean;
  constructor(options: InplaceLayerOptions = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.relu(input);
  }
  extra_repr(): string {
    return inplace_repr(this.inplace);
  }
}

/** nn.Hardtanh(min_val=-1, max_val=1, {inplace}). */
export class Hardtanh extends Module {
  min_val: number;
  max_val: number;
  inplace: boolean;
  constructor(min_val = -1, max_val = 1, options: InplaceLayerOptions = {}) {
    super();
    if (!(max_val > min_val))
      throw new Error(`Hardtanh: max_val (${max_val}) must be greater than min_val (${min_val})`);
    this.min_val = min_val;
    this.max_val = max_val;
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.hardtanh(input, { min_val: this.min_val, max_val: this.max_val });
  }
  extra_repr(): string {
    return `min_val=${py_float(this.min_val)}, max_val=${py_float(this.max_val)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** nn.ReLU6: Hardtanh(0, 6), a subclass as in torch; forward records F.relu6. */
export class ReLU6 extends Hardtanh {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  constructor(options: InplaceLayerOptions = {}) {
    super(0, 6, options);
  }
  forward(input: Tensor): Tensor {
    return F.relu6(input);
  }
  extra_repr(): string {
    return inplace_repr(this.inplace);
  }
}

/** nn.Hardswish: x · relu6(x + 3) / 6. */
export class Hardswish extends Module {
  inplace: boolean;
  constructor(options: InplaceLayerOptions = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.hardswish(input);
  }
}

/** nn.Hardsigmoid: relu6(x + 3) / 6. */
export class Hardsigmoid extends Module {
  inplace: boolean;
  constructor(options: InplaceLayerOptions = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.hardsigmoid(input);
  }
}

/** nn.Sigmoid. */
export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return F.sigmoid(input);
  }
}

/** nn.Tanh. */
export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return F.tanh(input);
  }
}

/** nn.GELU({approximate='none'}). */
export class GELU extends Module {
  approximate: 'none' | 'tanh';
  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
  }
  forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: this.approximate });
  }
  extra_repr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** nn.SiLU: x · sigmoid(x). */
export class SiLU extends Module {
  inplace: boolean;
  constructor(options: InplaceLayerOptions = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.silu(input);
  }
  extra_repr(): string {
    return inplace_repr(this.inplace);
  }
}

/** nn.LeakyReLU(negative_slope=0.01, {inplace}). */
export class LeakyReLU extends Module {
  negative_slope: number;
  inplace: boolean;
  constructor(negative_slope = 0.01, options: InplaceLayerOptions = {}) {
    super();
    this.negative_slope = negative_slope;
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return F.leaky_relu(input, { negative_slope: this.negative_slope });
  }
  extra_repr(): string {
    return `negative_slope=${py_float(this.negative_slope)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** nn.Softmax(dim). */
export class Softmax extends Module {
  dim: number;
  constructor(dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new Error(`Softmax: dim must be an integer, got ${dim}`);
    this.dim = dim;
  }
  forward(input: Tensor): Tensor {
    return softmax(input, this.dim);
  }
  extra_repr(): string {
    return `dim=${this.dim}`;
  }
}

/** nn.LogSoftmax(dim). */
export class LogSoftmax extends Module {
  dim: number;
  constructor(dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new Error(`LogSoftmax: dim must be an integer, got ${dim}`);
    this.dim = dim;
  }
  forward(input: Tensor): Tensor {
    return log_softmax(input, this.dim);
  }
  extra_repr(): string {
    return `dim=${this.dim}`;
  }
}
