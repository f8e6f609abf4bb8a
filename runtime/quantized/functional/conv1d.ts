/**
 * Quantized 1-d convolution (torch.ops.quantized.conv1d / conv1d_relu): quint8 [N, C, L] in and out. As
 * torch's qnnpack path does, a 1-d conv is the 2-d conv over [N, C, 1, L] with a [out, in/groups, 1, k]
 * kernel, so it runs the backends' qconv2d kernel and its bytes are those of that conv.
 */

import { define_function } from '../../tensor/dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Conv2dPackedParams } from '../packed_params.js';
import { as_qinput, describe, make_qtensor } from '../qtensor.js';
import { conv2d, conv2d_relu } from './conv.js';
import type { StaticQOptions } from './linear.js';

function static_conv1d(op: string, relu: boolean) {
  return (x: Tensor, packed: Conv2dPackedParams, scale: number, zero_point: number, options: StaticQOptions = {}) => {
    if (!(packed instanceof Conv2dPackedParams))
      throw new Error(
        `${op}: expected the Conv2dPackedParams of a quantized Conv1d as the weight, got ${typeof packed}`,
      );
    if (packed.kernel_size[0] !== 1 || packed.stride[0] !== 1 || packed.padding[0] !== 0 || packed.dilation[0] !== 1)
      throw new Error(
        `${op}: packed weight [${packed.weight.shape.join(', ')}] is not a 1-d kernel (height 1, stride 1, no padding)`,
      );
    const q = as_qinput(x, op);
    if (x.ndim !== 3 || x.shape[1] !== packed.in_channels)
      throw new Error(`${op}: input ${describe(x)} must be [N, ${packed.in_channels}, L]`);
    const [n, c, l] = x.shape;
    const x4 = make_qtensor(q.data, [n, c, 1, l], 'quint8', q.scale, q.zero_point);
    const y = (relu ? conv2d_relu : conv2d)(x4, packed, scale, zero_point, options);
    return make_qtensor(y.data as Uint8Array, [n, y.shape[1], y.shape[3]], 'quint8', scale, zero_point);
  };
}

/** torch.ops.quantized.conv1d(x, packed, scale, zero_point); padding reads as the input zero point. */
export const conv1d = define_function('quantized.conv1d', static_conv1d('quantized.conv1d', false));
/** torch.ops.quantized.conv1d_relu: conv1d with the output clamped at its zero point. */
export const conv1d_relu = define_function('quantized.conv1d_relu', static_conv1d('quantized.conv1d_relu', true));
