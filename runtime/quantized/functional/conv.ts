/** Quantized 2-d convolution ops (torch.ops.quantized.conv2d / conv2d_relu): quint8 NCHW in and out. */

import { conv_out_size } from '../../backends/js/int8.js';
import { get_backend } from '../../backends/registry.js';
import { define_function } from '../../tensor/dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Conv2dPackedParams } from '../packed_params.js';
import { as_qinput, check_out_clamp, check_out_qparams, describe, make_qtensor, qoutput } from '../qtensor.js';
import type { StaticQOptions } from './linear.js';

function static_conv(op: string, relu: boolean) {
  return (
    x: Tensor,
    packed: Conv2dPackedParams,
    scale: number,
    zero_point: number,
    options: StaticQOptions = {},
  ): Tensor => {
    if (!(packed instanceof Conv2dPackedParams))
      throw new Error(`${op}: expected Conv2dPackedParams as the weight, got ${typeof packed}`);
    const xin = as_qinput(x, op);
    check_out_qparams(scale, zero_point, op);
    if (x.ndim !== 4 || x.shape[1] !== packed.in_channels) {
      throw new Error(
        `${op}: input ${describe(x)} must be [N, ${packed.in_channels}, H, W] for weight [${packed.weight.shape.join(', ')}] with groups ${packed.groups}`,
      );
    }
    const [nb, ci, ih, iw] = x.shape;
    const [kh, kw] = packed.kernel_size;
    const oh = conv_out_size(ih, kh, packed.stride[0], packed.padding[0], packed.dilation[0]);
    const ow = conv_out_size(iw, kw, packed.stride[1], packed.padding[1], packed.dilation[1]);
    if (oh < 1 || ow < 1)
      throw new Error(
        `${op}: input ${describe(x)} is smaller than the (dilated) kernel ${kh}×${kw}: output would be ${oh}×${ow}`,
      );
    const be = get_backend(options.backend);
    const g = {
      batch: nb,
      in_channels: ci,
      in_h: ih,
      in_w: iw,
      out_channels: packed.out_channels,
      kernel_h: kh,
      kernel_w: kw,
      stride: packed.stride,
      padding: packed.padding,
      dilation: packed.dilation,
      groups: packed.groups,
    };
    const clamp = check_out_clamp(options.out_clamp, op);
    const y = be.int8.qconv2d(xin, g, packed.packed(be, op), qoutput(scale, zero_point, relu, clamp));
    return make_qtensor(y, [nb, packed.out_channels, oh, ow], 'quint8', scale, zero_point);
  };
}

/** torch.ops.quantized.conv2d(x, packed, scale, zero_point); padding reads as the input zero point. */
export const conv2d = define_function('quantized.conv2d', static_conv('quantized.conv2d', false));
/** torch.ops.quantized.conv2d_relu: conv2d with the output clamped at its zero point. */
export const conv2d_relu = define_function('quantized.conv2d_relu', static_conv('quantized.conv2d_relu', true));
