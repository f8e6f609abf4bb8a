import type { Fp32Kernels } from '../types.js';
import { conv2d } from './fp32/conv2d.js';
import { sgemm } from './fp32/sgemm.js';

/**
 * The js backend's float32 kernels: blocked sgemm and im2col/direct conv2d; relu, batch_norm_affine and
 * max_pool2d are the reference JS loops of their float ops themselves, so this backend has no fast path.
 */
export const js_fp32: Fp32Kernels = {
  name: 'js',
  sgemm,
  conv2d,
  // the JS loop (js/fp32/pytorch_x86.ts) is the reference, installed with set_fp32_numerics
  conv2d_pytorch_x86: null,
  conv2d_relu: null,
  relu: null,
  clamp: null,
  batch_norm_affine: null,
  max_pool2d: null,
  softmax_rows: null,
  gelu: null,
  layer_norm: null,
  bmm: null,
};

export { col_geometry, conv2d, conv2d_out_hw } from './fp32/conv2d.js';
export { type ColGeometry, col2im, conv_out_size, im2col } from './fp32/im2col.js';
export { sgemm } from './fp32/sgemm.js';
