/** Quantized activation modules (torch.ao.nn.quantized): ReLU6, Hardswish, Sigmoid, Tanh. */
import { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { hardswish, relu6, sigmoid, tanh } from '../functional/activations.js';
import { check_out_qparams } from '../qtensor.js';
import { output_qparams } from './from_float.js';

/** nn.quantized.ReLU6: clamp to [zero_point, q(6)], keeping the input qparams. */
export class ReLU6 extends Module {
  inplace: boolean;
  constructor(inplace = false) {
    super();
    this.inplace = inplace;
  }
  forward(x: Tensor): Tensor {
    return relu6(x);
  }
  static from_float(_mod: Module): ReLU6 {
    return new ReLU6();
  }
}

/** nn.quantized.Hardswish(scale, zero_point): output requantized to its own qparams. */
export class Hardswish extends Module {
  scale: number;
  zero_point: number;
  constructor(scale: number, zero_point: number) {
    super();
    check_out_qparams(scale, zero_point, 'Hardswish');
    this.scale = scale;
    this.zero_point = zero_point;
  }
  forward(x: Tensor): Tensor {
    return hardswish(x, this.scale, this.zero_point);
  }
  extra_repr(): string {
    return `scale=${this.scale}, zero_point=${this.zero_point}`;
  }
  static from_float(mod: Module): Hardswish {
    const [s, z] = output_qparams(mod, 'Hardswish');
    return new Hardswish(s, z);
  }
}

/** Quantized sigmoid: torch's fixed output qparams (scale 1/256, zero point 0). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
  static from_float(_mod: Module): Sigmoid {
    return new Sigmoid();
  }
}

/** Quantized tanh: torch's fixed output qparams (scale 2/256, zero point 128). */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
  static from_float(_mod: Module): Tanh {
    return new Tanh();
  }
}
