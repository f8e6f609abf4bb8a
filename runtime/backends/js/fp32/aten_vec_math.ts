/**
 * Float32 functions of PyTorch 1.13's CPU kernels emulated bit for bit (the rest of the ViT reference's float order
 * is in pytorch_x86_zen5.ts, which uses these):
 * - `sleef_expf_u10`: Sleef 3.x's xexpf (Sleef_expf8_u10, what Vectorized<float>::exp calls), a Cody–Waite
 *   reduction by ln 2 and a degree-6 polynomial, every multiply-add fused; within 1 ulp of exp, not correctly
 *   rounded, hence emulated rather than Math.exp.
 * - `aten_gelu_scalar_f32`: GeluKernelImpl's scalar lambda (std::erf), what F.gelu runs on a one-element tensor
 *   (larger contiguous ones take oneDNN's eltwise_gelu_erf, pytorch_x86_zen5.ts).
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

const SQRT1_2 = f(Math.SQRT1_2);

/**
 * GeluKernelImpl's scalar lambda, x·0.5·(1 + erf(x·√½)) with each step rounded to float32 and std::erf (glibc
 * erff) taken as the float64 erf rounded to float32: F.gelu on a one-element float tensor (oneDNN needs numel > 1).
 */
export function aten_gelu_scalar_f32(x: number): number {
  return f(f(x * 0.5) * f(1 + f(erf(f(x * SQRT1_2)))));
}
