/**
 * Quantized 2-d transposed convolution (torch.ops.quantized.conv_transpose2d, qnnpack): quint8 NCHW in and out,
 * torch's formula
 *   acc[n, oc, y, x] = bias_q[oc] + Σ (x[n, ic, ih, iw] − x_zp)(W[ic, oc mod og, a, b] − w_zp[oc])
 *   over ih·s − p + a·d = y, iw·s − p + b·d = x (int32), requantized as every qnnpack conv.
 * It runs as the conv2d (stride 1, no padding, the same dilation) of the input spread on a grid of zero points
 * (stride − 1 zero-point rows / columns between pixels, d·(k − 1) − p at the top / left, that plus output_padding
 * at the bottom / right; a negative margin crops) with the kernel transposed and flipped (ConvTranspose2dPacked):
 * the same int32 sums, so the backends' qconv2d kernels compute it bit for bit.
 */
import { conv_out_size } from '../../backends/js/int8.js';
import { get_backend } from '../../backends/registry.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { Conv2dPackedParams } from '../packed_params.js';
import { as_qinput, check_out_qparams, describe, make_qtensor, qoutput } from '../qtensor.js';

type Pair = [number, number];

/** Geometry of a quantized transposed conv. */
export interface ConvTranspose2dParams {
  stride: Pair;
  padding: Pair;
  output_padding: Pair;
  dilation: Pair;
  groups: number;
}

/**
 * The qint8 weight [in, out/groups, kh, kw] of a transposed conv, its float bias and geometry, and the conv2d
 * packing of the flipped kernel W'[g·og + o, i, kh−1−a, kw−1−b] = W[g·ig + i, o, a, b]. Per-channel weights are
 * quantized along axis 1 (output channels) with groups 1: qnnpack reads a transposed conv's per-channel qparams
 * by output channel.
 */
export class ConvTranspose2dPacked {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly params: ConvTranspose2dParams;
  readonly conv: Conv2dPackedParams;

  constructor(weight: Tensor, bias: Tensor | null, params: ConvTranspose2dParams, where = 'ConvTranspose2dPacked') {
    if (!(weight instanceof Tensor) || weight.dtype !== 'qint8' || weight.ndim !== 4 || !weight.quantizer)
      throw new Error(`${where}: weight must be a qint8 [in, out/groups, kh, kw] tensor, got ${describe(weight)}`);
    const { stride, padding, output_padding, dilation, groups } = params;
    const [ic, og, kh, kw] = weight.shape;
    if (!Number.isInteger(groups) || groups < 1 || ic % groups !== 0)
      throw new Error(`${where}: groups ${groups} must be a positive divisor of in_channels ${ic}`);
    for (const [name, v, lo] of [
      ['stride', stride, 1],
      ['padding', padding, 0],
      ['output_padding', output_padding, 0],
      ['dilation', dilation, 1],
    ] as const) {
      if (v.length !== 2 || !v.every((e) => Number.isInteger(e) && e >= lo))
        throw new Error(`${where}: ${name} [${v.join(', ')}] must be two integers ≥ ${lo}`);
    }
    for (const i of [0, 1])
      if (output_padding[i] >= stride[i] && output_padding[i] >= dilation[i])
        throw new Error(
          `${where}: output_padding [${output_padding}] must be smaller than either stride [${stride}] or dilation [${dilation}]`,
        );
    const q = weight.quantizer;
    if (q.kind === 'per_channel' && (q.axis !== 1 || groups !== 1))
      throw new Error(
        `${where}: a per-channel weight must be quantized along axis 1 (output channels) with groups 1, as qnnpack reads it (got axis ${q.axis}, groups ${groups})`,
      );
    const ig = ic / groups;
    const oc = og * groups;
    const wd = weight.data as Int8Array;
    const flipped = new Int8Array(wd.length);
    for (let g = 0; g < groups; g++)
      for (let o = 0; o < og; o++)
        for (let i = 0; i < ig; i++)
          for (let a = 0; a < kh; a++)
            for (let b = 0; b < kw; b++)
              flipped[(((g * og + o) * ig + i) * kh + a) * kw + b] =
                wd[(((g * ig + i) * og + o) * kh + (kh - 1 - a)) * kw + (kw - 1 - b)];
    const w2 = new Tensor(flipped, [oc, ig, kh, kw], 'qint8');
    w2.quantizer = q.kind === 'per_channel' ? { ...q, axis: 0 } : { ...q };
    this.weight = weight;
    this.bias = bias;
    this.params = {
      stride: [stride[0], stride[1]],
      padding: [padding[0], padding[1]],
      output_padding: [output_padding[0], output_padding[1]],
      dilation: [dilation[0], dilation[1]],
      groups,
    };
    this.conv = new Conv2dPackedParams(w2, bias, { stride: [1, 1], padding: [0, 0], dilation, groups }, where);
  }

