// Int8 kernels of the transformer ops, bit-identical to the js reference (runtime/backends/js/int8/
// matmul.ts, add_float.ts, layer_norm.ts, softmax.ts): batched quint8 matmul on the dot_i16x8 GEMM, torch's
// float-path quantized add, PyTorch 1.13's quantized LayerNorm, and the softmax float island (ATen's AVX-512
// softmax with Sleef's expf_u10, fused multiply-adds emulated exactly in f64).
import { MODE_CH_LANE, qgemm } from './qgemm';
import { widen_rows_u8 } from './qpack';

/** b: [K][N] uint8 → out: [ceil(N/4)·4][kp] int16 of b − zp, transposed; zeros in the padding. */
export function pack_bt_q16(b: usize, K: i32, N: i32, zp: i32, out: usize, kp: i32): void {
  const n4 = (N + 3) & ~3;
  memory.fill(out, 0, <usize>(n4 * kp) << 1);
  const rowb = <usize>kp << 1;
  for (let k = 0; k < K; k++) {
    const src = b + <usize>(k * N);
    let dst = out + (<usize>k << 1);
    for (let j = 0; j < N; j++) {
      store<i16>(dst, <i16>(<i32>load<u8>(src + <usize>j) - zp));
      dst += rowb;
    }
  }
}

/**
 * y[s] = requant(a[s]·b[s]) for s < batch: a [batch][M][K], b [batch][K][N] uint8. a16 ([M][kp] i16), b16
 * ([n4][kp] i16), bias (n4 zero i32), mult (n4 copies of the f32 multiplier) and part (qgemm_part_bytes) are
 * scratch from the caller.
 */
export function qmatmul_u8(
  a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32, az: i32, bz: i32, kp: i32,
  a16: usize, b16: usize, bias: usize, mult: usize, zp: i32, lo: f32, hi: f32, part: usize, y: usize,
): void {
  for (let s = 0; s < batch; s++) {
    widen_rows_u8(a + <usize>(s * M * K), M, K, az, a16, kp);
    pack_bt_q16(b + <usize>(s * K * N), K, N, bz, b16, kp);
    qgemm(a16, b16, M, N, kp, y + <usize>(s * M * N), N, MODE_CH_LANE, bias, mult, zp, lo, hi, part);
  }
}

/** zp + rne(v · inv) clamped to [qmin, qmax] (NaN → qmin), as quantize_val / the js reference. */
@inline
function quant(v: f32, inv: f32, zp: i32, qmin: i32, qmax: i32): u8 {
  let r = nearest<f32>(v * inv);
  if (r != r) return <u8>qmin;
  r = r < -1024 ? -1024 : r > 1024 ? 1024 : r;
  const q = zp + <i32>r;
  return <u8>(q < qmin ? qmin : q > qmax ? qmax : q);
}

/**
 * torch's float-path add: y[i] = quant(ta[a[i]] + tb[b[i % nb]]), where ta / tb are the operands' 256
 * dequantized values on the vectorized (fma) path for the first vec_len elements of every run of `run`,
 * and on the scalar path (ta_s / tb_s) for the rest.
 */
export function qadd_float_u8(
  a: usize, b: usize, n: i32, nb: i32, run: i32, vec_len: i32,
  ta_v: usize, ta_s: usize, tb_v: usize, tb_s: usize, inv: f32, zp: i32, qmin: i32, qmax: i32, y: usize,
): void {
  let j = 0;
  for (let r0 = 0; r0 < n; r0 += run) {
    for (let r = 0; r < run; r++) {
      const i = r0 + r;
      const ta = r < vec_len ? ta_v : ta_s;
      const tb = r < vec_len ? tb_v : tb_s;
      const da = load<f32>(ta + (<usize>load<u8>(a + <usize>i) << 2));
      const db = load<f32>(tb + (<usize>load<u8>(b + <usize>j) << 2));
      store<u8>(y + <usize>i, quant(da + db, inv, zp, qmin, qmax));
      if (++j == nb) j = 0;
    }
  }
}

/**
 * PyTorch 1.13's quantized_normalize_kernel over `rows` rows of n: integer sums, f32 mean / variance, the
 * scale in f64 (eps is a double), then ((x − zp − mean)·s)·w + b in f32 and quantize. w / b are 0 for none.
 */
