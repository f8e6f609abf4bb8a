/**
 * The float32 ops as PyTorch 1.13 computed them on the FmnistViT reference machine (AMD Zen 5, one thread,
 * OPENBLAS_CORETYPE=Haswell): set_fp32_numerics('pytorch_x86_zen5'). Worked out against the golden's float
 * tensors (fmnist_vit_dynamic: block 0's LayerNorm, attention and GELU outputs of image 0, all bit for bit):
 * - ATen's vectorized kernels ran their AVX2 build (Vectorized<float>, 8 lanes);
 * - layer_norm: LayerNormKernelImplInternal — RowwiseMoments (moments_utils.h: per lane a Welford over chunks of
 *   16 vectors, merged by a cascade of AddMomentsVec, then the 8 lanes and the scalar tail by AddMoments, each
 *   step rounded), rstd = 1 / √(var + eps), y = fma(fma(x, rstd, −rstd·mean), γ, β);
 * - softmax over the last dim: _vec_softmax_lastdim — max, Sleef expf_u10(x − max), an 8-lane sum folded 4, 2, 1
 *   apart, times f32(1 / sum);
 * - gelu (exact): gelu_out_cpu takes oneDNN's eltwise_gelu_erf for a contiguous float tensor (its own exp and an
 *   fma at the end), not ATen's GeluKernelImpl;
 * - conv2d: oneDNN's avx512 kernel, the bias added last (pytorch_x86.ts); F.linear and bmm (torch.matmul of
 *   ≥ 3-d operands: one addmm per batch item, beta 0): OpenBLAS sgemm's Haswell kernel on one thread
 *   (openblas_sgemm.ts), bmm never on the small-matrix path.
 */
import { sleef_expf_u10 } from './aten_vec_math.js';
import { fma_f32 } from './fma.js';
import { linear_pytorch_x86 } from './openblas_sgemm.js';

const f = Math.fround;
const LANES = 8;
const CHUNK = 16;

/** c10's CeilLog2 as moments_utils uses it (1 for x ≤ 2). */
function ceil_log2(x: number): number {
  return x <= 2 ? 1 : Math.ceil(Math.log2(x));
}

interface Moments {
  m0: number;
  m1: Float32Array;
  m2: Float32Array;
}

/** AddMomentsVec / AddMoments: merges (m0a, m1a, m2a) into `into` lane by lane, float32 steps. */
function add_moments(m0a: number, m1a: Float32Array, m2a: Float32Array, into: Moments): void {
  const n = into.m0 + m0a;
  const c = n === 0 ? 0 : f(m0a / n);
  const m0f = into.m0;
  for (let l = 0; l < m1a.length; l++) {
    const delta = f(m1a[l] - into.m1[l]);
    into.m1[l] = f(into.m1[l] + f(c * delta));
    into.m2[l] = f(into.m2[l] + f(m2a[l] + f(f(f(delta * delta) * c) * m0f)));
  }
  into.m0 = n;
}

const C_VECS = Float32Array.from({ length: CHUNK }, (_, j) => f(1 / (j + 1)));

