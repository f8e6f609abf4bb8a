// Register-only loops that estimate the machine's SIMD peak for the benchmark: 8 independent accumulator
// chains so latency is hidden and only issue throughput counts. The seed keeps the optimizer from folding.

/** iters x 8 i32x4.dot_i16x8_s (+ add): 64 int16 MACs per iteration. */
export function peak_dot_i16(iters: i32, seed: i32): i32 {
  const b = i16x8.splat(<i16>(seed | 1));
  let x0 = i16x8.splat(<i16>seed), x1 = i16x8.splat(<i16>(seed + 1)), x2 = i16x8.splat(<i16>(seed + 2)), x3 = i16x8.splat(<i16>(seed + 3));
  let c0 = i32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  for (let t = 0; t < iters; t++) {
    c0 = i32x4.add(c0, i32x4.dot_i16x8_s(x0, b)); c1 = i32x4.add(c1, i32x4.dot_i16x8_s(x1, b));
    c2 = i32x4.add(c2, i32x4.dot_i16x8_s(x2, b)); c3 = i32x4.add(c3, i32x4.dot_i16x8_s(x3, b));
    c4 = i32x4.add(c4, i32x4.dot_i16x8_s(x0, x1)); c5 = i32x4.add(c5, i32x4.dot_i16x8_s(x1, x2));
    c6 = i32x4.add(c6, i32x4.dot_i16x8_s(x2, x3)); c7 = i32x4.add(c7, i32x4.dot_i16x8_s(x3, x0));
  }
  const s = i32x4.add(i32x4.add(i32x4.add(c0, c1), i32x4.add(c2, c3)), i32x4.add(i32x4.add(c4, c5), i32x4.add(c6, c7)));
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 3);
}

/** iters x 8 f32x4 mul+add (madd in the relaxed build): 32 f32 MACs per iteration. */
export function peak_f32(iters: i32, seed: f32): f32 {
  const b = f32x4.splat(seed * 0.5);
  const x0 = f32x4.splat(seed), x1 = f32x4.splat(seed + 1);
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  for (let t = 0; t < iters; t++) {
    c0 = f32x4.add(c0, f32x4.mul(x0, b)); c1 = f32x4.add(c1, f32x4.mul(x1, b));
    c2 = f32x4.add(c2, f32x4.mul(x0, x1)); c3 = f32x4.add(c3, f32x4.mul(x1, x1));
    c4 = f32x4.add(c4, f32x4.mul(x0, x0)); c5 = f32x4.add(c5, f32x4.mul(b, b));
    c6 = f32x4.add(c6, f32x4.mul(b, x1)); c7 = f32x4.add(c7, f32x4.mul(b, x0));
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  return f32x4.extract_lane(s, 0);
}
