/** The fp32 exports of the compiled kernels (assembly/sgemm, sgemv, sconv, felementwise): GEMM, conv, elementwise. */
export interface WasmFp32Exports {
  depthwise_f32(
    x: number,
    C: number,
    H: number,
    W: number,
    OC: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    dh: number,
    dw: number,
    OH: number,
    OW: number,
    w: number,
    bias: number,
    y: number,
    scratch: number,
  ): void;
  depthwise_scratch_bytes(
    H: number,
    W: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    dh: number,
    dw: number,
    OH: number,
    OW: number,
  ): number;
  sgemm_packed(
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    bp: number,
    c: number,
    ldc: number,
    bias: number,
    accumulate: number,
  ): void;
  sgemv_t(
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    b: number,
    c: number,
    ldc: number,
    bias: number,
    accumulate: number,
  ): void;
  sgemv_n(
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    b: number,
    c: number,
    ldc: number,
    bias: number,
    accumulate: number,
  ): void;
  conv_planes_floats(C: number, na: number, nb: number, Hq: number, Wq: number, N: number): number;
  conv_phases(taps: number, dil: number, stride: number): number;
  conv_planes_f32(
    x: number,
    C: number,
    H: number,
    W: number,
    ph: number,
    pw: number,
    sh: number,
    sw: number,
    Hq: number,
    Wq: number,
    out: number,
    slack: number,
    kh: number,
    kw: number,
    dh: number,
    dw: number,
    /** Channels [c0, c1) only (threads fill disjoint planes; the range ending at C clears the slack). */
    c0: number,
    c1: number,
  ): void;
  conv_offsets(
    cg: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    Hq: number,
    Wq: number,
    out: number,
  ): void;
  pack_conv_w(w: number, CO: number, K: number, out: number): void;
  conv_shifted_f32(
    CO: number,
    K: number,
    wp: number,
    x: number,
    offs: number,
    bias: number,
    c: number,
    ldc: number,
    y: number,
    P: number,
    N: number,
    map: number,
  ): void;
  conv_out_map(OH: number, OW: number, Wq: number, out: number): void;
  pack_b_f32(b: number, K: number, N: number, trans: number, out: number): void;
  transpose_f32(a: number, K: number, M: number, out: number): void;
  im2col_f32_packed(
    x: number,
    H: number,
    W: number,
    c0: number,
    cg: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    dh: number,
    dw: number,
    OH: number,
    OW: number,
    out: number,
    /** Pixels [p0, p1) only (p0 a multiple of 8): threads fill disjoint panels. */
    p0: number,
    p1: number,
  ): void;
  relu_f32(x: number, n: number, y: number): void;
  clamp_f32(x: number, n: number, lo: number, hi: number, y: number): void;
  /** softmax over rows of n floats (fdlibm exp, float64 sums), bit-identical to the JS loop; e: n float64s. */
  softmax_rows_f32(x: number, rows: number, n: number, y: number, e: number): void;
  exp_fdlibm(x: number): number;
  /** exact GELU, bit-identical to the JS loop; erfc0 / d0 / inv: erf.ts's tables as float64 in memory. */
  gelu_erf_f32(x: number, n: number, y: number, erfc0: number, d0: number, inv: number): void;
  /** LayerNorm rows, bit-identical to the JS loop; gamma / beta: 0 when absent. */
  layer_norm_rows_f32(x: number, rows: number, d: number, gamma: number, beta: number, eps: number, y: number): void;
  batch_norm_affine_f32(
    x: number,
    planes: number,
    plane_size: number,
    channels: number,
    scale: number,
    shift: number,
    y: number,
  ): void;
  max_pool2d_f32(
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
  ): void;
  /**
   * conv2d rounding as PyTorch on x86 (js/fp32/pytorch_x86.ts conv2d_pytorch_x86, bit-identical) for the
   * (image, output channel) units [u0, u1); bias 0 when absent; acc: OW float64 of scratch.
   */
  conv2d_pytorch_x86_f32(
    x: number,
    ci: number,
    H: number,
    W: number,
    co: number,
    kh: number,
    kw: number,
    groups: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    dh: number,
    dw: number,
    OH: number,
    OW: number,
    w: number,
    bias: number,
    bias_last: number,
    y: number,
    acc: number,
    u0: number,
    u1: number,
  ): void;
}