  get in_channels(): number {
    return this.weight.shape[0];
  }
  get out_channels(): number {
    return this.weight.shape[1] * this.params.groups;
  }
}

function static_conv_transpose(op: string) {
  return (x: Tensor, packed: ConvTranspose2dPacked, scale: number, zero_point: number): Tensor => {
    if (!(packed instanceof ConvTranspose2dPacked))
      throw new Error(`${op}: expected a ConvTranspose2dPacked weight, got ${typeof packed}`);
    const q = as_qinput(x, op);
    check_out_qparams(scale, zero_point, op);
    if (x.ndim !== 4 || x.shape[1] !== packed.in_channels)
      throw new Error(`${op}: input ${describe(x)} must be [N, ${packed.in_channels}, H, W]`);
    const [n, c, h, w] = x.shape;
    const { stride: s, padding: p, output_padding: op_, dilation: d } = packed.params;
    const [kh, kw] = [packed.weight.shape[2], packed.weight.shape[3]];
    const oh = (h - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op_[0] + 1;
    const ow = (w - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op_[1] + 1;
    if (oh < 1 || ow < 1) throw new Error(`${op}: output size [${oh}, ${ow}] is too small for input ${describe(x)}`);
    // the spread input: the conv2d over it (stride 1, no padding, dilation d) gives [oh, ow]
    const hb = oh + d[0] * (kh - 1);
    const wb = ow + d[1] * (kw - 1);
    const top = d[0] * (kh - 1) - p[0];
    const left = d[1] * (kw - 1) - p[1];
    const spread = new Uint8Array(n * c * hb * wb).fill(q.zero_point);
    for (let pl = 0; pl < n * c; pl++) {
      for (let ih = 0; ih < h; ih++) {
        const r = ih * s[0] + top;
        if (r < 0 || r >= hb) continue;
        const src = (pl * h + ih) * w;
        const dst = (pl * hb + r) * wb;
        for (let iw = 0; iw < w; iw++) {
          const col = iw * s[1] + left;
          if (col >= 0 && col < wb) spread[dst + col] = q.data[src + iw];
        }
      }
    }
    const be = get_backend();
    const g = {
      batch: n,
      in_channels: c,
      in_h: hb,
      in_w: wb,
      out_channels: packed.out_channels,
      kernel_h: kh,
      kernel_w: kw,
      stride: [1, 1] as Pair,
      padding: [0, 0] as Pair,
      dilation: d,
      groups: packed.params.groups,
    };
    if (conv_out_size(hb, kh, 1, 0, d[0]) !== oh) throw new Error(`${op}: internal geometry mismatch`);
    const xin = { data: spread, scale: q.scale, zero_point: q.zero_point };
    const y = be.int8.qconv2d(xin, g, packed.conv.packed(be, op), qoutput(scale, zero_point, false));
    return make_qtensor(y, [n, packed.out_channels, oh, ow], 'quint8', scale, zero_point);
  };
}

/** torch.ops.quantized.conv_transpose2d(x, packed, scale, zero_point); padding taps read as the input zero point. */
export const conv_transpose2d = define_function(
  'quantized.conv_transpose2d',
  static_conv_transpose('quantized.conv_transpose2d'),
);
