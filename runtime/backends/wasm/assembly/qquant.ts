// quantize_val on f32 values (zp + rne(v · inv), clamped to [qmin, qmax], NaN → qmin), as the js reference's
// transformer kernels write it: one lane and sixteen lanes at a time.

@inline
export function quant(v: f32, inv: f32, zp: i32, qmin: i32, qmax: i32): u8 {
  let r = nearest<f32>(v * inv);
  if (r != r) return <u8>qmin;
  r = r < -1024 ? -1024 : r > 1024 ? 1024 : r;
  const q = zp + <i32>r;
  return <u8>(q < qmin ? qmin : q > qmax ? qmax : q);
}

/** Four lanes of quant as i32 (vinv f32 splat; vzp, vlo, vhi i32 splats). */
@inline
function quant4(v: v128, vinv: v128, vzp: v128, vlo: v128, vhi: v128): v128 {
  const r = f32x4.nearest(f32x4.mul(v, vinv));
  const nan = f32x4.ne(r, r);
  // a NaN passes pmin / pmax (they keep the first operand) and is replaced by qmin below
  const c = f32x4.pmax(f32x4.pmin(r, f32x4.splat(1024)), f32x4.splat(-1024));
  const q = i32x4.min_s(i32x4.max_s(i32x4.add(i32x4.trunc_sat_f32x4_s(c), vzp), vlo), vhi);
  return v128.bitselect(vlo, q, nan);
}

/** Sixteen lanes of quant (four f32x4) as sixteen bytes in order. */
@inline
export function quant16(v0: v128, v1: v128, v2: v128, v3: v128, vinv: v128, vzp: v128, vlo: v128, vhi: v128): v128 {
  const a = i16x8.narrow_i32x4_s(quant4(v0, vinv, vzp, vlo, vhi), quant4(v1, vinv, vzp, vlo, vhi));
  const b = i16x8.narrow_i32x4_s(quant4(v2, vinv, vzp, vlo, vhi), quant4(v3, vinv, vzp, vlo, vhi));
  return i8x16.narrow_i16x8_u(a, b);
}
