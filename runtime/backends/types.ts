/**
 * The contract every kernel backend ('js' reference, 'wasm' SIMD) implements, on raw typed arrays.
 * Activations are quint8 (uint8 storage), weights qint8 (int8 storage), accumulation int32,
 * layouts row-major NCHW as torch tensors. Backends must agree bit for bit on every int8 kernel.
 */
import type { LstmGeometry, LstmLayerKernels, RnnKernels } from './rnn_types.js';
import type { Upsample2dGeometry } from './upsample_types.js';

export type { LstmGeometry, LstmLayerKernels, RnnKernels, Upsample2dGeometry };

/** Weights prepared once (at convert time) into a backend's own layout. Opaque to callers. */
export interface PackedQWeight {
  readonly backend: string;
  /** Output channels (Linear out_features / Conv2d out_channels). */
  readonly n: number;
  /** Reduction length per output channel (in_features, or Cin/groups·kh·kw). */
  readonly k: number;
}

/** The int8 weight of a Linear ([n, k]) or Conv2d ([n, cin/groups, kh, kw], flattened to [n, k]). */
export interface QWeightSource {
  data: Int8Array;
  n: number;
  k: number;
  /** One scale for per-tensor weights, or n for per-channel. */
  scales: Float32Array;
  /** Same length as scales. */
  zero_points: Int32Array;
  /** Float bias [n] (quantized at call time to int32 at in_scale·w_scale, as torch does) or null. */
  bias: Float32Array | null;
}

/** Requantization target of an int8 op: the output's qparams and clamp range. */
export interface QOutput {
  scale: number;
  zero_point: number;
  /** Lower clamp; a fused ReLU sets it to zero_point. */
  qmin: number;
  qmax: number;
}

export interface QInput {
  data: Uint8Array;
  scale: number;
  zero_point: number;
}

