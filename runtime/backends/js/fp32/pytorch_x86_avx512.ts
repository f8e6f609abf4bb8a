/**
 * The float32 transformer ops as PyTorch 1.13 computes them on the FmnistViT reference machine (AMD Zen 5,
 * AVX-512, one thread, OPENBLAS_CORETYPE=Haswell): set_fp32_numerics('pytorch_x86_avx512'). ATen's kernels there
 * run Vectorized<float> with 16 lanes and no implicit fma contraction (its intrinsics round each step):
 * - layer_norm: LayerNormKernelImplInternal — RowwiseMoments (moments_utils.h: per lane a Welford over chunks of
 *   16 vectors, chunk results merged by a cascade of AddMomentsVec, the 16 lanes and the scalar tail merged by
 *   AddMoments), rstd = 1 / √(var + eps), then y = (x·rstd + (−rstd·mean))·γ + β, each step rounded;
 * - gelu (exact): the vectorized body x·0.5·(1 + erf(x·√½)) with Vectorized::erf (aten_vec_math.ts);
 *   cpu_kernel_vec's scalar tail (numel mod 32, at the end of a contiguous tensor) uses erff, here f32(erf);
 * - softmax over the last dim: _vec_softmax_lastdim (aten_vec_math.ts aten_softmax_row_f32);
 * - bmm (torch.matmul of ≥ 3-d operands): addmm per batch item → OpenBLAS sgemm with beta 0; a product of
 *   m·n·k ≤ 100³ takes the generic small-matrix kernel (r = Σ fl(a·b) in k order), a larger one the Haswell
 *   kernel's fma chain.
 */
import { aten_gelu_f32, aten_softmax_row_f32 } from './aten_vec_math.js';
import { fma_f32 } from './fma.js';

const f = Math.fround;
const LANES = 16;
const CHUNK = 16;
const SMALL_MATRIX_MNK = 100 * 100 * 100;

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

/** RowwiseMoments(X, N) on 16 lanes: [mean, biased variance] as float32. */
export function rowwise_moments_avx512(x: ArrayLike<number>, off: number, N: number): [number, number] {
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

/** F.layer_norm over rows of n values (γ, β optional), ATen 1.13's float order on AVX-512. */
export function layer_norm_pytorch_x86_avx512(
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
    const [mean, variance] = rowwise_moments_avx512(x, o, n);
    const rstd = f(1 / f(Math.sqrt(f(variance + e))));
    const bias = f(-rstd * mean);
    for (let i = 0; i < n; i++) {
      const t = f(f(x[o + i] * rstd) + bias);
      // gamma and beta both present: vec::map3; otherwise the scalar loop with 1 / 0 for the missing one
      y[o + i] = f(f(t * (gamma ? gamma[i] : 1)) + (beta ? beta[i] : 0));
    }
  }
}

/** Exact GELU as ATen's GeluKernelImpl: the 32-element vector body, erff for the scalar tail. */
export function gelu_pytorch_x86_avx512(x: ArrayLike<number>, y: Float32Array, erf: (v: number) => number): void {
  const body = x.length - (x.length % (2 * LANES));
  for (let i = 0; i < body; i++) y[i] = aten_gelu_f32(x[i]);
  for (let i = body; i < x.length; i++) {
    const v = x[i];
    y[i] = f(f(v * 0.5) * f(1 + f(erf(f(v * Math.SQRT1_2)))));
  }
}

/** softmax over the last dim of `rows` rows of n values (torch.softmax(x, -1)). */
export function softmax_lastdim_pytorch_x86_avx512(
  x: ArrayLike<number>,
  rows: number,
  n: number,
  y: Float32Array,
): void {
  for (let r = 0; r < rows; r++) aten_softmax_row_f32(x, r * n, n, y);
}

/**
 * y[b] = a[b] @ w[b] for `batch` row-major [m, k] × [k, n] products (operands already broadcast to the batch), as
 * bmm → addmm (beta 0) → OpenBLAS sgemm: the small-matrix kernel's separate multiply and add in k order when
 * m·n·k ≤ 100³, else one fma chain per element.
 */
export function bmm_pytorch_x86(
  batch: number,
  m: number,
  k: number,
  n: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  y: Float32Array,
): void {
  const small = m * n * k <= SMALL_MATRIX_MNK;
  for (let p = 0; p < batch; p++) {
    const ao = p * m * k;
    const bo = p * k * n;
    const yo = p * m * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let r = 0;
        if (small) for (let t = 0; t < k; t++) r = f(r + f(a[ao + i * k + t] * b[bo + t * n + j]));
        else for (let t = 0; t < k; t++) r = fma_f32(a[ao + i * k + t], b[bo + t * n + j], r);
        y[yo + i * n + j] = r;
      }
  }
}
