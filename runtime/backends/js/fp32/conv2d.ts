import type { Conv2dGeometry } from '../../types.js';
import { type ColGeometry, conv_out_size, im2col } from './im2col.js';
import { sgemm } from './sgemm.js';

/** Checks a Conv2dGeometry and returns [out_h, out_w]; errors name the bad field. */
export function conv2d_out_hw(g: Conv2dGeometry): [number, number] {
  const { in_channels, out_channels, groups } = g;
  if (!(groups >= 1) || in_channels % groups !== 0 || out_channels % groups !== 0) {
    throw new Error(
      `conv2d: in_channels (${in_channels}) and out_channels (${out_channels}) must be divisible by groups (${groups})`,
    );
  }
  const oh = conv_out_size(g.in_h, g.kernel_h, g.stride[0], g.padding[0], g.dilation[0]);
  const ow = conv_out_size(g.in_w, g.kernel_w, g.stride[1], g.padding[1], g.dilation[1]);
  if (oh <= 0 || ow <= 0) {
    throw new Error(
      `conv2d: input ${g.in_h}x${g.in_w} (padding ${g.padding}) is smaller than the dilated kernel ${g.kernel_h}x${g.kernel_w} (dilation ${g.dilation})`,
    );
  }
  return [oh, ow];
}

/** The per-group im2col geometry of a convolution. */
export function col_geometry(g: Conv2dGeometry, oh: number, ow: number): ColGeometry {
  return {
    channels: g.in_channels / g.groups,
    in_h: g.in_h,
    in_w: g.in_w,
    kernel_h: g.kernel_h,
    kernel_w: g.kernel_w,
    stride: g.stride,
    padding: g.padding,
    dilation: g.dilation,
    out_h: oh,
    out_w: ow,
  };
}

/** True when the convolution reads its input as-is (1x1, stride 1, no padding): im2col is the identity. */
function is_pointwise(g: Conv2dGeometry): boolean {
  return (
    g.kernel_h === 1 &&
    g.kernel_w === 1 &&
    g.stride[0] === 1 &&
    g.stride[1] === 1 &&
    g.padding[0] === 0 &&
    g.padding[1] === 0
  );
}

/**
 * Depthwise (one input channel per group): a direct loop beats im2col + a 1-row GEMM. Each kernel tap
 * is one branch-free pass over the output rows (x·w added along a row), with the valid output range
 * of that tap computed once instead of bounds-checking every multiply.
 */
function conv2d_depthwise(
  x: Float32Array,
  g: Conv2dGeometry,
  w: Float32Array,
  bias: Float32Array | null,
  y: Float32Array,
  oh: number,
  ow: number,
): void {
  const { batch, in_channels, in_h, in_w, out_channels, kernel_h, kernel_w } = g;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const mult = out_channels / in_channels;
  const ksize = kernel_h * kernel_w;
  const acc = new Float64Array(oh * ow);
  for (let n = 0; n < batch; n++) {
    for (let oc = 0; oc < out_channels; oc++) {
      const xc = (n * in_channels + Math.floor(oc / mult)) * in_h * in_w;
      acc.fill(bias ? bias[oc] : 0);
      for (let ki = 0; ki < kernel_h; ki++) {
        // output rows whose input row oy·sh + ki·dh − ph lies inside the image
        const y0 = Math.max(0, Math.ceil((ph - ki * dh) / sh));
        const y1 = Math.min(oh, Math.floor((in_h - 1 + ph - ki * dh) / sh) + 1);
        for (let kj = 0; kj < kernel_w; kj++) {
          const wv = w[oc * ksize + ki * kernel_w + kj];
          const off = kj * dw - pw;
          const x0 = Math.max(0, Math.ceil(-off / sw));
          const x1 = Math.min(ow, Math.floor((in_w - 1 - off) / sw) + 1);
          for (let oy = y0; oy < y1; oy++) {
            const xr = xc + (oy * sh + ki * dh - ph) * in_w + off;
            const ar = oy * ow;
            for (let ox = x0; ox < x1; ox++) acc[ar + ox] += wv * x[xr + ox * sw];
          }
        }
      }
      y.set(acc, (n * out_channels + oc) * oh * ow);
    }
  }
}

let col_scratch = new Float32Array(0);

/**
 * NCHW float conv2d: y[n, oc] = bias[oc] + Σ w[oc, c, i, j] · x[n, g·Cg + c, oy·s + i·d − p, …].
 * im2col + sgemm per image and group; depthwise convs take a direct path; 1x1 convs skip im2col.
 */
export function conv2d(
  x: Float32Array,
  g: Conv2dGeometry,
  w: Float32Array,
  bias: Float32Array | null,
  y?: Float32Array,
): Float32Array {
  const [oh, ow] = conv2d_out_hw(g);
  const { batch, in_channels, in_h, in_w, out_channels, groups, kernel_h, kernel_w } = g;
  const cg = in_channels / groups;
  const og = out_channels / groups;
  const kg = cg * kernel_h * kernel_w;
  const plane = oh * ow;
  if (x.length !== batch * in_channels * in_h * in_w) {
    throw new Error(
      `conv2d: input has ${x.length} elements, geometry needs [${batch}, ${in_channels}, ${in_h}, ${in_w}]`,
    );
  }
  if (w.length !== out_channels * kg) {
    throw new Error(
      `conv2d: weight has ${w.length} elements, geometry needs [${out_channels}, ${cg}, ${kernel_h}, ${kernel_w}]`,
    );
  }
  if (bias && bias.length !== out_channels)
    throw new Error(`conv2d: bias has ${bias.length} elements, needs ${out_channels}`);
  const out = y ?? new Float32Array(batch * out_channels * plane);
  if (out.length !== batch * out_channels * plane) {
    throw new Error(`conv2d: output buffer has ${out.length} elements, needs ${batch * out_channels * plane}`);
  }
  if (cg === 1 && groups > 1) {
    conv2d_depthwise(x, g, w, bias, out, oh, ow);
    return out;
  }
  const pointwise = is_pointwise(g);
  const cgeo = col_geometry(g, oh, ow);
  if (!pointwise && col_scratch.length < kg * plane) col_scratch = new Float32Array(kg * plane);
  for (let n = 0; n < batch; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const x_off = (n * in_channels + gi * cg) * in_h * in_w;
      let col: Float32Array;
      if (pointwise) col = x.subarray(x_off, x_off + kg * plane);
      else {
        col = col_scratch;
        im2col(x, x_off, cgeo, col);
      }
      const y_off = (n * out_channels + gi * og) * plane;
      const wg = w.subarray(gi * og * kg, (gi + 1) * og * kg);
      const cy = out.subarray(y_off, y_off + og * plane);
      sgemm(og, plane, kg, wg, col, cy);
      if (bias) {
        // bias is per output row here (per channel), not per GEMM column
        for (let o = 0; o < og; o++) {
          const b = bias[gi * og + o];
          const base = o * plane;
          for (let p = 0; p < plane; p++) cy[base + p] += b;
        }
      }
    }
  }
  return out;
}
