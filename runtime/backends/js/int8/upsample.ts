/**
 * The reference int8 2-d upsampling (torch 1.13's quantized upsample_nearest2d / upsample_bilinear2d, NCHW path):
 * the output keeps the input's qparams; bilinear blends the four taps in float32 in ATen's order and requantizes
 * at scale 1 (quantize_val: zp + nearbyint(r)). The geometry is checked here for every backend.
 */
import type { Upsample2dGeometry } from '../../upsample_types.js';
import { rne } from './numerics.js';

const f32 = Math.fround;

function check_table(t: ArrayLike<number>, n: number, hi: number, what: string, op: string): void {
  if (t.length !== n) throw new Error(`${op}: ${what} has ${t.length} entries, expected ${n}`);
  for (let i = 0; i < n; i++)
    if (!(Number.isInteger(t[i]) && t[i] >= 0 && t[i] < hi))
      throw new Error(`${op}: ${what}[${i}] = ${t[i]} is outside 0..${hi - 1}`);
}

/** Checks sizes, tables (indices inside the input, bilinear's second tap within one step) and the buffers. */
export function check_upsample(x_len: number, g: Upsample2dGeometry, y: Uint8Array | undefined, op: string): number {
  const { planes, in_h, in_w, out_h, out_w } = g;
  for (const [k, v] of Object.entries({ planes, in_h, in_w, out_h, out_w }))
    if (!(Number.isInteger(v) && v >= 0)) throw new Error(`${op}: ${k} = ${v} must be a non-negative integer`);
  if (in_h < 1 || in_w < 1 || out_h < 1 || out_w < 1)
    throw new Error(`${op}: sizes ${in_h}×${in_w} → ${out_h}×${out_w} must be positive`);
  if (g.mode !== 'nearest' && g.mode !== 'bilinear')
    throw new Error(`${op}: mode '${String(g.mode)}' is not nearest or bilinear`);
  if (!(Number.isInteger(g.zero_point) && g.zero_point >= 0 && g.zero_point <= 255))
    throw new Error(`${op}: zero_point ${g.zero_point} must be in 0..255`);
  if (x_len !== planes * in_h * in_w)
    throw new Error(`${op}: x has ${x_len} elements, expected ${planes}·${in_h}·${in_w}`);
  const n = planes * out_h * out_w;
  if (y && y.length !== n) throw new Error(`${op}: output buffer has ${y.length} elements, expected ${n}`);
  check_table(g.h0, out_h, in_h, 'h0', op);
  check_table(g.w0, out_w, in_w, 'w0', op);
  if (g.mode === 'bilinear') {
    check_table(g.h1, out_h, in_h, 'h1', op);
    check_table(g.w1, out_w, in_w, 'w1', op);
    for (const [a, b, l0, l1, n_, w] of [
      [g.h0, g.h1, g.lh0, g.lh1, out_h, 'h'],
      [g.w0, g.w1, g.lw0, g.lw1, out_w, 'w'],
    ] as const) {
      if (l0.length !== n_ || l1.length !== n_) throw new Error(`${op}: l${w}0 / l${w}1 must have ${n_} entries`);
      for (let i = 0; i < n_; i++) {
        if (b[i] - a[i] !== 0 && b[i] - a[i] !== 1)
          throw new Error(`${op}: ${w}1[${i}] must be ${w}0[${i}] or one more`);
        if (!(Number.isFinite(l0[i]) && Number.isFinite(l1[i])))
          throw new Error(`${op}: l${w}0[${i}] / l${w}1[${i}] must be finite`);
      }
    }
  }
  return n;
}

/** See Int8Kernels.qupsample2d. */
export function qupsample2d(x: Uint8Array, g: Upsample2dGeometry, y?: Uint8Array): Uint8Array {
  const n = check_upsample(x.length, g, y, 'js.qupsample2d');
  const res = y ?? new Uint8Array(n);
  const { planes, in_h: ih, in_w: iw, out_h: oh, out_w: ow } = g;
  // ATen's special case: equal sizes copy, whatever the scale
  if (ih === oh && iw === ow) {
    res.set(x);
    return res;
  }
  const zp = g.zero_point;
  for (let p = 0; p < planes; p++) {
    const xb = p * ih * iw;
    const yb = p * oh * ow;
    for (let r = 0; r < oh; r++) {
      const r0 = xb + g.h0[r] * iw;
      const yr = yb + r * ow;
      if (g.mode === 'nearest') {
        for (let c = 0; c < ow; c++) res[yr + c] = x[r0 + g.w0[c]];
        continue;
      }
      const r1 = xb + g.h1[r] * iw;
      const h0 = g.lh0[r];
      const h1 = g.lh1[r];
      for (let c = 0; c < ow; c++) {
        const c0 = g.w0[c];
        const c1 = g.w1[c];
        const w0 = g.lw0[c];
        const w1 = g.lw1[c];
        const top = f32(f32(w0 * x[r0 + c0]) + f32(w1 * x[r0 + c1]));
        const bot = f32(f32(w0 * x[r1 + c0]) + f32(w1 * x[r1 + c1]));
        const v = zp + rne(f32(f32(f32(h0 * top) + f32(h1 * bot)) - zp));
        res[yr + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return res;
}
