/**
 * F.interpolate / F.upsample on [N, C, H, W] (and [N, C, L] for 'nearest'): 'nearest' and 'bilinear'
 * (align_corners false or true), from `size` or `scale_factor`, with torch's index arithmetic:
 * - output size: `size`, or floor(in · scale_factor);
 * - the source scale: align_corners ? (in − 1)/(out − 1) : (scale_factor given ? 1/scale_factor : in/out), in float32;
 * - nearest: src = min(floor(dst · scale), in − 1);
 * - bilinear: src = align_corners ? scale·dst : max(f32(scale·(dst + 0.5) − 0.5), 0) (rounded once, as ATen); i0 = floor(src),
 *   i1 = i0 + (i0 < in − 1), λ1 = src − i0, λ0 = 1 − λ1, and y = λ0h(λ0w·x00 + λ1w·x01) + λ1h(λ0w·x10 + λ1w·x11).
 * Backward scatters the gradient along the same taps.
 */
import { record_grad } from '../../autograd/function.js';
import * as qupsample from '../../quantized/functional/upsample.js';
import { check_size_options, upsample_axis } from '../../quantized/functional/upsample.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float, fmt } from './_util.js';

/** Options of F.interpolate (torch's keyword arguments; the quantized op takes the same). */
export type InterpolateOptions = qupsample.QInterpolateOptions;

const f32 = Math.fround;

/** One spatial axis: for each output index, two source indices and their weights (nearest: one tap of weight 1). */
type Axis = ReturnType<typeof upsample_axis>;

const nearest_axis = (inp: number, out: number, scale_factor: number | null): Axis =>
  upsample_axis(inp, out, 'nearest', scale_factor, false);

function as_list(v: number | number[], n: number, op: string, what: string): number[] {
  const l = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (l.length !== n) throw new Error(`${op}: ${what} must have ${n} entries for this input, got [${l.join(', ')}]`);
  return l;
}

function interpolate_impl(input: Tensor, options: InterpolateOptions = {}): Tensor {
  const op = 'F.interpolate';
  // a quantized input runs torch's quantized upsample kernels (qparams kept), as torch dispatches it
  if (input instanceof Tensor && input.is_quantized) return qupsample.interpolate(input, options);
  check_float(input, op);
  const mode = options.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear')
    throw new Error(`${op}: mode '${String(mode)}' is not implemented (nearest, bilinear)`);
  const spatial = input.ndim - 2;
  if (mode === 'bilinear' && spatial !== 2)
    throw new Error(`${op}: bilinear needs a 4-d input, got ${fmt(input.shape)}`);
  if (spatial !== 1 && spatial !== 2) throw new Error(`${op}: expected a 3-d or 4-d input, got ${fmt(input.shape)}`);
  const { align, size, scale_factor } = check_size_options(op, mode, options);
  const in_sz = input.shape.slice(2);
  const scales = scale_factor === null ? null : as_list(scale_factor, spatial, op, 'scale_factor');
  const out_sz =
    size !== null ? as_list(size, spatial, op, 'size') : in_sz.map((s, i) => Math.floor(s * (scales as number[])[i]));
  if (out_sz.some((s) => !Number.isInteger(s) || s <= 0))
    throw new Error(`${op}: output size ${fmt(out_sz)} must be positive integers (input ${fmt(input.shape)})`);
  // the source taps as ATen computes them, shared with the int8 kernel (quantized/functional/upsample.ts)
  const axis = (i: number): Axis => upsample_axis(in_sz[i], out_sz[i], mode, scales ? scales[i] : null, align ?? false);
  // a 1-d input is a 2-d one with H = 1
  const [ih, iw] = spatial === 2 ? in_sz : [1, in_sz[0]];
  const [oh, ow] = spatial === 2 ? out_sz : [1, out_sz[0]];
  const ay = spatial === 2 ? axis(0) : nearest_axis(1, 1, null);
  const ax = axis(spatial - 1);
  const planes = input.shape[0] * input.shape[1];
  const x = input.data;
  const y = new Float32Array(planes * oh * ow);
  for (let p = 0; p < planes; p++) {
    const xb = p * ih * iw;
    const yb = p * oh * ow;
    for (let r = 0; r < oh; r++) {
      const r0 = xb + ay.i0[r] * iw;
      const r1 = xb + ay.i1[r] * iw;
      const h0 = ay.l0[r];
      const h1 = ay.l1[r];
      for (let c = 0; c < ow; c++) {
        if (mode === 'nearest') {
          y[yb + r * ow + c] = x[r0 + ax.i0[c]];
          continue;
        }
        const w0 = ax.l0[c];
        const w1 = ax.l1[c];
        const top = f32(f32(w0 * x[r0 + ax.i0[c]]) + f32(w1 * x[r0 + ax.i1[c]]));
        const bot = f32(f32(w0 * x[r1 + ax.i0[c]]) + f32(w1 * x[r1 + ax.i1[c]]));
        y[yb + r * ow + c] = f32(f32(h0 * top) + f32(h1 * bot));
      }
    }
  }
  const out = new Tensor(y, [...input.shape.slice(0, 2), ...out_sz], 'float32');
  return record_grad(out, [input], mode === 'nearest' ? 'UpsampleNearestBackward' : 'UpsampleBilinearBackward', (g) => {
    const gd = g.data;
    const gx = new Float64Array(x.length);
    for (let p = 0; p < planes; p++) {
      const xb = p * ih * iw;
      const yb = p * oh * ow;
      for (let r = 0; r < oh; r++) {
        for (let c = 0; c < ow; c++) {
          const v = gd[yb + r * ow + c];
          if (mode === 'nearest') {
            gx[xb + ay.i0[r] * iw + ax.i0[c]] += v;
            continue;
          }
          gx[xb + ay.i0[r] * iw + ax.i0[c]] += v * ay.l0[r] * ax.l0[c];
          gx[xb + ay.i0[r] * iw + ax.i1[c]] += v * ay.l0[r] * ax.l1[c];
          gx[xb + ay.i1[r] * iw + ax.i0[c]] += v * ay.l1[r] * ax.l0[c];
          gx[xb + ay.i1[r] * iw + ax.i1[c]] += v * ay.l1[r] * ax.l1[c];
        }
      }
    }
    return [new Tensor(Float32Array.from(gx), input.shape, 'float32')];
  });
}

/** F.interpolate(input, {size | scale_factor, mode='nearest' | 'bilinear', align_corners}). */
export const interpolate = define_function('F.interpolate', interpolate_impl);
