/**
 * F.conv_transpose2d: the gradient of conv2d with respect to its input, as an op. Each input pixel
 * scatters `x · W[ic, oc]` into the output window it reaches:
 *   out[n, g·og + oc, ih·s − p + kh·d, iw·s − p + kw·d] += x[n, g·ig + ic, ih, iw] · W[g·ig + ic, oc, kh, kw],
 * output size (H − 1)·s − 2p + d·(k − 1) + output_padding + 1 (torch.nn.ConvTranspose2d's docs). Plain
 * loops, accumulated in float64 per output element's contributions in input order; backward is the
 * same index map read the other way (a conv2d for the input, a correlation for the weight).
 */
import { record_grad } from '../../autograd/function.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float, fmt, pair } from './_util.js';

/** Options of F.conv_transpose2d (torch's keyword arguments). */
export interface ConvTranspose2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  output_padding?: number | [number, number];
  groups?: number;
  dilation?: number | [number, number];
}

interface Geometry {
  n: number;
  ic: number;
  ig: number;
  og: number;
  groups: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  s: [number, number];
  p: [number, number];
  d: [number, number];
}

/** Visits every (input element, weight element, output element) triple of the scatter. */
function each_tap(g: Geometry, f: (xi: number, wi: number, yi: number) => void): void {
  const oc = g.og * g.groups;
  for (let n = 0; n < g.n; n++) {
    for (let c = 0; c < g.ic; c++) {
      const grp = Math.floor(c / g.ig);
      for (let ih = 0; ih < g.h; ih++) {
        for (let iw = 0; iw < g.w; iw++) {
          const xi = ((n * g.ic + c) * g.h + ih) * g.w + iw;
          for (let o = 0; o < g.og; o++) {
            const y_plane = (n * oc + grp * g.og + o) * g.oh;
            for (let a = 0; a < g.kh; a++) {
              const y = ih * g.s[0] - g.p[0] + a * g.d[0];
              if (y < 0 || y >= g.oh) continue;
              for (let b = 0; b < g.kw; b++) {
                const x = iw * g.s[1] - g.p[1] + b * g.d[1];
                if (x < 0 || x >= g.ow) continue;
                f(xi, ((c * g.og + o) * g.kh + a) * g.kw + b, (y_plane + y) * g.ow + x);
              }
            }
          }
        }
      }
    }
  }
}

function conv_transpose2d_impl(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: ConvTranspose2dOptions = {},
): Tensor {
  const op = 'F.conv_transpose2d';
  check_float(input, op);
  check_float(weight, op, 'weight');
  if (weight.ndim !== 4)
    throw new Error(`${op}: weight must be 4-d [in, out/groups, kh, kw], got ${fmt(weight.shape)}`);
  const groups = options.groups ?? 1;
  if (!(Number.isInteger(groups) && groups >= 1)) throw new Error(`${op}: groups must be a positive integer`);
  const [ic, og, kh, kw] = weight.shape;
  if (input.ndim !== 4 || input.shape[1] !== ic)
    throw new Error(`${op}: expected input [N, ${ic}, H, W] for weight ${fmt(weight.shape)}, got ${fmt(input.shape)}`);
  if (ic % groups !== 0) throw new Error(`${op}: in_channels (${ic}) must be divisible by groups (${groups})`);
  const oc = og * groups;
  if (bias !== null) {
    check_float(bias, op, 'bias');
    if (bias.ndim !== 1 || bias.shape[0] !== oc) throw new Error(`${op}: bias must be [${oc}], got ${fmt(bias.shape)}`);
  }
  const s = pair(options.stride ?? 1, op, 'stride');
  const p = pair(options.padding ?? 0, op, 'padding');
  const op_ = pair(options.output_padding ?? 0, op, 'output_padding');
  const d = pair(options.dilation ?? 1, op, 'dilation');
  for (let i = 0; i < 2; i++) {
    if (op_[i] >= s[i] && op_[i] >= d[i])
      throw new Error(
        `${op}: output_padding ${fmt(op_)} must be smaller than either stride ${fmt(s)} or dilation ${fmt(d)}`,
      );
  }
  const [n, , h, w] = input.shape;
  const oh = (h - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op_[0] + 1;
  const ow = (w - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op_[1] + 1;
  if (oh <= 0 || ow <= 0)
    throw new Error(`${op}: output size [${oh}, ${ow}] is too small for input ${fmt(input.shape)}`);
  const g: Geometry = { n, ic, ig: ic / groups, og, groups, h, w, kh, kw, oh, ow, s, p, d };
  const xd = input.data;
  const wd = weight.data;
  const acc = new Float64Array(n * oc * oh * ow);
  each_tap(g, (xi, wi, yi) => {
    acc[yi] += xd[xi] * wd[wi];
  });
  if (bias) {
    const plane = oh * ow;
    for (let i = 0; i < acc.length; i++) acc[i] += bias.data[Math.floor(i / plane) % oc];
  }
  const out = new Tensor(Float32Array.from(acc), [n, oc, oh, ow], 'float32');
  const inputs = bias ? [input, weight, bias] : [input, weight];
  return record_grad(out, inputs, 'ConvolutionBackward', (grad) => {
    const gy = grad.data;
    const gx = new Float64Array(xd.length);
    const gw = new Float64Array(wd.length);
    each_tap(g, (xi, wi, yi) => {
      gx[xi] += gy[yi] * wd[wi];
      gw[wi] += gy[yi] * xd[xi];
    });
    const res: (Tensor | null)[] = [
      input.requires_grad ? new Tensor(Float32Array.from(gx), input.shape, 'float32') : null,
      weight.requires_grad ? new Tensor(Float32Array.from(gw), weight.shape, 'float32') : null,
    ];
    if (bias) {
      const gb = new Float64Array(oc);
      const plane = oh * ow;
      for (let i = 0; i < gy.length; i++) gb[Math.floor(i / plane) % oc] += gy[i];
      res.push(bias.requires_grad ? new Tensor(Float32Array.from(gb), [oc], 'float32') : null);
    }
    return res;
  });
}

/** F.conv_transpose2d(input, weight [in, out/groups, kh, kw], bias?, {stride, padding, output_padding, groups, dilation}). */
export const conv_transpose2d = define_function('F.conv_transpose2d', conv_transpose2d_impl);
