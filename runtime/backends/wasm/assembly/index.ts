// Entry of the fxq wasm kernels (compiled by scripts/build_wasm.mjs). No managed objects: the loader
// (runtime/backends/wasm/index.ts) owns all memory and passes raw byte offsets.
export { qgemm, qgemm_part_bytes } from './qgemm';
export { widen_rows_u8, nhwc_pad_q16, im2col_rows_q16 } from './qpack';
export { qconv_pairs, im2col_pairs_q16, pairs_bytes, pad_planes_q16, pad_planes_bytes, im2col_pairs_s1 } from './qconv_pairs';
export { qdirect_planes, qdirect_pack_w, qdirect_w_bytes, qconv_direct } from './qconv_direct';
export { depthwise_f32, depthwise_scratch_bytes } from './depthwise';
export { sgemm_packed, pack_b_f32, transpose_f32, im2col_f32_packed } from './sgemm';
export { sgemv_t, sgemv_n } from './sgemv';
export { conv_planes_floats, conv_phases, conv_planes_f32, conv_offsets, pack_conv_w, conv_out_map, conv_shifted_f32 } from './sconv';
export { peak_dot_i16, peak_f32 } from './peak';

/** First free byte after static data: where the loader's heap starts. */
export function heap_base(): usize {
  return __heap_base;
}
export { qadd_u8, qmax_pool2d_u8, qavg_pool2d_u8, max_pool_scratch_bytes } from './qpool_add';
export { qdepthwise_pairs, depthwise_pairs_bytes } from './depthwise_pairs';
export { minmax_f32, quantize_u8, quantize_rows_q16, dequant_bias } from './dynamic_quant';
export { lstm_cell_f32, lstm_cell_dq } from './rnn';
export { relu_f32, clamp_f32, batch_norm_affine_f32, max_pool2d_f32 } from './felementwise';
export { qclamp_u8, qlut_u8, qmul_u8, qcat_part_u8 } from './qelementwise';
export { qupsample_nearest_u8, qupsample_bilinear_u8 } from './qupsample';
export { pack_bt_q16, qmatmul_u8, qadd_float_u8, qlayer_norm_u8 } from './qtransformer';
export { qsoftmax_u8, qsoftmax_scratch_bytes, sleef_expf, qsoftmax_int_u8, qsoftargmax_u8 } from './qsoftmax';
export { qgroup_norm_u8 } from './qgroup_norm';
export { softmax_rows_f32, exp_fdlibm } from './fsoftmax';
export { gelu_erf_f32 } from './fgelu';
export { layer_norm_rows_f32 } from './flayernorm';
export { qembedding_bag_f32 } from './qembedding_bag';
export { gather_u8 } from './qgather';
export { conv2d_pytorch_x86_f32 } from './fconv_pytorch';