export function qlayer_norm_u8(
  x: usize, rows: i32, n: i32, xs: f32, xz: i32, eps: f64, w: usize, b: usize,
  inv: f32, zp: i32, qmin: i32, qmax: i32, y: usize,
): void {
  const nf = <f32>n;
  for (let r = 0; r < rows; r++) {
    const o = x + <usize>(r * n);
    const yo = y + <usize>(r * n);
    let s: i64 = 0;
    let ss: i64 = 0;
    for (let i = 0; i < n; i++) {
      const v = <i64>load<u8>(o + <usize>i);
      s += v;
      ss += v * v;
    }
    const m = <f32>s / nf;
    const mean = m - <f32>xz;
    let variance = <f32>ss / nf - m * m;
    if (!(variance > 0)) variance = 0;
    const sc = <f32>(<f64>xs / Math.sqrt(<f64>(variance * xs * xs) + eps));
    for (let i = 0; i < n; i++) {
      let t = (<f32>(<i32>load<u8>(o + <usize>i) - xz) - mean) * sc;
      if (w != 0) t = t * load<f32>(w + (<usize>i << 2));
      if (b != 0) t = t + load<f32>(b + (<usize>i << 2));
      store<u8>(yo + <usize>i, quant(t, inv, zp, qmin, qmax));
    }
  }
}

// ---- Sleef expf_u10 with exact float32 fused multiply-adds

/** The tie case of fma32 (js: fp32/fma.ts fma_tie): s = p + c was a float32 tie; decide by the f64 error. */
function fma_tie(p: f64, c: f64, s: f64, r: f32): f32 {
  const bp = s - p;
  const err = p - (s - bp) + (c - bp);
  if (err == 0) return r;
  const bits = reinterpret<i32>(r) + ((s > <f64>r) == (r >= 0) ? 1 : -1);
  const other = reinterpret<f32>(bits);
  if (s - <f64>r != <f64>other - s) return r;
  return (err > 0) == (other > r) ? other : r;
}

/** fl32(a·b + c) rounded once: the product is exact in f64, one f64 sum, fixed up when it is a float32 tie. */
@inline
function fma32(a: f32, b: f32, c: f32): f32 {
  const p = <f64>a * <f64>b;
  const s = p + <f64>c;
  const r = <f32>s;
  const t = <f64>r + 2 * (s - <f64>r);
  if (<f64><f32>t != t || <f64>r == s) return r;
  return fma_tie(p, <f64>c, s, r);
}

const R_LN2: f32 = 1.4426950216293335;
const L2U: f32 = 0.693145751953125;
const L2L: f32 = 1.428606765330187e-6;
const C0: f32 = 0.00019852761761285365;
const C1: f32 = 0.0013930435525253415;
const C2: f32 = 0.008333360776305199;
const C3: f32 = 0.041666485369205475;
const C4: f32 = 0.1666666716337204;

@inline
function pow2f(e: i32): f32 {
  return reinterpret<f32>((e + 127) << 23);
}

/** Sleef's xexpf (expf_u10), as js fp32/aten_vec_math.ts sleef_expf_u10. */
export function sleef_expf(d: f32): f32 {
  if (d != d) return d;
  if (d > 100) return Infinity;
  if (d < -104) return 0;
  const q = nearest<f32>(d * R_LN2);
  let s = fma32(q, -L2U, d);
  s = fma32(q, -L2L, s);
  let u = fma32(C0, s, C1);
  u = fma32(u, s, C2);
  u = fma32(u, s, C3);
  u = fma32(u, s, C4);
  u = fma32(u, s, 0.5);
  u = 1 + fma32(s * s, u, s);
  const qi = <i32>q;
  const h = qi >> 1;
  return u * pow2f(h) * pow2f(qi - h);
}

