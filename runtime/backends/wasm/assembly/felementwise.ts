// Float32 elementwise kernels of inference (ReLU, eval-mode batch norm, max pool), bit-identical to the
// JS loops they replace (runtime/tensor/ops/activation.ts, runtime/nn/functional/normalization.ts and
// pooling.ts): those loops define the numerics, these only run them four lanes at a time.

/** y = max(x, 0) over n floats: NaN stays NaN, −0 and −inf become +0 (as the JS `v·[v > 0] + 0`). */
export function relu_f32(x: usize, n: i32, y: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    // wasm's f32x4.max propagates NaN and orders −0 below +0, so max(v, +0) is the JS result
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
    v128.store(y + o + 16, f32x4.max(v128.load(x + o + 16), zero));
    v128.store(y + o + 32, f32x4.max(v128.load(x + o + 32), zero));
    v128.store(y + o + 48, f32x4.max(v128.load(x + o + 48), zero));
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v != v ? v : v > 0 ? v : 0);
  }
}

/**
 * y = min(max(x, lo), hi) over n floats, as the JS `Math.min(Math.max(v, lo), hi)`: wasm's f32x4.max / min
 * propagate NaN and order −0 below +0 exactly as Math.max / Math.min do (lo, hi: float32 values, ±inf allowed).
 */
export function clamp_f32(x: usize, n: i32, lo: f32, hi: f32, y: usize): void {
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.min(f32x4.max(v128.load(x + o), vlo), vhi));
    v128.store(y + o + 16, f32x4.min(f32x4.max(v128.load(x + o + 16), vlo), vhi));
    v128.store(y + o + 32, f32x4.min(f32x4.max(v128.load(x + o + 32), vlo), vhi));
    v128.store(y + o + 48, f32x4.min(f32x4.max(v128.load(x + o + 48), vlo), vhi));
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.min(f32x4.max(v128.load(x + o), vlo), vhi));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, f32x4.extract_lane(f32x4.min(f32x4.max(f32x4.splat(load<f32>(x + o)), vlo), vhi), 0));
  }
}

/**
 * Eval-mode batch norm: y = f32(f64(x)·scale[c] + shift[c]) for `planes` planes of `plane_size` floats,
 * plane p on channel p % channels. scale/shift are the JS's float64 per-channel values and the product and
 * sum stay separate float64 operations (no fused multiply-add), so the one rounding to float32 at the end
 * is the JS Float32Array store's.
 */
export function batch_norm_affine_f32(
  x: usize, planes: i32, plane_size: i32, channels: i32, scale: usize, shift: usize, y: usize,
): void {
  for (let p = 0; p < planes; p++) {
    const ch = <usize>(p % channels) << 3;
    const sc = load<f64>(scale + ch);
    const sh = load<f64>(shift + ch);
    const vsc = f64x2.splat(sc);
    const vsh = f64x2.splat(sh);
    const base = <usize>p * <usize>plane_size << 2;
    const xp = x + base;
    const yp = y + base;
    let i = 0;
    for (; i + 4 <= plane_size; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(xp + o);
      const lo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), vsc), vsh);
      const hi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 1)), vsc), vsh);
      // two demoted pairs in the low halves: joined as the low and high 64 bits
      v128.store(yp + o, i64x2.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2));
    }
    for (; i < plane_size; i++) {
      const o = <usize>i << 2;
      store<f32>(yp + o, <f32>(<f64>load<f32>(xp + o) * sc + sh));
    }
  }
}

/** best' = v where v > best or v is NaN (torch's CPU rule; ties keep the earlier value, so −0/+0 order matters). */
@inline
function take4(best: v128, v: v128): v128 {
  return v128.bitselect(v, best, v128.or(f32x4.gt(v, best), f32x4.ne(v, v)));
}

/**
 * Float max pool over `planes` NCHW planes: each output is the first-wins maximum of its window in row-major
 * order, out-of-input taps skipped (never padding values), a NaN always wins; −inf for an empty window.
 * The 2×2/2 unpadded case with every window inside the input runs four outputs per step.
 */
