/**
 * F.conv2d on the backend's fp32 conv kernel. Backward: grad input = col2im(W_gᵀ · dY) per image
 * and group, grad weight = Σ_n dY · im2col(x)ᵀ, grad bias = Σ dY over batch and space.
 */
import { needs_grad, record_grad } from '../../autograd/function.js';
import { col_geometry, col2im, conv2d_out_hw, im2col } from '../../backends/js/fp32.js';
import { get_backend } from '../../backends/registry.js';
import type { Conv2dGeometry } from '../../backends/types.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float, fmt, pair } from './_util.js';
import { depthwise_conv2d_backward } from './conv_depthwise_grad.js';
import { pad } from './pad.js';

/** Options of F.conv2d (torch's keyword arguments). */
export interface Conv2dOptions {
  stride?: number | [number, number];
  /** A number, a pair, or 'valid' (no padding) / 'same' (output size = input size; stride 1 only). */
  padding?: number | [number, number] | 'valid' | 'same';
  dilation?: number | [number, number];
  groups?: number;
}

/** Resolves 'same' padding into [symmetric, extra-at-end] per dim, as torch splits it (left = total // 2). */
function same_padding(
  kernel: [number, number],
  dilation: [number, number],
): { sym: [number, number]; extra: [number, number] } {
  const total = [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)];
  const sym: [number, number] = [Math.floor(total[0] / 2), Math.floor(total[1] / 2)];
  return { sym, extra: [total[0] - 2 * sym[0], total[1] - 2 * sym[1]] };
}

/** Checks F.conv2d's arguments; the backend geometry and the input ('same' padding may pad it at the end). */
function conv2d_geometry(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: Conv2dOptions,
): { input: Tensor; g: Conv2dGeometry; oh: number; ow: number } {
  const op = 'F.conv2d';
  check_float(input, op);
  check_float(weight, op, 'weight');
  if (weight.ndim !== 4)
    throw new Error(`${op}: weight must be 4-d [out, in/groups, kh, kw], got ${fmt(weight.shape)}`);
  const groups = options.groups ?? 1;
  const [oc, cg, kh, kw] = weight.shape;
  const cin = cg * groups;
  if (input.ndim !== 4 || input.shape[1] !== cin) {
    throw new Error(
      `${op}: expected input [N, ${cin}, H, W] for weight ${fmt(weight.shape)} with groups=${groups}, got ${fmt(input.shape)}`,
    );
  }
  if (oc % groups !== 0) throw new Error(`${op}: out_channels (${oc}) must be divisible by groups (${groups})`);
  if (bias !== null) {
    check_float(bias, op, 'bias');
    if (bias.ndim !== 1 || bias.shape[0] !== oc) throw new Error(`${op}: bias must be [${oc}], got ${fmt(bias.shape)}`);
  }
  const stride = pair(options.stride ?? 1, op, 'stride');
  const dilation = pair(options.dilation ?? 1, op, 'dilation');
  let padding: [number, number];
  const p = options.padding ?? 0;
  if (p === 'valid') padding = [0, 0];
  else if (p === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1)
      throw new Error(`${op}: padding='same' is not supported for strided convolutions (stride ${fmt(stride)})`);
    const { sym, extra } = same_padding([kh, kw], dilation);
    if (extra[0] || extra[1]) {
      // an even dilated kernel needs one more row/column at the end, as torch pads it
      input = pad(input, [0, extra[1], 0, extra[0]]);
    }
    padding = sym;
  } else padding = pair(p, op, 'padding');
  if (stride.some((s) => !(s >= 1)) || dilation.some((d) => !(d >= 1)) || padding.some((q) => q < 0)) {
    throw new Error(
      `${op}: stride ${fmt(stride)} and dilation ${fmt(dilation)} must be >= 1, padding ${fmt(padding)} >= 0`,
    );
  }
  const [batch, , in_h, in_w] = input.shape;
  const g: Conv2dGeometry = {
    batch,
    in_channels: cin,
    in_h,
    in_w,
    out_channels: oc,
    kernel_h: kh,
    kernel_w: kw,
    stride,
    padding,
    dilation,
    groups,
  };
  const [oh, ow] = conv2d_out_hw(g);
  return { input, g, oh, ow };
}

