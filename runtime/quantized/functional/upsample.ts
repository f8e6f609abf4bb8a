/**
 * Quantized F.interpolate on quint8 [N, C, H, W] (torch.ao.nn.quantized.functional.interpolate; what F.interpolate
 * runs on a quantized tensor): 'nearest' and 'bilinear' (align_corners either way), from `size` or `scale_factor`,
 * keeping the input's qparams, as torch 1.13's quantized upsample_nearest2d / upsample_bilinear2d. The per-axis
 * source tables use ATen's float32 index arithmetic (UpSample.h):
 * - scale: align_corners ? f32(in − 1) / (out − 1) (0 for out 1) : scale_factor given ? f32(1 / scale_factor) : f32(in / out);
 * - nearest: src = min(floorf(f32(dst · scale)), in − 1);
 * - bilinear: src = align_corners ? f32(scale · dst) : f32(scale · (dst + 0.5) − 0.5) (one rounding, the sum is in
 *   double), clamped at 0; i0 = ⌊src⌋, i1 = i0 + (i0 < in − 1), λ1 = f32(src − i0), λ0 = f32(1 − λ1).
 */
import { get_backend } from '../../backends/registry.js';
import type { Upsample2dGeometry } from '../../backends/types.js';
import { define_function } from '../../tensor/dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';
import { as_qinput, describe, make_qtensor } from '../qtensor.js';

const f32 = Math.fround;

/** Options of the quantized interpolate (F.interpolate's). */
export interface QInterpolateOptions {
  size?: number | number[] | null;
  scale_factor?: number | number[] | null;
  mode?: 'nearest' | 'bilinear';
  align_corners?: boolean | null;
}

/** F.interpolate's checks (float and quantized): align_corners only when interpolating, one of size / scale_factor. */
export function check_size_options(op: string, mode: string, options: QInterpolateOptions) {
  const align = options.align_corners ?? null;
  if (mode === 'nearest' && align !== null)
    throw new Error(`${op}: align_corners option can only be set with the interpolating modes: linear | bilinear`);
  const { size = null, scale_factor = null } = options;
  if ((size === null) === (scale_factor === null))
    throw new Error(`${op}: exactly one of size or scale_factor must be given`);
  return { align, size, scale_factor };
}

interface AxisTable {
  i0: Int32Array;
  i1: Int32Array;
  l0: Float32Array;
  l1: Float32Array;
}

/** One axis's source taps, as ATen computes them (see the file comment). */
export function upsample_axis(
  inp: number,
  out: number,
  mode: 'nearest' | 'bilinear',
  scale_factor: number | null,
  align_corners: boolean,
): AxisTable {
  const t: AxisTable = {
    i0: new Int32Array(out),
    i1: new Int32Array(out),
    l0: new Float32Array(out),
    l1: new Float32Array(out),
  };
  const plain = scale_factor !== null && scale_factor > 0 ? f32(1 / scale_factor) : f32(inp / out);
  const scale = mode === 'bilinear' && align_corners ? (out > 1 ? f32((inp - 1) / (out - 1)) : 0) : plain;
  for (let o = 0; o < out; o++) {
    if (mode === 'nearest') {
      const i = Math.min(Math.floor(f32(o * scale)), inp - 1);
      t.i0[o] = i;
      t.i1[o] = i;
      t.l0[o] = 1;
      continue;
    }
    const raw = align_corners ? f32(scale * o) : f32(scale * (o + 0.5) - 0.5);
    const src = raw < 0 ? 0 : raw;
    const i0 = Math.trunc(src);
    t.i0[o] = i0;
    t.i1[o] = i0 + (i0 < inp - 1 ? 1 : 0);
    t.l1[o] = f32(src - i0);
    t.l0[o] = f32(1 - t.l1[o]);
  }
  return t;
}

function two(v: number | number[], op: string, what: string): [number, number] {
  const l = typeof v === 'number' ? [v, v] : [...v];
  if (l.length !== 2 || !l.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0))
    throw new Error(`${op}: ${what} must be a positive number or two of them for a 4-d input, got ${String(v)}`);
  return [l[0], l[1]];
}

function interpolate_impl(x: Tensor, options: QInterpolateOptions = {}): Tensor {
  const op = 'quantized.interpolate';
  const q = as_qinput(x, op);
  if (x.ndim !== 4) throw new Error(`${op}: expected a quantized [N, C, H, W] input, got ${describe(x)}`);
  const mode = options.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear')
    throw new Error(`${op}: mode '${String(mode)}' is not implemented for quantized tensors (nearest, bilinear)`);
  const { align, size, scale_factor } = check_size_options(op, mode, options);
  const [n, c, ih, iw] = x.shape;
  const sf = scale_factor === null ? null : two(scale_factor, op, 'scale_factor');
  const [oh, ow] =
    size !== null
      ? two(size, op, 'size')
      : [Math.floor(ih * (sf as number[])[0]), Math.floor(iw * (sf as number[])[1])];
  if (![oh, ow].every((s) => Number.isInteger(s) && s > 0))
    throw new Error(`${op}: output size [${oh}, ${ow}] must be positive integers (input ${describe(x)})`);
  const rows = upsample_axis(ih, oh, mode, sf ? sf[0] : null, align ?? false);
  const cols = upsample_axis(iw, ow, mode, sf ? sf[1] : null, align ?? false);
  const g: Upsample2dGeometry = {
    planes: n * c,
    in_h: ih,
    in_w: iw,
    out_h: oh,
    out_w: ow,
    mode,
    h0: rows.i0,
    h1: rows.i1,
    lh0: rows.l0,
    lh1: rows.l1,
    w0: cols.i0,
    w1: cols.i1,
    lw0: cols.l0,
    lw1: cols.l1,
    zero_point: q.zero_point,
  };
  const y = get_backend().int8.qupsample2d(q.data, g);
  return make_qtensor(y, [n, c, oh, ow], 'quint8', q.scale, q.zero_point);
}

/**
 * torch.ao.nn.quantized.functional.interpolate(x, {size | scale_factor, mode, align_corners}): the output keeps
 * x's qparams. F.interpolate calls it for a quantized input.
 */
export const interpolate = define_function('quantized.interpolate', interpolate_impl);
