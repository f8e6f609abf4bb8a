/**
 * The binary interface of the compiled kernels (runtime/backends/wasm/assembly/index.ts): every export the
 * loader calls, with byte offsets into linear memory as plain numbers.
 */

import type { WasmFp32Exports } from './abi_fp32.js';
import type { WasmInt8ConvExports } from './abi_int8_conv.js';
import { TRANSFORMER_EXPORTS, type WasmInt8TransformerExports } from './abi_int8_transformer.js';

/** The raw exports of the AssemblyScript module (runtime/backends/wasm/assembly/index.ts); pointers are byte offsets. */
export interface WasmExports extends WasmInt8ConvExports, WasmFp32Exports, WasmInt8TransformerExports {
  memory: WebAssembly.Memory;
  heap_base(): number;
  qclamp_u8(x: number, n: number, lo: number, hi: number, y: number): void;
  qlut_u8(x: number, n: number, lut: number, y: number): void;
  qupsample_nearest_u8(
    x: number,
    planes: number,
    ih: number,
    iw: number,
    oh: number,
    ow: number,
    h0: number,
    w0: number,
    y: number,
  ): void;
  qupsample_bilinear_u8(
    x: number,
    planes: number,
    ih: number,
    iw: number,
    oh: number,
    ow: number,
    h0: number,
    h1: number,
    lh0: number,
    lh1: number,
    w0: number,
    w1: number,
    lw0: number,
    lw1: number,
    zp: number,
    y: number,
  ): void;
  qmul_u8(
    a: number,
    b: number,
    n: number,
    za: number,
    zb: number,
    mult: number,
    zp: number,
    qmin: number,
    qmax: number,
    y: number,
  ): void;
  qcat_part_u8(src: number, len: number, outer: number, row: number, offset: number, lut: number, y: number): void;
  gather_u8(x: number, dims: number, nd: number, y: number, idx: number): void;
  qembedding_bag_f32(
    table: number,
    dim: number,
    bits: number,
    idx: number,
    offs: number,
    bags: number,
    mode: number,
    w: number,
    padding_idx: number,
    acc: number,
    out: number,
  ): void;
  qgroup_norm_u8(
    x: number,
    groups_total: number,
    cpg: number,
    spatial: number,
    channels: number,
    w: number,
    b: number,
    x_scale: number,
    x_zp: number,
    eps: number,
    inv: number,
    zp: number,
    qmin: number,
    qmax: number,
    sums: number,
    y: number,
  ): void;
  qadd_u8(
    a: number,
    b: number,
    n: number,
    a_mult: number,
    b_mult: number,
    zp_product: number,
    shift: number,
    zp: number,
    qmin: number,
    qmax: number,
    y: number,
  ): void;
  qmax_pool2d_u8(
    x: number,
    planes: number,
    H: number,
    W: number,
    OH: number,
    OW: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    dh: number,
    dw: number,
    y: number,
    row: number,
  ): void;
  max_pool_scratch_bytes(W: number, OW: number, kw: number, sw: number, pw: number, dw: number): number;
  qavg_pool2d_u8(
    x: number,
    planes: number,
    H: number,
    W: number,
    OH: number,
    OW: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    xzp: number,
    mult: number,
    shift: number,
    ozp: number,
    y: number,
  ): void;
  peak_dot_i16(iters: number, seed: number): number;
  peak_f32(iters: number, seed: number): number;
  // dynamic quantization and the fused LSTM cell (assembly/dynamic_quant.ts, assembly/rnn.ts)
  minmax_f32(x: number, n: number, out: number): void;
  quantize_u8(x: number, n: number, inv: number, zp: number, y: number): void;
  quantize_rows_q16(
    x: number,
    M: number,
    K: number,
    ldx: number,
    inv: number,
    zp: number,
    out: number,
    kp: number,
  ): void;
  dequant_bias(
    acc: number,
    M: number,
    N: number,
    lda: number,
    x_scale: number,
    w_scales: number,
    bias: number,
    y: number,
    ldy: number,
  ): void;
  lstm_cell_f32(
    gx: number,
    ldgx: number,
    gh: number,
    N: number,
    H: number,
    c: number,
    h: number,
    out: number,
    ldo: number,
  ): void;
  lstm_cell_dq(
    accx: number,
    ldx: number,
    sx: number,
    wsx: number,
    bx: number,
    acch: number,
    sh: number,
    wsh: number,
    bh: number,
    N: number,
    H: number,
    c: number,
    h: number,
    out: number,
    ldo: number,
  ): void;
}

/** Every function the loader calls: a build without one of them is stale. */
export const REQUIRED_EXPORTS: readonly Exclude<keyof WasmExports, 'memory'>[] = [
  'heap_base',
  'qgemm',
  'qgemm_part_bytes',
  'widen_rows_u8',
  'nhwc_pad_q16',
  'im2col_rows_q16',
  'qconv_pairs',
  'im2col_pairs_q16',
  'pairs_bytes',
  'pad_planes_bytes',
  'pad_planes_q16',
  'im2col_pairs_s1',
  'qdirect_planes',
  'qdirect_pack_w',
  'qdirect_w_bytes',
  'qconv_direct',
  'qdepthwise_pairs',
  'depthwise_pairs_bytes',
  'depthwise_f32',
  'depthwise_scratch_bytes',
  'sgemm_packed',
  'sgemv_t',
  'sgemv_n',
  'pack_b_f32',
  'transpose_f32',
  'im2col_f32_packed',
  'conv_planes_floats',
  'conv_phases',
  'conv_planes_f32',
  'conv_offsets',
  'pack_conv_w',
  'conv_shifted_f32',
  'conv_out_map',
  'qadd_u8',
  'qclamp_u8',
  'qlut_u8',
  'qupsample_nearest_u8',
  'qupsample_bilinear_u8',
  'qmul_u8',
  'qcat_part_u8',
  'gather_u8',
  'qgroup_norm_u8',
  'qembedding_bag_f32',
  'qmax_pool2d_u8',
  'max_pool_scratch_bytes',
  'qavg_pool2d_u8',
  'peak_dot_i16',
  'peak_f32',
  'minmax_f32',
  'quantize_u8',
  'quantize_rows_q16',
  'dequant_bias',
  'lstm_cell_f32',
  'lstm_cell_dq',
  'relu_f32',
  'clamp_f32',
  'softmax_rows_f32',
  'exp_fdlibm',
  'gelu_erf_f32',
  'layer_norm_rows_f32',
  'batch_norm_affine_f32',
  'max_pool2d_f32',
  'conv2d_pytorch_x86_f32',
  ...TRANSFORMER_EXPORTS,
];
