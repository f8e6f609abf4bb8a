/**
 * FloatFunctional / QFunctional (torch.ao.nn.quantized): modules wrapping add / mul / cat / add_relu so
 * eager code can observe (float) and then run (int8) them. Their forward is not used, as in torch.
 */
import { Identity } from '../../nn/containers.js';
import { relu } from '../../nn/functional/activation.js';
import { Module } from '../../nn/module.js';
import { add as float_add, mul as float_mul } from '../../tensor/ops/binary.js';
import { cat as float_cat } from '../../tensor/ops/cat.js';
import type { Tensor } from '../../tensor/tensor.js';
import { add, add_relu, cat, mul, mul_relu } from '../functional/elementwise.js';
import { add_scalar, mul_scalar } from '../functional/scalar_binary.js';
import { check_out_qparams } from '../qtensor.js';
import { output_qparams } from './from_float.js';

/** Float add/mul/cat/add_relu whose result passes through `activation_post_process` (an observer once prepared). */
export class FloatFunctional extends Module {
  activation_post_process: Module = new Identity();

  forward(): never {
    throw new Error('FloatFunctional: call add / mul / cat / add_relu / mul_relu instead of forward');
  }
  private obs(x: Tensor): Tensor {
    return this.activation_post_process.call(x) as Tensor;
  }
  add(x: Tensor, y: Tensor): Tensor {
    return this.obs(float_add(x, y));
  }
  add_scalar(x: Tensor, y: number): Tensor {
    // torch does not observe add_scalar: its int8 form derives the output qparams from the input
    return float_add(x, y);
  }
  mul(x: Tensor, y: Tensor): Tensor {
    return this.obs(float_mul(x, y));
  }
  mul_scalar(x: Tensor, y: number): Tensor {
    return float_mul(x, y);
  }
  cat(xs: Tensor[], dim = 0): Tensor {
    return this.obs(float_cat(xs, dim));
  }
  add_relu(x: Tensor, y: Tensor): Tensor {
    return this.obs(relu(float_add(x, y)));
  }
  mul_relu(x: Tensor, y: Tensor): Tensor {
    return this.obs(relu(float_mul(x, y)));
  }
}

/** The int8 counterpart of FloatFunctional: every op requantizes to (scale, zero_point). */
export class QFunctional extends Module {
  scale = 1.0;
  zero_point = 0;
  activation_post_process: Module = new Identity();

  forward(): never {
    throw new Error(
      'QFunctional: call add / add_scalar / mul / mul_scalar / cat / add_relu / mul_relu instead of forward',
    );
  }
  add(x: Tensor, y: Tensor): Tensor {
    return add(x, y, this.scale, this.zero_point);
  }
  /** quantized.add_scalar: the output qparams follow from the input's (not observed, as torch). */
  add_scalar(x: Tensor, y: number): Tensor {
    return add_scalar(x, y);
  }
  mul(x: Tensor, y: Tensor): Tensor {
    return mul(x, y, this.scale, this.zero_point);
  }
  /** quantized.mul_scalar: scale · |y| (not observed, as torch). */
  mul_scalar(x: Tensor, y: number): Tensor {
    return mul_scalar(x, y);
  }
  cat(xs: Tensor[], dim = 0): Tensor {
    return cat(xs, dim, this.scale, this.zero_point);
  }
  add_relu(x: Tensor, y: Tensor): Tensor {
    return add_relu(x, y, this.scale, this.zero_point);
  }
  mul_relu(x: Tensor, y: Tensor): Tensor {
    return mul_relu(x, y, this.scale, this.zero_point);
  }
  extra_repr(): string {
    return `scale=${this.scale}, zero_point=${this.zero_point}`;
  }
  /** From an observed FloatFunctional: its observer's qparams. */
  static from_float(mod: Module): QFunctional {
    const [s, z] = output_qparams(mod, 'QFunctional');
    check_out_qparams(s, z, 'QFunctional.from_float');
    const q = new QFunctional();
    q.scale = s;
    q.zero_point = z;
    return q;
  }
}
