// Direct fp32 depthwise convolution (groups == in_channels): no im2col. Each input channel is first copied
// into a zero-padded scratch plane wide enough that vector loads never need bounds checks. Outputs are
// computed 16 consecutive pixels (4 vectors) at a time, so each tap's weight is splatted once per 16
// outputs. (The int8 depthwise is assembly/depthwise_pairs.ts.)

/** Padded plane width for a row of OW outputs computed 4 at a time. */
@inline
function padded_width(W: i32, pw: i32, kw: i32, sw: i32, dw: i32, OW: i32): i32 {
  return max(W + 2 * pw, ((OW + 15) & ~15) * sw + (kw - 1) * dw + 1);
}

/** Loads 4 lanes from p with an element stride of sw (contiguous when sw == 1). */
@inline
function load4(p: usize, sw: i32): v128 {
  if (sw == 1) return v128.load(p);
  const st = <usize>sw << 2;
  let v = v128.load32_zero(p);
  v = i32x4.replace_lane(v, 1, load<i32>(p + st));
  v = i32x4.replace_lane(v, 2, load<i32>(p + 2 * st));
  return i32x4.replace_lane(v, 3, load<i32>(p + 3 * st));
}

/** Copies one float channel into the zero-padded plane at dst. */
function fill_plane(src: usize, H: i32, W: i32, ph: i32, pw: i32, PH: i32, PW: i32, dst: usize): void {
  memory.fill(dst, 0, <usize>PH * <usize>PW << 2);
  for (let h = 0; h < H; h++) {
    const d = dst + ((<usize>(h + ph) * <usize>PW + <usize>pw) << 2);
    memory.copy(d, src + ((<usize>h * <usize>W) << 2), <usize>W << 2);
  }
}

/** Scratch bytes depthwise needs for one padded plane. */
export function depthwise_scratch_bytes(H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, OH: i32, OW: i32): i32 {
  const PH = max(H + 2 * ph, (OH - 1) * sh + (kh - 1) * dh + 1);
  return PH * padded_width(W, pw, kw, sw, dw, OW) * 4;
}

/** Float depthwise conv for one image: x [C][H][W] f32, w [OC][kh*kw] f32, bias [OC] f32 or 0; y [OC][OH][OW]. */
export function depthwise_f32(
  x: usize, C: i32, H: i32, W: i32, OC: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  dh: i32, dw: i32, OH: i32, OW: i32, w: usize, bias: usize, y: usize, scratch: usize,
): void {
  const PH = max(H + 2 * ph, (OH - 1) * sh + (kh - 1) * dh + 1);
  const PW = padded_width(W, pw, kw, sw, dw, OW);
  const per = OC / C;
  const K = kh * kw;
  for (let c = 0; c < C; c++) {
    fill_plane(x + (<usize>c * <usize>(H * W) << 2), H, W, ph, pw, PH, PW, scratch);
    for (let o = 0; o < per; o++) {
      const oc = c * per + o;
      const wrow = w + (<usize>(oc * K) << 2);
      const vb = f32x4.splat(bias != 0 ? load<f32>(bias + (<usize>oc << 2)) : 0);
      const yp = y + (<usize>oc * <usize>(OH * OW) << 2);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow += 16) {
          let a0 = vb, a1 = vb, a2 = vb, a3 = vb;
          for (let r = 0; r < kh; r++) {
            const prow = scratch + ((<usize>(oh * sh + r * dh) * <usize>PW + <usize>(ow * sw)) << 2);
            for (let s = 0; s < kw; s++) {
              const wv = f32x4.splat(load<f32>(wrow + (<usize>(r * kw + s) << 2)));
              const p = prow + (<usize>(s * dw) << 2);
              const st = <usize>(sw << 4);
              a0 = f32x4.add(a0, f32x4.mul(load4(p, sw), wv));
              a1 = f32x4.add(a1, f32x4.mul(load4(p + st, sw), wv));
              a2 = f32x4.add(a2, f32x4.mul(load4(p + 2 * st, sw), wv));
              a3 = f32x4.add(a3, f32x4.mul(load4(p + 3 * st, sw), wv));
            }
          }
          const dst = yp + (<usize>(oh * OW + ow) << 2);
          const left = OW - ow;
          store_f32(dst, a0, min(4, left));
          if (left > 4) store_f32(dst + 16, a1, min(4, left - 4));
          if (left > 8) store_f32(dst + 32, a2, min(4, left - 8));
          if (left > 12) store_f32(dst + 48, a3, min(4, left - 12));
        }
      }
    }
  }
}

/** Stores n (1..4) f32 lanes. */
@inline
function store_f32(dst: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(dst, v);
  } else {
    store<f32>(dst, f32x4.extract_lane(v, 0));
    if (n > 1) store<f32>(dst, f32x4.extract_lane(v, 1), 4);
    if (n > 2) store<f32>(dst, f32x4.extract_lane(v, 2), 8);
  }
}
