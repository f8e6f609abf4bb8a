import type { Fp32Kernels } from '../types.js';
import { conv2d } from './fp32/conv2d.js';
import { sgemm } from './fp32/sgemm.js';

/** The js backend's float32 kernels: blocked sgemm and im2col/direct conv2d. */
export const js_fp32: Fp32Kernels = { name: 'js', sgemm, conv2d };

export { sgemm } from './fp32/sgemm.js';
export { conv2d, conv2d_out_hw, col_geometry } from './fp32/conv2d.js';
export { im2col, col2im, conv_out_size, type ColGeometry } from './fp32/im2col.js';