export interface Conv2dGeometry {
  batch: number;
  in_channels: number;
  in_h: number;
  in_w: number;
  out_channels: number;
  kernel_h: number;
  kernel_w: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/**
 * Numerics every backend must reproduce exactly (PyTorch 1.13 qnnpack; the goldens in tests/fixtures decide):
 * - bias_q[n] = clamp_i32(rne(fround(bias[n] * fround(1 / fround(x_scale * w_scale[n])))))  (torch's quantize_val for qint32)
 * - acc[n] = Σ_k (x[k] − x_zp)(w[n,k] − w_zp[n]) + bias_q[n]   in int32 (never saturating int16 pair sums)
 * - mult[n] = fround(fround(x_scale * w_scale[n]) / out_scale)
 * - y = clamp(rne(fround(fround(acc[n]) * mult[n])) + out_zp, qmin, qmax)   with rne = round half to even;
 *   fround(acc) is qnnpack's int32→float conversion (inexact past 2^24); an out-of-int32 product saturates
 * - conv padding reads as x_zp (contributes 0); weights are qint8 with zero points in −128..127
 * The accumulator bound k·255·255 must fit int32 (k ≤ 33025), or pack_qweight throws.
 * Verified bit-exact against every conv/linear output of the FmnistCNN / FmnistResNet goldens
 * (tests/runtime/quantized/golden_ptq.test.ts). js's reference: backends/js/int8.ts + int8/numerics.ts.
 */
/**
 * qnnpack's q8vadd fixed-point parameters (pytorch_qnnp_compute_add_quantization_params) for
 * y = clamp(((zp_product + a·a_mult + b·b_mult) >> shift, halves away from zero) + out_zp, qmin, qmax).
 */
export interface QAddParams {
  /** Multipliers of the raw quint8 values (≤ 2^22 each: a ratio just below a power of two rounds up to 2^22). */
  a_mult: number;
  b_mult: number;
  /** −(a_mult·a_zp + b_mult·b_zp), wrapped to int32. */
  zp_product: number;
  /** Right shift in 0..31. */
  shift: number;
  zero_point: number;
  qmin: number;
  qmax: number;
}

/** Window geometry of a 2-d pool over `planes` (= N·C) planes of in_h×in_w (uint8, or float32 for fp32 max_pool2d). */
export interface Pool2dGeometry {
  planes: number;
  in_h: number;
  in_w: number;
  out_h: number;
  out_w: number;
  kernel_h: number;
  kernel_w: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

/**
 * qnnpack's average-pool requantization (pytorch_qnnp_compute_avgpool_quantization_params + q8avgpool):
 * acc = Σ_window x (padding reads as x_zero_point) − x_zero_point·kh·kw;
 * y = clamp(sign(acc)·((|acc|·mult + 2^(shift−1)) >> shift) + out_zero_point, 0, 255).
 */
export interface QAvgPoolParams {
  x_zero_point: number;
  /** 24-bit multiplier (the float32 mantissa of the scale ratio with its hidden bit). */
  mult: number;
  /** In 16..63. */
  shift: number;
  out_zero_point: number;
}

/** torch's quantized mul: y = clamp(zero_point + rne(f32((a − a_zero_point)·(b − b_zero_point) · mult)), qmin, qmax). */
export interface QMulParams {
  a_zero_point: number;
  b_zero_point: number;
  /** f32(f32(a_scale · b_scale) / out_scale), a float32 value. */
  mult: number;
  zero_point: number;
  qmin: number;
  qmax: number;
}

/**
 * GroupNorm / InstanceNorm of a quint8 [batch, channels, spatial] tensor (torch.ops.quantized.group_norm /
 * instance_norm; InstanceNorm is groups = channels): float per-channel weight / bias, requantized.
 */
export interface QGroupNormParams {
  batch: number;
  channels: number;
  groups: number;
  /** Elements per channel (H·W, or L). */
  spatial: number;
  /** Float per-channel weight / bias (channels elements), or null (1 / 0). */
  weight: Float32Array | null;
  bias: Float32Array | null;
  /** A float64 value, as torch passes it. */
  eps: number;
}

/**
 * A bag lookup over a row-wise quantized table in torch's fused layout (embedding_bag_prepack): 8-bit rows are
 * `dim` bytes then a float32 scale and a float32 bias (little-endian); 4-bit rows are dim / 2 bytes (low nibble
 * first) then a float16 scale and a float16 bias. A value is scale · q + bias.
 */
export interface QEmbeddingBagParams {
  rows: number;
  dim: number;
  bits: 8 | 4;
  /** Bag b is indices[offsets[b] .. offsets[b + 1]): bags + 1 non-decreasing entries, from 0 to indices.length. */
  offsets: Int32Array;
  mode: 'sum' | 'mean' | 'max';
  /** One float weight per index (mode 'sum' only), or null. */
  per_sample_weights: Float32Array | null;
  /** An index equal to it is skipped (not counted by 'mean'); −1 for none. */
  padding_idx: number;
}

/** One input of an int8 cat: `len` bytes per outer row; `lut` requantizes to the output's qparams (null: same qparams). */
export interface QCatPart {
  data: Uint8Array;
  len: number;
  lut: Uint8Array | null;
}

/** Shape of a batched matmul: a is [batch, m, k], b [batch, k, n], y [batch, m, n], all row-major. */
export interface QMatmulGeometry {
  batch: number;
  m: number;
  k: number;
  n: number;
}

/**
 * torch's generic quantized add (QuantizedOpKernels.cpp qadd_kernel through cpu_kernel_vec): every inner loop of
 * `run` elements takes the vectorized body for its first `vec_len` elements and the scalar lambda for the rest:
 * - vector: da = fma(a_scale, a, a_premul) (float32 fused multiply-add; premul = f32(a_scale · −a_zero_point)),
 * - scalar: da = f32((a − a_zero_point) · a_scale), and the same for b; then in both
 * y = clamp(zero_point + rne(f32(f32(da + db) · inv_scale)), qmin, qmax).
 */
export interface QAddFloatParams {
  a_scale: number;
  a_zero_point: number;
  /** f32(a_scale · −a_zero_point). */
  a_premul: number;
  b_scale: number;
  b_zero_point: number;
  b_premul: number;
  /** f32(1 / out_scale). */
  inv_scale: number;
  zero_point: number;
  /** A fused ReLU sets qmin = zero_point (quantize is monotone, so max(c, 0) then quantize is the same). */
  qmin: number;
  qmax: number;
  /** Length of TensorIterator's inner loop (divides the output length). */
  run: number;
  /** Elements of each run on the vectorized body: a multiple of 2·32 (two AVX2 quint8 vectors) ≤ run, or 0. */
  vec_len: number;
}

/** LayerNorm over rows of n quint8 values (torch.ops.quantized.layer_norm): float affine, requantized. */
export interface QLayerNormParams {
  rows: number;
  n: number;
  /** Float weight / bias of n elements, or null (1 / 0). */
  weight: Float32Array | null;
  bias: Float32Array | null;
  /** A float64 value, as torch passes it. */
  eps: number;
}

/**
 * The integer softmax of the opt-in int8-attention config (not PyTorch's numerics): e = exp_table[M − q] with M
 * the row's largest byte (a 256-entry table of round(2^15·exp(−k·x_scale)), built by softmax_int_params),
 * S = Σ e in int32, one division per row R = ⌊(mult·2^16 + ⌊S/2⌋) / S⌋ with mult = round(2^16 / out_scale), then
 * y = clamp(zero_point + ((e·R + 2^31) >> 32), qmin, qmax): an integer multiply and shift per element.
 */
export interface QSoftmaxIntParams {
  /** 256 int32 entries, exp_table[0] = 2^15, non-increasing, ≥ 0. */
  exp_table: Int32Array;
  /** round(2^16 / out_scale), in 1..2^31−1. */
  mult: number;
  zero_point: number;
  qmin: number;
  qmax: number;
}

export interface Int8Kernels {
  readonly name: string;
  /** Packs a weight for qlinear/qconv2d; validates shapes and the int32 accumulator bound. */
  pack_qweight(w: QWeightSource): PackedQWeight;
  /** y[m, n] = requant(Σ_k (x[m,k]−zx)(w[n,k]−zw[n]) + bias_q[n]); x is [m, k] uint8, y [m, n]. */
  qlinear(x: QInput, m: number, w: PackedQWeight, out: QOutput, y?: Uint8Array): Uint8Array;
  /** NCHW in, NCHW out; padding reads as the input zero point. */
  qconv2d(x: QInput, g: Conv2dGeometry, w: PackedQWeight, out: QOutput, y?: Uint8Array): Uint8Array;
  /**
   * Dynamic quantization: acc[m, n] = Σ_k (x[m,k]−x_zp)(w[n,k]−zw[n]) as int32, with no bias and no
   * requantization (the caller scales to float and adds the float bias).
   */
  qlinear_acc(x: Uint8Array, x_zero_point: number, m: number, w: PackedQWeight, acc?: Int32Array): Int32Array;
  /** qnnpack's fixed-point add of two same-length quint8 arrays (torch.ops.quantized.add / add_relu when shapes match), see QAddParams. */
  qadd(a: Uint8Array, b: Uint8Array, p: QAddParams, y?: Uint8Array): Uint8Array;
  /** Max over each window (padding never wins; uint8 ≥ 0), NCHW planes in and out. */
  qmax_pool2d(x: Uint8Array, g: Pool2dGeometry, y?: Uint8Array): Uint8Array;
  /** qnnpack's average pool (divisor = kh·kw, padding = zero point); g.dilation must be [1, 1]. */
  qavg_pool2d(x: Uint8Array, g: Pool2dGeometry, p: QAvgPoolParams, y?: Uint8Array): Uint8Array;
  /** y[i] = min(max(x[i], lo), hi) with 0 ≤ lo ≤ hi ≤ 255: quantized relu, relu6, hardtanh. */
  qclamp(x: Uint8Array, lo: number, hi: number, y?: Uint8Array): Uint8Array;
  /** y[i] = lut[x[i]] through a 256-entry table: quantized hardswish, hardsigmoid, sigmoid, tanh. */
  qlut(x: Uint8Array, lut: Uint8Array, y?: Uint8Array): Uint8Array;
  /** torch's qmul of two same-length quint8 arrays, see QMulParams. */
  qmul(a: Uint8Array, b: Uint8Array, p: QMulParams, y?: Uint8Array): Uint8Array;
  /** Concatenation of `parts` (each outer × len bytes) into outer rows of Σ len bytes, each part through its table if any. */
  qcat(parts: readonly QCatPart[], outer: number, y?: Uint8Array): Uint8Array;
  /**
   * y[i] = x[offset + Σ idx·strides] over `shape` in row-major order: the byte copy behind permute / transpose of
   * quint8 tensors (strides in elements, non-negative). js: tensor/strided.ts's strided_gather.
   */
  qgather(
    x: Uint8Array,
    offset: number,
    shape: readonly number[],
    strides: readonly number[],
    y?: Uint8Array,
  ): Uint8Array;
  /**
   * torch.ops.quantized.matmul of two quint8 tensors: y = clamp(rne(f32(f32(acc) · mult)) + out_zp) with
   * acc = Σ_k (a − a_zp)(b − b_zp) in int32 and mult = f32(f32(a_scale · b_scale) / out_scale), as qlinear
   * requantizes (PyTorch 1.13 runs dequantize → fp32 matmul → quantize; this equals it on every golden value).
   */
  qmatmul(a: QInput, b: QInput, g: QMatmulGeometry, out: QOutput, y?: Uint8Array): Uint8Array;
  /**
   * torch's float-path quantized add (see QAddFloatParams) of a and b repeated: y[i] = add(a[i], b[i % b.length]);
   * b.length must divide a.length (a broadcast trailing block such as pos_embed [1, T, D] against [B, T, D]).
   */
  qadd_float(a: Uint8Array, b: Uint8Array, p: QAddFloatParams, y?: Uint8Array): Uint8Array;
  /**
   * PyTorch 1.13's quantized_normalize_kernel for LayerNorm: integer row sums of x and x², then in float32
   * m = f32(Σx) / n, mean = m − x_zp, var = max(f32(Σx²) / n − m·m, 0), s = f32(x_scale / sqrt(f64(var·x_scale·x_scale) + eps)),
   * y = quantize(((x − x_zp − mean) · s) · weight + bias) (each step rounded to float32).
   */
  qlayer_norm(x: QInput, p: QLayerNormParams, out: QOutput, y?: Uint8Array): Uint8Array;
  /**
   * Softmax over rows of n quint8 values as a float island (dequantize → torch.softmax(dim=-1) → quantize):
   * ATen 1.13's _vec_softmax_lastdim as its AVX2 build runs it (max, Sleef expf_u10 of x − max, 8-lane sum
   * tree, one reciprocal), see fp32/aten_vec_math.ts. Bit-identical to the float path at the same qparams.
   */
  qsoftmax(x: QInput, rows: number, n: number, out: QOutput, y?: Uint8Array): Uint8Array;
  /**
   * torch 1.13's quantized upsample_nearest2d / upsample_bilinear2d on NCHW planes (same qparams out): a copy when
   * the sizes are equal; nearest gathers x[h0, w0]; bilinear computes in float32, in torch's order,
   * r = lh0·(lw0·x00 + lw1·x01) + lh1·(lw0·x10 + lw1·x11) − zp and y = clamp(zp + rne(r), 0, 255).
   */
  qupsample2d(x: Uint8Array, g: Upsample2dGeometry, y?: Uint8Array): Uint8Array;
  /** The integer softmax over rows of n (≤ 65535) bytes, see QSoftmaxIntParams. */
  qsoftmax_int(x: Uint8Array, rows: number, n: number, p: QSoftmaxIntParams, y?: Uint8Array): Uint8Array;
  /**
   * qnnpack's softargmax (torch.ops.quantized.softmax at output scale 2^-8, zero point 0): per row of n bytes with
   * maximum M, e = table[x + 255 − M], S = Σ e (uint32), y = min(255, ⌊(e·256 + ⌊S/2⌋) / S⌋); `table` is
   * pytorch_qnnp_create_softargmax_nc_q8's (see js/int8/softargmax.ts).
   */
  qsoftargmax(x: Uint8Array, rows: number, n: number, table: Uint32Array, y?: Uint8Array): Uint8Array;
  /**
   * PyTorch 1.13's quantized_normalize_kernel with per-channel affine (GroupNorm, InstanceNorm): per group of
   * channels/groups · spatial values, integer sums of x and x², then in float32 m = f32(Σx) / n, mean = m − x_zp,
   * var = max(f32(Σx²) / n − m·m, 0), s = f32(x_scale / sqrt(f64(var·x_scale·x_scale) + eps)); per channel
   * g = f32(s · weight[c]), y = quantize(f32(f32(x − x_zp − mean) · g) + bias[c]) (each step rounded to float32).
   */
  qgroup_norm(x: QInput, p: QGroupNormParams, out: QOutput, y?: Uint8Array): Uint8Array;
  /**
   * torch 1.13's embedding_bag_byte / 4bit_rowwise_offsets (fbgemm EmbeddingSpMDM): per bag and column, from 0,
   * acc = fma(f32(w · scale), q, f32(acc + f32(w · bias))) over the bag's rows (w = 1 without weights), one float32
   * rounding per fma; 'mean' then multiplies by f32(1 / count) (fbgemm's normalize_by_lengths); 'max' takes the
   * max of fma(scale, q, bias). An empty bag gives zeros. Output [bags, dim] float32.
   */
  qembedding_bag(table: Uint8Array, indices: Int32Array, p: QEmbeddingBagParams, y?: Float32Array): Float32Array;
}

export interface Fp32Kernels {
  readonly name: string;
  /** C[m, n] = Σ_k A[m, k]·B[k, n] (+ bias[n]); row-major; transpose flags read A as [k, m] / B as [n, k]. */
  sgemm(
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    options?: { trans_a?: boolean; trans_b?: boolean; bias?: Float32Array | null; accumulate?: boolean },
  ): void;
  /** NCHW float conv2d with bias. */
  conv2d(
    x: Float32Array,
    g: Conv2dGeometry,
    w: Float32Array,
    bias: Float32Array | null,
    y?: Float32Array,
  ): Float32Array;
  /*
   * The kernels below are fast paths of float ops whose reference is a JS loop in runtime/nn or
   * runtime/tensor: a backend without one says so with null (the loop runs then), never by leaving it out.
   */
  /**
   * conv2d then ReLU in one call (nni.ConvReLU2d at inference): the ReLU applied to the conv's output before it
   * leaves the kernel's memory, bit-identical to conv2d followed by F.relu.
   */
  readonly conv2d_relu:
    | ((x: Float32Array, g: Conv2dGeometry, w: Float32Array, bias: Float32Array | null, y?: Float32Array) => Float32Array)
    | null;
  /**
   * conv2d rounding as PyTorch 1.13 on x86 (set_fp32_numerics('pytorch_x86'): oneDNN's order, fma rounding;
   * `bias_last`: the bias added at the store), bit-identical to js/fp32/pytorch_x86.ts conv2d_pytorch_x86.
   */
  readonly conv2d_pytorch_x86:
    | ((
        x: Float32Array,
        g: Conv2dGeometry,
        w: Float32Array,
        bias: Float32Array | null,
        y?: Float32Array,
        bias_last?: boolean,
      ) => Float32Array)
    | null;
  /** y = max(x, 0), NaN stays NaN, −0 and −inf become +0. Bit-identical to F.relu's JS loop. */
  readonly relu: ((x: Float32Array, y?: Float32Array) => Float32Array) | null;
  /**
   * y = min(max(x, lo), hi) with float32 bounds (±inf for a missing one): NaN stays NaN, −0 / +0 as Math.max and
   * Math.min order them. Bit-identical to clamp's JS loop (F.relu6, F.hardtanh, torch.clamp on float32).
   */
  readonly clamp: ((x: Float32Array, lo: number, hi: number, y?: Float32Array) => Float32Array) | null;
  /**
   * Eval-mode F.batch_norm: y = f32(x·scale[c] + shift[c]) with the product and the sum in float64
   * (not fused), over `planes` = N·C planes of `plane_size` floats, plane p on channel c = p % scale.length.
   * Bit-identical to F.batch_norm's JS loop given its float64 per-channel scale and shift.
   */
  readonly batch_norm_affine:
    | ((
        x: Float32Array,
        planes: number,
        plane_size: number,
        scale: Float64Array,
        shift: Float64Array,
        y?: Float32Array,
      ) => Float32Array)
    | null;
  /**
   * Float F.max_pool2d without indices: the first-wins maximum of each window in row-major order,
   * out-of-input taps skipped, a NaN always wins (torch's CPU rule); bit-identical to the JS loop.
   */
  readonly max_pool2d: ((x: Float32Array, g: Pool2dGeometry, y?: Float32Array) => Float32Array) | null;
  /**
   * softmax over the last dim of `rows` rows of `n` floats, bit-identical to torch.softmax's JS loop (float64
   * max, V8's Math.exp — fdlibm's exp — on x − max, sequential float64 sum, one rounding to float32).
   */
  readonly softmax_rows: ((x: Float32Array, rows: number, n: number, y?: Float32Array) => Float32Array) | null;
  /** Exact GELU y = f32(x·Φ(x)), bit-identical to F.gelu's JS loop (erf.ts's tables and Taylor step). */
  readonly gelu: ((x: Float32Array, y?: Float32Array) => Float32Array) | null;
  /**
   * nb row-major products C[i] = A[i]·B[i] ([m, k]·[k, n], no transposes, no bias), bit-identical to nb calls of
   * this backend's sgemm (torch.matmul of two batched tensors without broadcasting).
   */
  readonly bmm:
    | ((nb: number, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array) => void)
    | null;
  /**
   * Inference F.layer_norm over `rows` rows of `d` floats, bit-identical to its JS loop (float64 sequential sums,
   * invstd = 1/√(var + eps), y = f32(((x − m)·invstd)·gamma + beta)); gamma / beta d floats or null.
   */
  readonly layer_norm:
    | ((
        x: Float32Array,
        rows: number,
        d: number,
        gamma: Float32Array | null,
        beta: Float32Array | null,
        eps: number,
        y?: Float32Array,
      ) => Float32Array)
    | null;
}

export interface Backend {
  readonly name: 'js' | 'wasm';
  readonly int8: Int8Kernels;
  readonly fp32: Fp32Kernels;
  /** The dynamic-int8 and LSTM-cell kernels of the recurrent layers. */
  readonly rnn: RnnKernels;
}
