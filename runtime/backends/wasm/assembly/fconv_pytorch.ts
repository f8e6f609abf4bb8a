// float32 conv2d rounding as PyTorch 1.13 on x86 AVX2 (oneDNN jit:avx2): the wasm form of the calibration
// kernel js/fp32/pytorch_x86.ts conv2d_pytorch_x86, bit-identical to it (tests/runtime/backends/
// conv_pytorch_x86_wasm.test.ts). Same order: per output row, acc = bias; for each block of 8 input channels:
// for ky, kx (padded taps skipped), for c in the block: acc = fma(x, w, acc) across the row. The fma is
// emulated in f64 as fma.ts's fma32, two outputs of the row at a time (f64x2); a lane whose f64 sum may be a
// float32 tie takes the exact scalar fix-up.
import { fma_tie } from './fma';

const IC_BLOCK: i32 = 8;

/** ceil(a / b) and floor(a / b) for b > 0 and any sign of a. */
@inline
function ceil_div(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}
@inline
function floor_div(a: i32, b: i32): i32 {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/** acc[ox] = fma(x[xr + ox·sw], wv, acc[ox]) for ox in [lo, hi): acc float32 values held in f64. */
@inline
function fma_run(acc: usize, x: usize, sw: i32, wv: f64, lo: i32, hi: i32): void {
  const w2 = f64x2.splat(wv);
  const two = f64x2.splat(2);
  let ox = lo;
  for (; ox + 2 <= hi; ox += 2) {
    const xa = x + (<usize>(ox * sw) << 2);
    let xv: v128;
    if (sw == 1) xv = f64x2.promote_low_f32x4(v128.load64_zero(xa));
    else
      xv = f64x2.replace_lane(
        f64x2.splat(<f64>load<f32>(xa)),
        1,
        <f64>load<f32>(xa + (<usize>sw << 2)),
      );
    const ap = acc + (<usize>ox << 3);
    const a = v128.load(ap);
    const p = f64x2.mul(xv, w2);
    const s = f64x2.add(p, a);
    const r = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(s));
    const t = f64x2.add(r, f64x2.mul(two, f64x2.sub(s, r)));
    // a lane may be a rounded tie when t is a float32 and r ≠ s (fma.ts fma32)
    const tie = v128.and(f64x2.eq(f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(t)), t), f64x2.ne(r, s));
    if (!v128.any_true(tie)) {
      v128.store(ap, r);
      continue;
    }
    for (let l = 0; l < 2; l++) {
      const al = ap + (<usize>l << 3);
      const av = load<f64>(al);
      const pv = <f64>load<f32>(xa + (<usize>(l * sw) << 2)) * wv;
      const sv = pv + av;
      const rv = <f32>sv;
      const tv = <f64>rv + 2 * (sv - <f64>rv);
      store<f64>(al, <f64><f32>tv != tv || <f64>rv == sv ? <f64>rv : <f64>fma_tie(pv, av, sv, rv));
    }
  }
  for (; ox < hi; ox++) {
    const al = acc + (<usize>ox << 3);
    const av = load<f64>(al);
    const pv = <f64>load<f32>(x + (<usize>(ox * sw) << 2)) * wv;
    const sv = pv + av;
    const rv = <f32>sv;
    const tv = <f64>rv + 2 * (sv - <f64>rv);
    store<f64>(al, <f64><f32>tv != tv || <f64>rv == sv ? <f64>rv : <f64>fma_tie(pv, av, sv, rv));
  }
}

/**
 * NCHW conv2d (+ bias) for the (image, output channel) units [u0, u1) (unit u = image u / co, channel u % co):
 * x [nb, ci, ih, iw], w [co, ci / groups, kh, kw], bias [co] or 0, y [nb, co, oh, ow], acc: ow f64 of
 * scratch. bias_last: start the chain at 0 and add the bias at the store (oneDNN's avx512 flat kernel).
 */
export function conv2d_pytorch_x86_f32(
  x: usize,
  ci: i32,
  ih: i32,
  iw: i32,
  co: i32,
  kh: i32,
  kw: i32,
  groups: i32,
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
  dh: i32,
  dw: i32,
  oh: i32,
  ow: i32,
  w: usize,
  bias: usize,
  bias_last: i32,
  y: usize,
  acc: usize,
  u0: i32,
  u1: i32,
): void {
  const cg = ci / groups;
  const og = co / groups;
  const plane = ih * iw;
  const block = min(cg, IC_BLOCK);
  for (let u = u0; u < u1; u++) {
    const n = u / co;
    const oc = u % co;
    const gi = oc / og;
    const wo = w + (<usize>(oc * cg * kh * kw) << 2);
    const xg = x + (<usize>((n * ci + gi * cg) * plane) << 2);
    const bv: f64 = bias ? <f64>load<f32>(bias + (<usize>oc << 2)) : 0;
    const b0: f64 = bias_last ? 0 : bv;
    for (let oy = 0; oy < oh; oy++) {
      const yo = y + (<usize>(((n * co + oc) * oh + oy) * ow) << 2);
      for (let ox = 0; ox < ow; ox++) store<f64>(acc + (<usize>ox << 3), b0);
      for (let c0 = 0; c0 < cg; c0 += block) {
        const c1 = min(cg, c0 + block);
        for (let ky = 0; ky < kh; ky++) {
          const yy = oy * sh - ph + ky * dh;
          if (yy < 0 || yy >= ih) continue;
          for (let kx = 0; kx < kw; kx++) {
            const shift = kx * dw - pw;
            const lo = max(0, ceil_div(-shift, sw));
            const hi = min(ow, floor_div(iw - 1 - shift, sw) + 1);
            if (hi <= lo) continue;
            for (let c = c0; c < c1; c++) {
              const wv = <f64>load<f32>(wo + (<usize>((c * kh + ky) * kw + kx) << 2));
              const xr = xg + (<usize>(c * plane + yy * iw + shift) << 2);
              fma_run(acc, xr, sw, wv, lo, hi);
            }
          }
        }
      }
      if (bias_last && bias)
        for (let ox = 0; ox < ow; ox++)
          store<f32>(yo + (<usize>ox << 2), <f32>(load<f64>(acc + (<usize>ox << 3)) + bv));
      else for (let ox = 0; ox < ow; ox++) store<f32>(yo + (<usize>ox << 2), <f32>load<f64>(acc + (<usize>ox << 3)));
    }
  }
}