function conv2d_impl(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const geometry = conv2d_geometry(input, weight, bias, options);
  input = geometry.input;
  const { g, oh, ow } = geometry;
  const { batch, in_h, in_w, out_channels: oc, kernel_h: kh, kernel_w: kw, groups } = g;
  const cin = g.in_channels;
  const cg = cin / groups;
  const x = input.data as Float32Array;
  const w = weight.data as Float32Array;
  const { conv2d, sgemm } = get_backend().fp32;
  const y = conv2d(x, g, w, bias ? (bias.data as Float32Array) : null);
  const out = new Tensor(y, [batch, oc, oh, ow], 'float32');
  const src = input;
  const inputs = bias ? [src, weight, bias] : [src, weight];
  return record_grad(out, inputs, 'ConvolutionBackward', (grad) => {
    const gy = grad.data as Float32Array;
    const og = oc / groups;
    const kg = cg * kh * kw;
    const plane = oh * ow;
    const cgeo = col_geometry(g, oh, ow);
    const need_x = src.requires_grad;
    const need_w = weight.requires_grad;
    const gx = need_x ? new Float32Array(x.length) : null;
    const gw = need_w ? new Float32Array(w.length) : null;
    const depthwise = og === 1 && cg === 1;
    if (depthwise && (gx || gw)) depthwise_conv2d_backward(x, w, gy, g, oh, ow, gx, gw);
    const col = new Float32Array(depthwise ? 0 : kg * plane);
    for (let n = 0; n < batch && !depthwise; n++) {
      for (let gi = 0; gi < groups; gi++) {
        const gyg = gy.subarray((n * oc + gi * og) * plane, (n * oc + (gi + 1) * og) * plane);
        const wg = w.subarray(gi * og * kg, (gi + 1) * og * kg);
        const x_off = (n * cin + gi * cg) * in_h * in_w;
        if (gw) {
          im2col(x, x_off, cgeo, col);
          sgemm(og, kg, plane, gyg, col, gw.subarray(gi * og * kg, (gi + 1) * og * kg), {
            trans_b: true,
            accumulate: true,
          });
        }
        if (gx) {
          sgemm(kg, plane, og, wg, gyg, col, { trans_a: true });
          col2im(col, cgeo, gx, x_off);
        }
      }
    }
    let gb: Tensor | null = null;
    if (bias?.requires_grad) {
      const d = new Float32Array(oc);
      for (let n = 0; n < batch; n++) {
        for (let c = 0; c < oc; c++) {
          let s = 0;
          const base = (n * oc + c) * plane;
          for (let i = 0; i < plane; i++) s += gy[base + i];
          d[c] += s;
        }
      }
      gb = new Tensor(d, [oc], 'float32');
    }
    const res: (Tensor | null)[] = [
      gx ? new Tensor(gx, src.shape, 'float32') : null,
      gw ? new Tensor(gw, weight.shape, 'float32') : null,
    ];
    if (bias) res.push(gb);
    return res;
  });
}

/** F.conv2d(input, weight, bias?, {stride, padding, dilation, groups}): NCHW 2-d convolution. */
export const conv2d = define_function('F.conv2d', conv2d_impl);

/**
 * relu(F.conv2d(…)) in one backend call (the backend's conv2d_relu: the ReLU applied to the conv's output
 * while it is still in the kernel's memory), bit-identical to the two ops; null when the backend has no such
 * kernel or a gradient is needed (then the caller runs the two ops). For nni.ConvReLU2d at inference.
 */
export function conv2d_relu_inference(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: Conv2dOptions,
): Tensor | null {
  const fused = get_backend().fp32.conv2d_relu;
  if (!fused || needs_grad(input, weight, bias)) return null;
  const { input: x, g, oh, ow } = conv2d_geometry(input, weight, bias, options);
  const y = fused(x.data as Float32Array, g, weight.data as Float32Array, bias ? (bias.data as Float32Array) : null);
  return new Tensor(y, [g.batch, g.out_channels, oh, ow], 'float32');
}
