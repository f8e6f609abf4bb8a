/**
 * Backward of a depthwise conv2d (groups = in_channels = out_channels, one filter per channel) by direct loops:
 * im2col + a one-row sgemm per image and channel costs far more in call overhead than the arithmetic
 * (MobileNet training spent most of its step there). Float32 storage, float64 running sums per tap.
 */
import type { Conv2dGeometry } from '../../backends/types.js';

/** Accumulates the input gradient (gx, if given) and the weight gradient (gw, if given) of a depthwise conv. */
export function depthwise_conv2d_backward(
  x: Float32Array,
  w: Float32Array,
  gy: Float32Array,
  g: Conv2dGeometry,
  oh: number,
  ow: number,
  gx: Float32Array | null,
  gw: Float32Array | null,
): void {
  const { batch, in_channels: c_n, in_h, in_w, kernel_h: kh, kernel_w: kw } = g;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const in_plane = in_h * in_w;
  const out_plane = oh * ow;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < c_n; c++) {
      const xo = (n * c_n + c) * in_plane;
      const yo = (n * c_n + c) * out_plane;
      const wo = c * kh * kw;
      for (let ky = 0; ky < kh; ky++) {
        // output rows whose tap ky lands inside the input: 0 ≤ oy·sh − ph + ky·dh < in_h
        const oy0 = Math.max(0, Math.ceil((ph - ky * dh) / sh));
        const oy1 = Math.min(oh, Math.ceil((in_h + ph - ky * dh) / sh));
        for (let kx = 0; kx < kw; kx++) {
          const ox0 = Math.max(0, Math.ceil((pw - kx * dw) / sw));
          const ox1 = Math.min(ow, Math.ceil((in_w + pw - kx * dw) / sw));
          const wv = w[wo + ky * kw + kx];
          let acc = 0;
          for (let oy = oy0; oy < oy1; oy++) {
            const xr = xo + (oy * sh - ph + ky * dh) * in_w - pw + kx * dw;
            const yr = yo + oy * ow;
            if (gw) for (let ox = ox0; ox < ox1; ox++) acc += gy[yr + ox] * x[xr + ox * sw];
            if (gx) for (let ox = ox0; ox < ox1; ox++) gx[xr + ox * sw] += gy[yr + ox] * wv;
          }
          if (gw) gw[wo + ky * kw + kx] += acc;
        }
      }
    }
  }
}
