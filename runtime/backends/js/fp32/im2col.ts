/**
 * im2col / col2im for one image and one channel group, NCHW.
 * The column matrix is [C·kh·kw, OH·OW] row-major, so a convolution is W[oc, C·kh·kw] · col.
 * Padding reads as zero; col2im is the exact adjoint (it sums overlapping taps), which is what
 * the input gradient of a convolution needs.
 */

/** Spatial geometry shared by im2col and col2im. */
export interface ColGeometry {
  channels: number;
  in_h: number;
  in_w: number;
  kernel_h: number;
  kernel_w: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  out_h: number;
  out_w: number;
}

/** Output size of one spatial dim of a convolution / pooling window. */
export function conv_out_size(size: number, kernel: number, stride: number, pad: number, dil: number): number {
  return Math.floor((size + 2 * pad - dil * (kernel - 1) - 1) / stride) + 1;
}

/** Fills col[(c·kh + i)·kw + j, oy·OW + ox] from x (starting at x_off, `channels` planes). */
export function im2col(x: Float32Array, x_off: number, g: ColGeometry, col: Float32Array): void {
  const { channels, in_h, in_w, kernel_h, kernel_w, out_h, out_w } = g;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const plane = out_h * out_w;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const xc = x_off + c * in_h * in_w;
    for (let ki = 0; ki < kernel_h; ki++) {
      for (let kj = 0; kj < kernel_w; kj++, row++) {
        let o = row * plane;
        const dx = kj * dw - pw;
        for (let oy = 0; oy < out_h; oy++) {
          const iy = oy * sh + ki * dh - ph;
          if (iy < 0 || iy >= in_h) {
            col.fill(0, o, o + out_w);
            o += out_w;
            continue;
          }
          const xr = xc + iy * in_w;
          if (sw === 1 && dx >= 0 && dx + out_w <= in_w) {
            // the whole output row reads a contiguous input run
            col.set(x.subarray(xr + dx, xr + dx + out_w), o);
            o += out_w;
            continue;
          }
          for (let ox = 0; ox < out_w; ox++) {
            const ix = ox * sw + dx;
            col[o++] = ix >= 0 && ix < in_w ? x[xr + ix] : 0;
          }
        }
      }
    }
  }
}

/** Adds col (as laid out by im2col) back into dx (starting at dx_off); dx must be zeroed by the caller. */
export function col2im(col: Float32Array, g: ColGeometry, dx: Float32Array, dx_off: number): void {
  const { channels, in_h, in_w, kernel_h, kernel_w, out_h, out_w } = g;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  let o = 0;
  for (let c = 0; c < channels; c++) {
    const xc = dx_off + c * in_h * in_w;
    for (let ki = 0; ki < kernel_h; ki++) {
      for (let kj = 0; kj < kernel_w; kj++) {
        for (let oy = 0; oy < out_h; oy++) {
          const iy = oy * sh + ki * dh - ph;
          if (iy < 0 || iy >= in_h) {
            o += out_w;
            continue;
          }
          const xr = xc + iy * in_w;
          for (let ox = 0; ox < out_w; ox++, o++) {
            const ix = ox * sw + kj * dw - pw;
            if (ix >= 0 && ix < in_w) dx[xr + ix] += col[o];
          }
        }
      }
    }
  }
}
