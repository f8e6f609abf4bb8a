/**
 * The float32 transcendental functions of PyTorch 1.13's vectorized CPU kernels (ATen's Vectorized<float> on
 * AVX2 / AVX-512 with FMA), emulated bit for bit, so the float islands of a quantized graph (softmax, GELU)
 * produce the bits PyTorch's did:
 * - `sleef_expf_u10`: Sleef 3.x's xexpf (Sleef_expf8_u10 / Sleef_expf16_u10, what Vectorized<float>::exp calls),
 *   a Cody–Waite reduction by ln 2 and a degree-6 polynomial, every multiply-add fused; within 1 ulp of exp,
 *   not correctly rounded, hence emulated rather than Math.exp.
 * - `aten_erf_f32`: Vectorized<float>::erf, Abramowitz–Stegun 7.1.26 (|error| ~1e-7, not the C library's erff).
 * - `aten_gelu_f32`: GeluKernelImpl's vectorized exact-GELU, x·0.5·(1 + erf(x·√½)).
 * - `aten_gelu_scalar_f32`: GELU's scalar lambda (std::erf), which ATen runs on the tail of a tensor.
 */
import { erf } from '../../../tensor/ops/erf.js';
import { fma_f32 } from './fma.js';

const f = Math.fround;

// Sleef's float32 constants (the values below are those floats exactly)
const R_LN2 = f(Math.LOG2E);
const L2U = 0.693145751953125;
const L2L = 1.428606765330187e-6;
const C0 = 0.00019852761761285365;
const C1 = 0.0013930435525253415;
const C2 = 0.008333360776305199;
const C3 = 0.041666485369205475;
const C4 = 0.1666666716337204;

/** Round half to even of a float32 value (vrint_vi2_vf: cvtps2dq under the default rounding mode). */
function rint(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Sleef's expf_u10 (xexpf) in float32 with fused multiply-adds; d must be a float32 value. */
export function sleef_expf_u10(d: number): number {
  if (Number.isNaN(d)) return Number.NaN;
  if (d > 100) return Number.POSITIVE_INFINITY;
  if (d < -104) return 0;
  const q = rint(f(d * R_LN2));
  let s = fma_f32(q, -L2U, d);
  s = fma_f32(q, -L2L, s);
  let u = fma_f32(C0, s, C1);
  u = fma_f32(u, s, C2);
  u = fma_f32(u, s, C3);
  u = fma_f32(u, s, C4);
  u = fma_f32(u, s, 0.5);
  u = f(1 + fma_f32(f(s * s), u, s));
  // vldexp2: u·2^(q>>1)·2^(q−(q>>1)); the first product is exact, so this is one rounding of u·2^q
  const h = q >> 1;
  return f(f(u * 2 ** h) * 2 ** (q - h));
}

const ERF_P = f(0.3275911);
const ERF_P1 = f(0.254829592);
const ERF_P2 = f(-0.284496736);
const ERF_P3 = f(1.421413741);
const ERF_P4 = f(-1.453152027);
const ERF_P5 = f(1.061405429);

/** ATen's Vectorized<float>::erf (AVX2 / AVX-512): sign(x)·(1 − r(t)·t·exp(−x²)), t = 1 / (1 + p|x|). */
export function aten_erf_f32(x: number): number {
  const a = Math.abs(x);
  const t = f(1 / fma_f32(ERF_P, a, 1));
  let r = fma_f32(ERF_P5, t, ERF_P4);
  r = fma_f32(r, t, ERF_P3);
  r = fma_f32(r, t, ERF_P2);
  r = fma_f32(r, t, ERF_P1);
  const e = sleef_expf_u10(-f(x * x));
  const y = fma_f32(f(-e * t), r, 1);
  // the sign is OR-ed in bitwise: −0 and NaN keep theirs
  return x < 0 || Object.is(x, -0) ? -y : y;
}

const SQRT1_2 = f(Math.SQRT1_2);

/** GeluKernelImpl's vectorized exact GELU (approximate='none'): (x·0.5)·(1 + erf(x·√½)), each step float32. */
export function aten_gelu_f32(x: number): number {
  return f(f(x * 0.5) * f(1 + aten_erf_f32(f(x * SQRT1_2))));
}

/**
 * GeluKernelImpl's scalar lambda, which cpu_kernel_vec runs on the last n mod 32 elements of a contiguous
 * tensor (AVX-512: two 16-float vectors per step): the same steps with std::erf (glibc erff), taken here as
 * the float64 erf rounded to float32.
 */
export function aten_gelu_scalar_f32(x: number): number {
  return f(f(x * 0.5) * f(1 + f(erf(f(x * SQRT1_2)))));
}

/** cpu_kernel_vec's step on float tensors: elements past the last multiple of it take the scalar lambda. */
export const ATEN_FLOAT_VEC_STEP = 32;

/**
 * Lanes of Vectorized<float> as the FmnistViT reference ran ATen (its AVX2 build, although the CPU has AVX-512:
 * the golden's float softmax outputs sum over 8 lanes); the sum tree below follows them.
 */
export const ATEN_FLOAT_LANES = 8;

const lanes = new Float64Array(ATEN_FLOAT_LANES);

/**
 * vec::reduce_all(+) over e[off .. off+n) as ATen 1.13 sums on AVX2: lane l accumulates e[l], e[l+8], …
 * (a partial last vector adds into its first lanes only), then the lanes fold 4, 2, 1 apart
 * (VecReduceAllSIMD's shuffles); a row shorter than 8 is summed left to right.
 */
export function aten_reduce_sum_f32(e: ArrayLike<number>, off: number, n: number): number {
  const L = ATEN_FLOAT_LANES;
  if (n < L) {
    let s = n > 0 ? e[off] : 0;
    for (let i = 1; i < n; i++) s = f(s + e[off + i]);
    return s;
  }
  for (let l = 0; l < L; l++) lanes[l] = e[off + l];
  let d = L;
  const body = n - (n % L);
  for (; d < body; d += L) for (let l = 0; l < L; l++) lanes[l] = f(lanes[l] + e[off + d + l]);
  for (let l = 0; d + l < n; l++) lanes[l] = f(lanes[l] + e[off + d + l]);
  for (let h = L >> 1; h >= 1; h >>= 1) for (let l = 0; l < h; l++) lanes[l] = f(lanes[l] + lanes[l + h]);
  return lanes[0];
}

/**
 * One row of ATen 1.13's _vec_softmax_lastdim: m = max(x), e = expf_u10(x − m), s = reduce_sum(e),
 * y = e · f32(1 / s). x and y may be the same array.
 */
export function aten_softmax_row_f32(x: ArrayLike<number>, off: number, n: number, y: Float32Array): void {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = x[off + i];
    // vec::maximum propagates NaN
    if (v > m || Number.isNaN(v)) m = v;
  }
  for (let i = 0; i < n; i++) y[off + i] = sleef_expf_u10(f(x[off + i] - m));
  const inv = f(1 / aten_reduce_sum_f32(y, off, n));
  for (let i = 0; i < n; i++) y[off + i] = f(y[off + i] * inv);
}