export function max_pool2d_f32(
  x: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, y: usize,
): void {
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1 && 2 * OH <= H && 2 * OW <= W) {
    max_pool_2x2(x, planes, H, W, OH, OW, y);
    return;
  }
  // four outputs a step where every tap of the four windows is inside the row and the loads stay in it: lane l
  // of the step at ox reads ix = (ox + l)·sw − pw + j·dw, one load of 4 (sw 1) or two of 8 split even/odd (sw 2)
  const span = sw == 1 ? 4 : sw == 2 ? 8 : 0;
  const last = span ? W - span - (kw - 1) * dw + pw : -1;
  // steps start at ox in [v0, v_end] with ox + 4 ≤ OW; vs: where they start (OW: none)
  const v0 = (pw + sw - 1) / sw;
  const v_end = last >= 0 ? min(last / sw, OW - 4) : -1;
  const vs = v0 <= v_end ? v0 : OW;
  let yo = y;
  for (let p = 0; p < planes; p++) {
    const base = x + (<usize>p * <usize>H * <usize>W << 2);
    for (let oy = 0; oy < OH; oy++) {
      let ox = 0;
      for (; ox < vs; ox++) {
        store<f32>(yo, pool_one(base, H, W, kh, kw, oy * sh - ph, ox * sw - pw, dh, dw));
        yo += 4;
      }
      for (; ox <= v_end; ox += 4) {
        let best = f32x4.splat(-Infinity);
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh - ph + i * dh;
          if (iy < 0 || iy >= H) continue;
          const row = base + (<usize>(iy * W) << 2);
          for (let j = 0; j < kw; j++) {
            const at = row + (<usize>(ox * sw - pw + j * dw) << 2);
            const a = v128.load(at);
            best = take4(best, sw == 1 ? a : i32x4.shuffle(a, v128.load(at + 16), 0, 2, 4, 6));
          }
        }
        v128.store(yo, best);
        yo += 16;
      }
      for (; ox < OW; ox++) {
        store<f32>(yo, pool_one(base, H, W, kh, kw, oy * sh - ph, ox * sw - pw, dh, dw));
        yo += 4;
      }
    }
  }
}

/** One output of a max pool: the window whose top-left tap is (iy0, ix0) in the plane at base (scalar rule). */
@inline
function pool_one(base: usize, H: i32, W: i32, kh: i32, kw: i32, iy0: i32, ix0: i32, dh: i32, dw: i32): f32 {
  let best = -Infinity as f32;
  for (let i = 0; i < kh; i++) {
    const iy = iy0 + i * dh;
    if (iy < 0 || iy >= H) continue;
    const row = base + (<usize>(iy * W) << 2);
    for (let j = 0; j < kw; j++) {
      const ix = ix0 + j * dw;
      if (ix < 0 || ix >= W) continue;
      const v = load<f32>(row + (<usize>ix << 2));
      if (v > best || v != v) {
        best = v;
        if (v != v) break;
      }
    }
  }
  return best;
}

function max_pool_2x2(x: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32, y: usize): void {
  let yo = y;
  for (let p = 0; p < planes; p++) {
    const base = x + (<usize>p * <usize>H * <usize>W << 2);
    for (let oy = 0; oy < OH; oy++) {
      const r0 = base + (<usize>(2 * oy * W) << 2);
      const r1 = r0 + (<usize>W << 2);
      let ox = 0;
      // 8 input floats of each row give 4 outputs; ox + 4 ≤ OW keeps the reads inside the row (2·OW ≤ W)
      for (; ox + 4 <= OW; ox += 4) {
        const o = <usize>ox << 3;
        const a0 = v128.load(r0 + o);
        const a1 = v128.load(r0 + o + 16);
        const b0 = v128.load(r1 + o);
        const b1 = v128.load(r1 + o + 16);
        let best = i32x4.shuffle(a0, a1, 0, 2, 4, 6);
        best = take4(best, i32x4.shuffle(a0, a1, 1, 3, 5, 7));
        best = take4(best, i32x4.shuffle(b0, b1, 0, 2, 4, 6));
        best = take4(best, i32x4.shuffle(b0, b1, 1, 3, 5, 7));
        v128.store(yo, best);
        yo += 16;
      }
      for (; ox < OW; ox++) {
        const o = <usize>ox << 3;
        let best = load<f32>(r0 + o);
        let v = load<f32>(r0 + o + 4);
        if (v > best || v != v) best = v;
        v = load<f32>(r1 + o);
        if (v > best || v != v) best = v;
        v = load<f32>(r1 + o + 4);
        if (v > best || v != v) best = v;
        store<f32>(yo, best);
        yo += 4;
      }
    }
  }
}
