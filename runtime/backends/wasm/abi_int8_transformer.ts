/** The transformer int8 exports of the compiled kernels (assembly/qtransformer.ts). */
export interface WasmInt8TransformerExports {
  qmatmul_u8(
    a: number,
    b: number,
    batch: number,
    M: number,
    K: number,
    N: number,
    az: number,
    bz: number,
    kp: number,
    a16: number,
    b16: number,
    bias: number,
    mult: number,
    zp: number,
    lo: number,
    hi: number,
    part: number,
    y: number,
  ): void;
  qadd_float_u8(
    a: number,
    b: number,
    n: number,
    nb: number,
    run: number,
    vec_len: number,
    ta_v: number,
    ta_s: number,
    tb_v: number,
    tb_s: number,
    inv: number,
    zp: number,
    qmin: number,
    qmax: number,
    y: number,
  ): void;
  qlayer_norm_u8(
    x: number,
    rows: number,
    n: number,
    xs: number,
    xz: number,
    eps: number,
    w: number,
    b: number,
    inv: number,
    zp: number,
    qmin: number,
    qmax: number,
    sums: number,
    y: number,
  ): void;
  qsoftmax_u8(
    x: number,
    rows: number,
    n: number,
    xs: number,
    xz: number,
    inv: number,
    zp: number,
    qmin: number,
    qmax: number,
    scratch: number,
    y: number,
  ): void;
  qsoftmax_scratch_bytes(n: number): number;
  qsoftargmax_u8(x: number, rows: number, n: number, table: number, y: number): number;
  sleef_expf(d: number): number;
  qsoftmax_int_u8(
    x: number,
    rows: number,
    n: number,
    table: number,
    mult: number,
    zp: number,
    qmin: number,
    qmax: number,
    row: number,
    y: number,
  ): void;
}

export const TRANSFORMER_EXPORTS: readonly (keyof WasmInt8TransformerExports)[] = [
  'qmatmul_u8',
  'qadd_float_u8',
  'qlayer_norm_u8',
  'qsoftmax_u8',
  'qsoftmax_scratch_bytes',
  'sleef_expf',
  'qsoftmax_int_u8',
  'qsoftargmax_u8',
];
