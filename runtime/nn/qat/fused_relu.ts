/**
 * nn.intrinsic.qat LinearReLU and ConvReLU2d (torch.ao.nn.intrinsic.qat): the QAT Linear / Conv2d with the
 * ReLU applied in the same module, so one fake-quantized output is observed after the ReLU.
 */

import { relu } from '../../tensor/ops/activation.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as nni from '../intrinsic/fused.js';
import { ReLU } from '../layers/activation.js';
import type { Conv2d as FloatConv2d } from '../layers/conv.js';
import type { Linear as FloatLinear } from '../layers/linear.js';
import type { Module } from '../module.js';
import { check_float_module } from './_common.js';
import { Conv2d } from './conv.js';
import { Linear } from './linear.js';

/** nniqat.LinearReLU(in, out, {bias, qconfig}): relu(F.linear(x, weight_fake_quant(weight), bias)). */
export class LinearReLU extends Linear {
  forward(input: Tensor): Tensor {
    return relu(super.forward(input));
  }

  /** From a float nni.LinearReLU (qconfig on the fused module); shares the Linear's parameters. */
  static from_float(mod: Module): LinearReLU {
    const qconfig = check_float_module(mod, [nni.LinearReLU], 'nniqat.LinearReLU');
    return Linear._from_linear((mod as nni.LinearReLU).at(0) as FloatLinear, qconfig, LinearReLU);
  }

  /** nni.LinearReLU(Linear with the trained weights, ReLU). */
  to_float(): Module {
    const f = new nni.LinearReLU(super.to_float() as FloatLinear, new ReLU());
    f.train(this.training);
    return f;
  }
}

/** nniqat.ConvReLU2d(in, out, kernel_size, {…, qconfig}): relu(conv(x, weight_fake_quant(weight))). */
export class ConvReLU2d extends Conv2d {
  forward(input: Tensor): Tensor {
    return relu(super.forward(input));
  }

  /** From a float nni.ConvReLU2d (qconfig on the fused module); shares the Conv2d's parameters. */
  static from_float(mod: Module): ConvReLU2d {
    const qconfig = check_float_module(mod, [nni.ConvReLU2d], 'nniqat.ConvReLU2d');
    return Conv2d._from_conv((mod as nni.ConvReLU2d).at(0) as FloatConv2d, qconfig, ConvReLU2d);
  }

  /** nni.ConvReLU2d(Conv2d with the trained weights, ReLU). */
  to_float(): Module {
    const f = new nni.ConvReLU2d(super.to_float() as FloatConv2d, new ReLU());
    f.train(this.training);
    return f;
  }
}