/** RowwiseMoments(X, N) on 8 lanes: [mean, biased variance] as float32. */
export function rowwise_moments_zen5(x: ArrayLike<number>, off: number, N: number): [number, number] {
  const n = Math.floor(N / LANES);
  const m = Math.ceil(n / CHUNK);
  const depth = ceil_log2(m);
  const stk: Moments[] = Array.from({ length: depth }, () => ({
    m0: 0,
    m1: new Float32Array(LANES),
    m2: new Float32Array(LANES),
  }));
  const m1v = new Float32Array(LANES);
  const m2v = new Float32Array(LANES);
  for (let i = 0; i < m; i++) {
    const base = off + i * CHUNK * LANES;
    const m0 = Math.min(CHUNK, n - i * CHUNK);
    m1v.fill(0);
    m2v.fill(0);
    for (let j = 0; j < m0; j++) {
      const c = C_VECS[j];
      for (let l = 0; l < LANES; l++) {
        const xv = x[base + j * LANES + l];
        const delta = f(xv - m1v[l]);
        m1v[l] = f(m1v[l] + f(delta * c));
        m2v[l] = f(m2v[l] + f(delta * f(xv - m1v[l])));
      }
    }
    add_moments(m0, m1v, m2v, stk[0]);
    let mask = i + 1;
    for (let j = 1; j < depth && (mask & 1) === 0; j++) {
      add_moments(stk[j - 1].m0, stk[j - 1].m1, stk[j - 1].m2, stk[j]);
      stk[j - 1] = { m0: 0, m1: new Float32Array(LANES), m2: new Float32Array(LANES) };
      mask >>= 1;
    }
  }
  for (let i = 1; i < depth; i++) add_moments(stk[i].m0, stk[i].m1, stk[i].m2, stk[0]);
  // the scalar tail, then each lane merged in (AddMoments with m0_add = n)
  const acc = { m0: 0, m1: new Float32Array(1), m2: new Float32Array(1) };
  for (let i = n * LANES; i < N; i++) {
    const xv = x[off + i];
    const delta = f(xv - acc.m1[0]);
    acc.m0++;
    acc.m1[0] = f(acc.m1[0] + f(delta / acc.m0));
    acc.m2[0] = f(acc.m2[0] + f(delta * f(xv - acc.m1[0])));
  }
  const one1 = new Float32Array(1);
  const one2 = new Float32Array(1);
  for (let l = 0; l < LANES; l++) {
    one1[0] = depth > 0 ? stk[0].m1[l] : 0;
    one2[0] = depth > 0 ? stk[0].m2[l] : 0;
    add_moments(n, one1, one2, acc);
  }
  return [acc.m1[0], f(acc.m2[0] / N)];
}

/** F.layer_norm over rows of n values (γ, β optional), ATen 1.13's float order on the reference. */
export function layer_norm_pytorch_x86_zen5(
  x: ArrayLike<number>,
  rows: number,
  n: number,
  gamma: ArrayLike<number> | null,
  beta: ArrayLike<number> | null,
  eps: number,
  y: Float32Array,
): void {
  const e = f(eps);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const [mean, variance] = rowwise_moments_zen5(x, o, n);
    const rstd = f(1 / f(Math.sqrt(f(variance + e))));
    const bias = f(-rstd * mean);
    if (gamma && beta) for (let i = 0; i < n; i++) y[o + i] = fma_f32(fma_f32(x[o + i], rstd, bias), gamma[i], beta[i]);
    // the scalar loop (γ or β missing): (x·rstd + bias)·γ + β, each step rounded
    else
      for (let i = 0; i < n; i++)
        y[o + i] = f(f(f(f(x[o + i] * rstd) + bias) * (gamma ? gamma[i] : 1)) + (beta ? beta[i] : 0));
  }
}

/** vec::reduce_all(+) on 8 lanes: lane l sums e[l], e[l+8], … (a partial vector into its first lanes), then 4, 2, 1 apart. */
function reduce_sum_8(e: ArrayLike<number>, off: number, n: number): number {
  if (n < LANES) {
    let s = n > 0 ? e[off] : 0;
    for (let i = 1; i < n; i++) s = f(s + e[off + i]);
    return s;
  }
  const lanes = new Float64Array(LANES);
  for (let l = 0; l < LANES; l++) lanes[l] = e[off + l];
  let d = LANES;
  for (const body = n - (n % LANES); d < body; d += LANES)
    for (let l = 0; l < LANES; l++) lanes[l] = f(lanes[l] + e[off + d + l]);
  for (let l = 0; d + l < n; l++) lanes[l] = f(lanes[l] + e[off + d + l]);
  for (let h = LANES >> 1; h >= 1; h >>= 1) for (let l = 0; l < h; l++) lanes[l] = f(lanes[l] + lanes[l + h]);
  return lanes[0];
}

/** softmax over the last dim of `rows` rows of n values (torch.softmax(x, -1)): ATen's _vec_softmax_lastdim. */
export function softmax_lastdim_pytorch_x86_zen5(x: ArrayLike<number>, rows: number, n: number, y: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const v = x[o + i];
      if (v > m || Number.isNaN(v)) m = v; // vec::maximum propagates NaN
    }
    for (let i = 0; i < n; i++) y[o + i] = sleef_expf_u10(f(x[o + i] - m));
    const inv = f(1 / reduce_sum_8(y, o, n));
    for (let i = 0; i < n; i++) y[o + i] = f(y[o + i] * inv);
  }
}

