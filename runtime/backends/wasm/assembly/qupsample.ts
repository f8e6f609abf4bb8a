// Quantized 2-d upsampling of uint8 NCHW planes, bit-identical to the js reference
// (runtime/backends/js/int8/upsample.ts): nearest gathers through the row / column tables; bilinear blends the
// four taps in f32 in ATen's order (each product and sum rounded to f32, no fused multiply-add) and requantizes
// at scale 1: y = clamp(zp + nearest(r − zp), 0, 255), f32.nearest being round half to even as nearbyintf.

/** y[p, r, c] = x[p, h0[r], w0[c]]; h0 (out_h i32) and w0 (out_w i32) index the input. */
export function qupsample_nearest_u8(
  x: usize, planes: i32, ih: i32, iw: i32, oh: i32, ow: i32, h0: usize, w0: usize, y: usize,
): void {
  let yp = y;
  const plane = <usize>ih * <usize>iw;
  for (let p = 0; p < planes; p++) {
    const xb = x + <usize>p * plane;
    for (let r = 0; r < oh; r++) {
      const row = xb + <usize>load<i32>(h0 + (<usize>r << 2)) * <usize>iw;
      for (let c = 0; c < ow; c++) store<u8>(yp + <usize>c, load<u8>(row + <usize>load<i32>(w0 + (<usize>c << 2))));
      yp += <usize>ow;
    }
  }
}

/** torch's bilinear blend: tables as the nearest ones plus the second taps (h1, w1) and f32 weights (lh*, lw*). */
export function qupsample_bilinear_u8(
  x: usize, planes: i32, ih: i32, iw: i32, oh: i32, ow: i32,
  h0: usize, h1: usize, lh0: usize, lh1: usize, w0: usize, w1: usize, lw0: usize, lw1: usize,
  zp: i32, y: usize,
): void {
  const fz = <f32>zp;
  let yp = y;
  const plane = <usize>ih * <usize>iw;
  for (let p = 0; p < planes; p++) {
    const xb = x + <usize>p * plane;
    for (let r = 0; r < oh; r++) {
      const ro = <usize>r << 2;
      const r0 = xb + <usize>load<i32>(h0 + ro) * <usize>iw;
      const r1 = xb + <usize>load<i32>(h1 + ro) * <usize>iw;
      const a0 = load<f32>(lh0 + ro);
      const a1 = load<f32>(lh1 + ro);
      for (let c = 0; c < ow; c++) {
        const co = <usize>c << 2;
        const c0 = <usize>load<i32>(w0 + co);
        const c1 = <usize>load<i32>(w1 + co);
        const b0 = load<f32>(lw0 + co);
        const b1 = load<f32>(lw1 + co);
        const top: f32 = b0 * <f32>load<u8>(r0 + c0) + b1 * <f32>load<u8>(r0 + c1);
        const bot: f32 = b0 * <f32>load<u8>(r1 + c0) + b1 * <f32>load<u8>(r1 + c1);
        const res: f32 = a0 * top + a1 * bot - fz;
        const v = zp + <i32>nearest<f32>(res);
        store<u8>(yp + <usize>c, <u8>(v < 0 ? 0 : v > 255 ? 255 : v));
      }
      yp += <usize>ow;
    }
  }
}
