// Int8 kernels of the transformer ops, bit-identical to the js reference (runtime/backends/js/int8/
// matmul.ts, add_float.ts, layer_norm.ts): batched quint8 matmul on the dot_i16x8 GEMM, torch's float-path
// quantized add and PyTorch 1.13's quantized LayerNorm (the softmax kernels are in qsoftmax.ts).
import { MODE_CH_LANE, qgemm } from './qgemm';
import { widen_rows_u8 } from './qpack';
import { byte_sums } from './norm_stats';
import { quant, quant16 } from './qquant';

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
 * scale in f64 (eps is a double), then ((x − zp − mean)·s)·w + b in f32 and quantize, 16 lanes at a time.
 * w / b always point at n floats (ones / zeros stand for none: ·1 and +0 change no quantized value).
 * `sums` is 16 bytes of scratch.
 */
export function qlayer_norm_u8(
  x: usize, rows: i32, n: i32, xs: f32, xz: i32, eps: f64, w: usize, b: usize,
  inv: f32, zp: i32, qmin: i32, qmax: i32, sums: usize, y: usize,
): void {
  const nf = <f32>n;
  const vxz = i32x4.splat(xz);
  const vinv = f32x4.splat(inv);
  const vzp = i32x4.splat(zp);
  const vlo = i32x4.splat(qmin);
  const vhi = i32x4.splat(qmax);
  for (let r = 0; r < rows; r++) {
    const o = x + <usize>(r * n);
    const yo = y + <usize>(r * n);
    byte_sums(o, n, sums);
    const m = <f32>load<f64>(sums) / nf;
    const mean = m - <f32>xz;
    let variance = <f32>load<f64>(sums, 8) / nf - m * m;
    if (!(variance > 0)) variance = 0;
    const sc = <f32>(<f64>xs / Math.sqrt(<f64>(variance * xs * xs) + eps));
    const vmean = f32x4.splat(mean);
    const vsc = f32x4.splat(sc);
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      const v = v128.load(o + <usize>i);
      const lo = i16x8.extend_low_i8x16_u(v);
      const hi = i16x8.extend_high_i8x16_u(v);
      const wp = w + (<usize>i << 2);
      const bp = b + (<usize>i << 2);
      const t0 = ln4(i32x4.extend_low_i16x8_u(lo), vxz, vmean, vsc, wp, bp);
      const t1 = ln4(i32x4.extend_high_i16x8_u(lo), vxz, vmean, vsc, wp + 16, bp + 16);
      const t2 = ln4(i32x4.extend_low_i16x8_u(hi), vxz, vmean, vsc, wp + 32, bp + 32);
      const t3 = ln4(i32x4.extend_high_i16x8_u(hi), vxz, vmean, vsc, wp + 48, bp + 48);
      v128.store(yo + <usize>i, quant16(t0, t1, t2, t3, vinv, vzp, vlo, vhi));
    }
    for (; i < n; i++) {
      let t = (<f32>(<i32>load<u8>(o + <usize>i) - xz) - mean) * sc;
      t = t * load<f32>(w + (<usize>i << 2)) + load<f32>(b + (<usize>i << 2));
      store<u8>(yo + <usize>i, quant(t, inv, zp, qmin, qmax));
    }
  }
}

/** ((q − xz) − mean)·sc·w + b on four lanes, each step rounded to f32 as the scalar code. */
@inline
function ln4(q: v128, vxz: v128, vmean: v128, vsc: v128, wp: usize, bp: usize): v128 {
  const d = f32x4.sub(f32x4.convert_i32x4_s(i32x4.sub(q, vxz)), vmean);
  return f32x4.add(f32x4.mul(f32x4.mul(d, vsc), v128.load(wp)), v128.load(bp));
}