const bits = new Float32Array(1);
const bits_u = new Uint32Array(bits.buffer);
const from_bits = (u: number): number => {
  bits_u[0] = u;
  return bits[0];
};
// oneDNN 2.6 jit_uni_eltwise_injector constants
const LOG2E = from_bits(0x3fb8aa3b);
const LN2 = from_bits(0x3f317218);
const LN_FLT_MAX = from_bits(0x42b17218);
const LN_FLT_MIN = from_bits(0xc2aeac50);
const EXP_POL = [0x3f7ffffb, 0x3efffee3, 0x3e2aad40, 0x3d2b9d0d, 0x3c07cfce].map(from_bits);
const ERF_P = f(0.3275911);
const ERF_POL = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429].map(f);
const SQRT1_2 = f(Math.SQRT1_2);

/** oneDNN's exp_compute_vector_fwd: n = ⌊x·log2e + ½⌋, r = x − n·ln2 (fma), a degree-5 fma polynomial, · 2^(n−1) · 2. */
export function onednn_exp_f32(x: number): number {
  if (x < LN_FLT_MIN) return 0;
  const v = Math.max(Math.min(x, LN_FLT_MAX), LN_FLT_MIN);
  const n = Math.floor(f(f(v * LOG2E) + 0.5));
  const r = fma_f32(-n, LN2, v);
  let p = fma_f32(EXP_POL[4], r, EXP_POL[3]);
  p = fma_f32(p, r, EXP_POL[2]);
  p = fma_f32(p, r, EXP_POL[1]);
  p = fma_f32(p, r, EXP_POL[0]);
  p = fma_f32(p, r, 1);
  return f(f(p * 2 ** (n - 1)) * 2);
}

/**
 * torch.nn.functional.gelu (approximate='none') on a contiguous float32 CPU tensor in PyTorch 1.13: oneDNN's
 * eltwise_gelu_erf (gelu_out_cpu takes the mkldnn path), Abramowitz–Stegun erf with oneDNN's exp,
 * GELU = fma(erf, ½s, ½s).
 */
export function onednn_gelu_erf_f32(s: number): number {
  const x = f(s * SQRT1_2);
  const t = f(1 / fma_f32(ERF_P, Math.abs(x), 1));
  const e = f(-onednn_exp_f32(-f(x * x)) * t);
  let r = fma_f32(ERF_POL[4], t, ERF_POL[3]);
  r = fma_f32(r, t, ERF_POL[2]);
  r = fma_f32(r, t, ERF_POL[1]);
  r = fma_f32(r, t, ERF_POL[0]);
  const erf_abs = fma_f32(e, r, 1);
  const erf = s < 0 || Object.is(s, -0) ? -erf_abs : erf_abs;
  const half = f(s * 0.5);
  return fma_f32(erf, half, half);
}

/** Exact GELU as PyTorch 1.13 runs it on a contiguous float tensor (oneDNN eltwise_gelu_erf). */
export function gelu_pytorch_x86_zen5(x: ArrayLike<number>, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) y[i] = onednn_gelu_erf_f32(x[i]);
}

/**
 * y = a @ b for row-major [m, k] × [k, n] as bmm → addmm (beta 0) → OpenBLAS sgemm on the reference: the Haswell
 * kernel's fma chains, two accumulators (even / odd k) where its m8n4 / m8n6 tiles keep them (openblas_sgemm.ts),
 * one thread. The generic small-matrix kernel is not taken here (the golden's attention outputs say so).
 */
export function bmm_pytorch_x86(
  m: number,
  k: number,
  n: number,
  a: Float32Array,
  b: Float32Array,
  y: Float32Array,
): void {
  const bt = new Float32Array(n * k);
  for (let t = 0; t < k; t++) for (let j = 0; j < n; j++) bt[j * k + t] = b[t * n + j];
  linear_pytorch_x86(m, n, k, a, bt, y, null, 1, false);
}
