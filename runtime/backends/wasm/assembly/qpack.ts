// Widening of uint8 activations to the int16 rows qgemm reads: (x - zero_point) as int16, zero-padded to kp.
// Done once per call (Linear) or per image and group (conv: NHWC plane, then im2col rows), never inside
// the GEMM loop.

/** x: [M][K] uint8 -> out: [M][kp] int16 of x - zp, zeros in k >= K. */
export function widen_rows_u8(x: usize, M: i32, K: i32, zp: i32, out: usize, kp: i32): void {
  const vzp = i16x8.splat(<i16>zp);
  for (let m = 0; m < M; m++) {
    const src = x + <usize>m * <usize>K;
    const dst = out + ((<usize>m * <usize>kp) << 1);
    let k = 0;
    for (; k + 8 <= K; k += 8) v128.store(dst + (<usize>k << 1), i16x8.sub(v128.load8x8_u(src + <usize>k), vzp));
    for (; k < K; k++) store<i16>(dst + (<usize>k << 1), <i16>(<i32>load<u8>(src + <usize>k) - zp));
    for (; k < kp; k++) store<i16>(dst + (<usize>k << 1), 0);
  }
}

/**
 * One group of one image as a zero-padded NHWC int16 plane: out[(h*Wp + w)*cg + c] = x[c0+c][h-ph][w-pw] - zp,
 * 0 in the border (which reads as the input zero point). `bytes` (>= Hp*Wp*cg*2 + 16) is cleared first.
 */
export function nhwc_pad_q16(
  x: usize, H: i32, W: i32, c0: i32, cg: i32, ph: i32, pw: i32, Wp: i32, zp: i32, out: usize, bytes: i32, r0: i32, r1: i32,
): void {
  // padded rows [r0, r1) only (the range that ends at the last row also clears the tail through `bytes`):
  // threads fill disjoint rows of one plane
  const rowb = <usize>Wp * <usize>cg << 1;
  const end = r1 >= H + 2 * ph ? <usize>bytes : <usize>r1 * rowb;
  memory.fill(out + <usize>r0 * rowb, 0, end - <usize>r0 * rowb);
  const plane = <usize>H * <usize>W;
  const cstride = <usize>cg << 1;
  const h0 = max(0, r0 - ph);
  const h1 = min(H, r1 - ph);
  for (let c = 0; c < cg; c++) {
    const src = x + <usize>(c0 + c) * plane;
    for (let h = h0; h < h1; h++) {
      const s = src + <usize>h * <usize>W;
      let d = out + ((<usize>(h + ph) * <usize>Wp + <usize>pw) * <usize>cg + <usize>c) * 2;
      for (let w = 0; w < W; w++) {
        store<i16>(d, <i16>(<i32>load<u8>(s + <usize>w) - zp));
        d += cstride;
      }
    }
  }
}

/**
 * im2col rows from the padded NHWC plane: out[p] = concat over (r, s) of the cg channel values under tap
 * (r, s) of output pixel p, i.e. k ordered (r, s, c) (weights are permuted to match), zero-padded to kp;
 * rows P..P4-1 zeroed. Each segment is copied in 16-byte chunks that may run past it: the next segment
 * (or the zero tail, or the next row) overwrites the excess, so `out` needs 16 bytes of slack.
 */
export function im2col_rows_q16(
  pad: usize, Wp: i32, cg: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, OH: i32, OW: i32, out: usize,
  kp: i32, p0: i32, p1: i32,
): void {
  // rows of pixels [p0, p1) only: threads fill disjoint rows. In a range's last row, a segment whose 16-byte chunks
  // would run past the row copies exactly (the next range's first row is another thread's).
  const row = <usize>kp << 1;
  const seg = <usize>cg << 1;
  const kbytes = seg * <usize>(kh * kw);
  const P = OH * OW;
  const chunked = (seg + 15) & ~15;
  let dst = out + <usize>p0 * row;
  for (let p = p0; p < p1; p++) {
    const oh = p / OW;
    const ow = p - oh * OW;
    const edge = p == p1 - 1 && p1 < P;
    let t = dst;
    for (let r = 0; r < kh; r++) {
      const base = pad + (<usize>(oh * sh + r * dh) * <usize>Wp + <usize>(ow * sw)) * seg;
      for (let s = 0; s < kw; s++) {
        const src = base + <usize>(s * dw) * seg;
        if (edge && t - dst + chunked > row) memory.copy(t, src, seg);
        else for (let o: usize = 0; o < seg; o += 16) v128.store(t + o, v128.load(src + o));
        t += seg;
      }
    }
    for (let z = kbytes; z < row; z += 2) store<i16>(dst + z, 0);
    dst += row;
  }
  if (p1 == P) memory.fill(dst, 0, <usize>(((P + 3) & ~3) - P) * row + 16);
}
