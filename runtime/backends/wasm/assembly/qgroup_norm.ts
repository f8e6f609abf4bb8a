// Quantized GroupNorm / InstanceNorm, bit-identical to the js reference (runtime/backends/js/int8/group_norm.ts):
// PyTorch 1.13's quantized_normalize_kernel on its per-channel-affine path, every step in float32 as there.
import { byte_sums } from './norm_stats';

/**
 * x: groups_total groups of cpg·spatial quint8 values; channel c of the whole tensor is (g·cpg + k) % channels.
 * w / b: float32 per-channel weight / bias, or 0 for none. sums: 16 bytes of scratch. y receives the bytes.
 */
export function qgroup_norm_u8(
  x: usize, groups_total: i32, cpg: i32, spatial: i32, channels: i32, w: usize, b: usize,
  x_scale: f32, x_zp: i32, eps: f64, inv: f32, zp: i32, qmin: i32, qmax: i32, sums: usize, y: usize,
): void {
  const n = cpg * spatial;
  const nf = <f32>n;
  const xzf = <f32>x_zp;
  for (let g = 0; g < groups_total; g++) {
    const o = <usize>g * <usize>n;
    byte_sums(x + o, n, sums);
    const m: f32 = <f32>load<f64>(sums) / nf;
    const mean: f32 = m - xzf;
    const v0: f32 = <f32>load<f64>(sums, 8) / nf - m * m;
    const variance: f32 = v0 > 0 ? v0 : 0;
    const inv_std = <f32>(<f64>x_scale / Math.sqrt(<f64>(variance * x_scale * x_scale) + eps));
    for (let k = 0; k < cpg; k++) {
      const ch = (g * cpg + k) % channels;
      const gp: f32 = w ? inv_std * load<f32>(w + (<usize>ch << 2)) : inv_std;
      const bias: f32 = b ? load<f32>(b + (<usize>ch << 2)) : 0;
      affine_row(x + o + <usize>(k * spatial), spatial, xzf, mean, gp, bias, inv, zp, qmin, qmax, y + o + <usize>(k * spatial));
    }
  }
}

/** y[i] = quantize(f32(f32(f32(x[i] − x_zp − mean) · gp) + bias)), 16 values per step; NaN gives qmin. */
@inline
function affine_row(
  x: usize, n: i32, xzf: f32, mean: f32, gp: f32, bias: f32, inv: f32, zp: i32, qmin: i32, qmax: i32, y: usize,
): void {
  const vxz = f32x4.splat(xzf), vmean = f32x4.splat(mean), vgp = f32x4.splat(gp), vb = f32x4.splat(bias);
  const vinv = f32x4.splat(inv), vzp = i32x4.splat(zp), vlo = i32x4.splat(qmin), vhi = i32x4.splat(qmax);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(x + <usize>i);
    const lo = i16x8.extend_low_i8x16_u(v);
    const hi = i16x8.extend_high_i8x16_u(v);
    const q0 = lane4(i32x4.extend_low_i16x8_u(lo), vxz, vmean, vgp, vb, vinv, vzp, vlo, vhi);
    const q1 = lane4(i32x4.extend_high_i16x8_u(lo), vxz, vmean, vgp, vb, vinv, vzp, vlo, vhi);
    const q2 = lane4(i32x4.extend_low_i16x8_u(hi), vxz, vmean, vgp, vb, vinv, vzp, vlo, vhi);
    const q3 = lane4(i32x4.extend_high_i16x8_u(hi), vxz, vmean, vgp, vb, vinv, vzp, vlo, vhi);
    v128.store(y + <usize>i, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3)));
  }
  for (; i < n; i++) {
    const t: f32 = (<f32>load<u8>(x + <usize>i) - xzf - mean) * gp + bias;
    let r = nearest<f32>(t * inv);
    let q: i32;
    if (r != r) q = qmin;
    else {
      r = r > 1024 ? 1024 : r < -1024 ? -1024 : r;
      q = zp + <i32>r;
      q = q < qmin ? qmin : q > qmax ? qmax : q;
    }
    store<u8>(y + <usize>i, <u8>q);
  }
}

@inline
function lane4(q: v128, vxz: v128, vmean: v128, vgp: v128, vb: v128, vinv: v128, vzp: v128, vlo: v128, vhi: v128): v128 {
  const t = f32x4.add(f32x4.mul(f32x4.sub(f32x4.sub(f32x4.convert_i32x4_s(q), vxz), vmean), vgp), vb);
  let r = f32x4.nearest(f32x4.mul(t, vinv));
  // NaN lanes (eps 0 over a constant group) become −2048, below any zero point: qmin after the clamp
  r = v128.bitselect(r, f32x4.splat(-2048), f32x4.eq(r, r));
  r = f32x4.max(f32x4.min(r, f32x4.splat(1024)), f32x4.splat(-2048));
  return i32x4.min_s(i32x4.max_s(i32x4.add(i32x4.trunc_sat_f32x4_s(r), vzp), vlo), vhi);
}