/** ATen's AVX-512 reduce_all(+) over n floats at e: 16 lanes, a partial last vector, then the 8/4/2/1 fold. */
function reduce_sum16(e: usize, n: i32, lanes: usize): f32 {
  if (n < 16) {
    let s: f32 = load<f32>(e);
    for (let i = 1; i < n; i++) s += load<f32>(e + (<usize>i << 2));
    return s;
  }
  let v0 = v128.load(e), v1 = v128.load(e, 16), v2 = v128.load(e, 32), v3 = v128.load(e, 48);
  const body = n - (n % 16);
  let d = 16;
  for (; d < body; d += 16) {
    const p = e + (<usize>d << 2);
    v0 = f32x4.add(v0, v128.load(p));
    v1 = f32x4.add(v1, v128.load(p, 16));
    v2 = f32x4.add(v2, v128.load(p, 32));
    v3 = f32x4.add(v3, v128.load(p, 48));
  }
  if (d < n) {
    v128.store(lanes, v0);
    v128.store(lanes, v1, 16);
    v128.store(lanes, v2, 32);
    v128.store(lanes, v3, 48);
    for (let l = 0; d + l < n; l++) {
      const p = lanes + (<usize>l << 2);
      store<f32>(p, load<f32>(p) + load<f32>(e + (<usize>(d + l) << 2)));
    }
    v0 = v128.load(lanes);
    v1 = v128.load(lanes, 16);
    v2 = v128.load(lanes, 32);
    v3 = v128.load(lanes, 48);
  }
  // lanes l + l⊕8, then + l⊕4, + l⊕2, + l⊕1
  v0 = f32x4.add(f32x4.add(v0, v2), f32x4.add(v1, v3));
  v0 = f32x4.add(v0, v128.shuffle<f32>(v0, v0, 2, 3, 0, 1));
  return f32x4.extract_lane(v0, 0) + f32x4.extract_lane(v0, 1);
}

/** Bytes of qsoftmax_u8's scratch for rows of n: the exp table [256][256] f32, its 256 flags, a row, 16 lanes. */
export function qsoftmax_scratch_bytes(n: i32): i32 {
  return 256 * 256 * 4 + 256 + n * 4 + 64 + 16;
}

/**
 * Softmax island over rows of n quint8 values: x − max dequantized is f32((q − z)s) − f32((M − z)s) for the
 * row's largest byte M, so its exp is a function of (M, q): a table row per M, filled the first time a row
 * with that maximum comes (once per call). Then ATen's sum, one reciprocal, products, quantize.
 */
export function qsoftmax_u8(
  x: usize, rows: i32, n: i32, xs: f32, xz: i32, inv: f32, zp: i32, qmin: i32, qmax: i32, scratch: usize, y: usize,
): void {
  const table = scratch;
  const flags = table + 256 * 256 * 4;
  const row = (flags + 256 + 15) & ~15;
  const lanes = row + ((<usize>n << 2) + 15 & ~15);
  memory.fill(flags, 0, 256);
  for (let r = 0; r < rows; r++) {
    const o = x + <usize>(r * n);
    let M: i32 = 0;
    for (let i = 0; i < n; i++) M = max(M, <i32>load<u8>(o + <usize>i));
    const t = table + (<usize>M << 10);
    if (load<u8>(flags + <usize>M) == 0) {
      const m = <f32>(M - xz) * xs;
      for (let q = 0; q <= M; q++) store<f32>(t + (<usize>q << 2), sleef_expf(<f32>(q - xz) * xs - m));
      store<u8>(flags + <usize>M, 1);
    }
    for (let i = 0; i < n; i++) store<f32>(row + (<usize>i << 2), load<f32>(t + (<usize>load<u8>(o + <usize>i) << 2)));
    const is: f32 = 1 / reduce_sum16(row, n, lanes);
    const yo = y + <usize>(r * n);
    for (let i = 0; i < n; i++) store<u8>(yo + <usize>i, quant(load<f32>(row + (<usize>i << 2)) * is, inv, zp, qmin, qmax));
  }
}

/**
 * The integer softmax (opt-in int8 attention; js reference js/int8/softmax_int.ts): e = table[M − q] (i32),
 * S = Σ e, y = clamp(zp + (e·mult + S·2^15) / (S·2^16)) with unsigned 64-bit division.
 */
export function qsoftmax_int_u8(
  x: usize, rows: i32, n: i32, table: usize, mult: i32, zp: i32, qmin: i32, qmax: i32, y: usize,
): void {
  const m64 = <u64>mult;
  for (let r = 0; r < rows; r++) {
    const o = x + <usize>(r * n);
    const yo = y + <usize>(r * n);
    let M: i32 = 0;
    for (let i = 0; i < n; i++) M = max(M, <i32>load<u8>(o + <usize>i));
    const t = table + (<usize>M << 2);
    let sum: u64 = 0;
    for (let i = 0; i < n; i++) sum += <u64>load<i32>(t - (<usize>load<u8>(o + <usize>i) << 2));
    const den = sum << 16;
    const half = sum << 15;
    for (let i = 0; i < n; i++) {
      const e = <u64>load<i32>(t - (<usize>load<u8>(o + <usize>i) << 2));
      let q = zp + <i32>((e * m64 + half) / den);
      q = q < qmin ? qmin : q > qmax ? qmax : q;
      store<u8>(yo + <usize>i, <u8>q);
    }
  }
}
