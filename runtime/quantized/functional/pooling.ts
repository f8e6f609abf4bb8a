/**
 * Quantized pooling on quint8 NCHW tensors, with torch's (qnnpack engine) rounding:
 * max_pool2d keeps the qparams; avg_pool2d and divisible adaptive_avg_pool2d use qnnpack's
 * fixed-point average (padding reads as the zero point, divisor = full kernel, halves away from zero);
 * ceil_mode avg_pool2d and non-divisible adaptive pools use ATen's generic kernels.
 */
import { rne } from '../../backends/js/int8/numerics.js';
import { qnnpack_avg_params } from '../../backends/js/int8/pool_add.js';
import { get_backend } from '../../backends/registry.js';
import type { Pool2dGeometry } from '../../backends/types.js';
import { define_function } from '../../tensor/dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';
import { check_quint8, describe, make_qtensor, type QParams } from '../qtensor.js';

const fround = Math.fround;

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** torch's pooling_output_shape: with ceil_mode the last window must start inside the input or left padding. */
export function pool_out_size(
  inp: number,
  k: number,
  pad: number,
  stride: number,
  dil: number,
  ceil_mode: boolean,
): number {
  const span = inp + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= inp + pad) out--;
  return out;
}

function geometry(
  op: string,
  x: Tensor,
  kernel_size: Pair,
  stride: Pair | null | undefined,
  padding: Pair,
  dilation: Pair,
  ceil_mode: boolean,
) {
  if (x.ndim !== 4) throw new Error(`${op}: expected an NCHW input, got ${describe(x)}`);
  const [kh, kw] = pair(kernel_size);
  const [sh, sw] =
    stride === undefined || stride === null || (Array.isArray(stride) && (stride as number[]).length === 0)
      ? [kh, kw]
      : pair(stride);
  const [ph, pw] = pair(padding);
  const [dh, dw] = pair(dilation);
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1)
    throw new Error(`${op}: kernel ${kh}×${kw}, stride ${sh}×${sw}, dilation ${dh}×${dw} must be positive`);
  if (ph < 0 || pw < 0 || ph > Math.floor(kh / 2) || pw > Math.floor(kw / 2)) {
    throw new Error(`${op}: padding [${ph}, ${pw}] must be between 0 and half the kernel [${kh}, ${kw}]`);
  }
  const [nb, c, ih, iw] = x.shape;
  const oh = pool_out_size(ih, kh, ph, sh, dh, ceil_mode);
  const ow = pool_out_size(iw, kw, pw, sw, dw, ceil_mode);
  if (oh < 1 || ow < 1)
    throw new Error(`${op}: input ${describe(x)} is too small for kernel ${kh}×${kw}: output would be ${oh}×${ow}`);
  return { nb, c, ih, iw, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
}

/** Options of max_pool2d, as torch.nn.functional.max_pool2d. */
export interface MaxPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceil_mode?: boolean;
}

/** F.max_pool2d on a quint8 tensor: the max of each window (padding never wins), same qparams. */
export const max_pool2d = define_function(
  'quantized.max_pool2d',
  (x: Tensor, kernel_size: Pair, options: MaxPool2dOptions = {}): Tensor => {
    const op = 'quantized.max_pool2d';
    const qp = check_quint8(x, op);
    const g = geometry(
      op,
      x,
      kernel_size,
      options.stride,
      options.padding ?? 0,
      options.dilation ?? 1,
      options.ceil_mode ?? false,
    );
    const be = get_backend().int8;
    const src = x.data as Uint8Array;
    const pg = pool_geometry(g.nb * g.c, g.ih, g.iw, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw);
    const out = be.qmax_pool2d(src, pg);
    return make_qtensor(out, [g.nb, g.c, g.oh, g.ow], 'quint8', qp.scale, qp.zero_point);
  },
);

function pool_geometry(
  planes: number,
  in_h: number,
  in_w: number,
  out_h: number,
  out_w: number,
  kernel_h: number,
  kernel_w: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
  dh: number,
  dw: number,
): Pool2dGeometry {
  return {
    planes,
    in_h,
    in_w,
    out_h,
    out_w,
    kernel_h,
    kernel_w,
    stride: [sh, sw],
    padding: [ph, pw],
    dilation: [dh, dw],
  };
}

/** qnnpack's average pool (padding reads as the zero point, divisor kh·kw) on the current backend's kernel. */
function qnnpack_avg_pool(
  x: Tensor,
  qp: QParams,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
  oh: number,
  ow: number,
): Tensor {
  const [nb, c, ih, iw] = x.shape;
  const size = kh * kw;
  const params = qnnpack_avg_params(
    fround(fround(qp.scale) / fround(fround(qp.scale) * size)),
    qp.zero_point,
    qp.zero_point,
  );
  const g = pool_geometry(nb * c, ih, iw, oh, ow, kh, kw, sh, sw, ph, pw, 1, 1);
  const be = get_backend().int8;
  const src = x.data as Uint8Array;
  const out = be.qavg_pool2d(src, g, params);
  return make_qtensor(out, [nb, c, oh, ow], 'quint8', qp.scale, qp.zero_point);
}

/** Options of avg_pool2d, as torch.nn.functional.avg_pool2d. */
export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceil_mode?: boolean;
  count_include_pad?: boolean;
  divisor_override?: number | null;
}

/**
 * F.avg_pool2d on a quint8 tensor, same qparams. Without ceil_mode torch runs qnnpack, which ignores
 * count_include_pad / divisor_override (padding always counts); with ceil_mode, ATen's generic kernel.
 */
export const avg_pool2d = define_function(
  'quantized.avg_pool2d',
  (x: Tensor, kernel_size: Pair, options: AvgPool2dOptions = {}): Tensor => {
    const op = 'quantized.avg_pool2d';
    const qp = check_quint8(x, op);
    const ceil = options.ceil_mode ?? false;
    const g = geometry(op, x, kernel_size, options.stride, options.padding ?? 0, 1, ceil);
    if (!ceil) return qnnpack_avg_pool(x, qp, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow);
    const div = options.divisor_override ?? null;
    if (div !== null && (!Number.isInteger(div) || div === 0))
      throw new Error(`${op}: divisor_override must be a non-zero integer, got ${div}`);
    const include = options.count_include_pad ?? true;
    const src = x.data;
    const out = new Uint8Array(g.nb * g.c * g.oh * g.ow);
    let o = 0;
    for (let p = 0; p < g.nb * g.c; p++) {
      const base = p * g.ih * g.iw;
      for (let oy = 0; oy < g.oh; oy++) {
        for (let ox = 0; ox < g.ow; ox++) {
          // ATen avg_pool2d_out_frame
          let hs = oy * g.sh - g.ph;
          let ws = ox * g.sw - g.pw;
          let he = Math.min(hs + g.kh, g.ih + g.ph);
          let we = Math.min(ws + g.kw, g.iw + g.pw);
          const pool_size = (he - hs) * (we - ws);
          hs = Math.max(hs, 0);
          ws = Math.max(ws, 0);
          he = Math.min(he, g.ih);
          we = Math.min(we, g.iw);
          const size = (he - hs) * (we - ws);
          const divide = div ?? (include ? pool_size : size);
          let sum = 0;
          for (let iy = hs; iy < he; iy++) for (let ix = ws; ix < we; ix++) sum += src[base + iy * g.iw + ix];
          sum -= size * qp.zero_point;
          const mult = fround(1 / divide);
          const q = rne(fround(fround(sum * mult) + qp.zero_point));
          out[o++] = q < 0 ? 0 : q > 255 ? 255 : q;
        }
      }
    }
    return make_qtensor(out, [g.nb, g.c, g.oh, g.ow], 'quint8', qp.scale, qp.zero_point);
  },
);

/**
 * F.adaptive_avg_pool2d on a quint8 tensor, same qparams. When the input divides evenly (and is not
 * already the output size) torch uses qnnpack's average pool; otherwise ATen's generic kernel,
 * which rounds the mean of the raw integers.
 */
export const adaptive_avg_pool2d = define_function(
  'quantized.adaptive_avg_pool2d',
  (x: Tensor, output_size: Pair): Tensor => {
    const op = 'quantized.adaptive_avg_pool2d';
    const qp = check_quint8(x, op);
    if (x.ndim !== 4) throw new Error(`${op}: expected an NCHW input, got ${describe(x)}`);
    const [nb, c, ih, iw] = x.shape;
    const [oh, ow] = pair(output_size);
    if (!(Number.isSafeInteger(oh) && Number.isSafeInteger(ow) && oh >= 1 && ow >= 1))
      throw new Error(`${op}: output_size [${oh}, ${ow}] must be positive integers`);
    if (!(ih === oh && iw === ow) && ih % oh === 0 && iw % ow === 0) {
      const kh = ih / oh;
      const kw = iw / ow;
      return qnnpack_avg_pool(x, qp, kh, kw, kh, kw, 0, 0, oh, ow);
    }
    const src = x.data;
    const out = new Uint8Array(nb * c * oh * ow);
    const start = (o: number, n_out: number, n_in: number) => Math.floor(fround(o * n_in) / n_out);
    const end = (o: number, n_out: number, n_in: number) => Math.ceil(fround((o + 1) * n_in) / n_out);
    let o = 0;
    for (let p = 0; p < nb * c; p++) {
      const base = p * ih * iw;
      for (let y = 0; y < oh; y++) {
        const hs = start(y, oh, ih);
        const he = end(y, oh, ih);
        const khr = fround(1 / (he - hs));
        for (let x_ = 0; x_ < ow; x_++) {
          const ws = start(x_, ow, iw);
          const we = end(x_, ow, iw);
          const r = fround(khr / (we - ws));
          let sum = 0;
          for (let iy = hs; iy < he; iy++) for (let ix = ws; ix < we; ix++) sum += src[base + iy * iw + ix];
          out[o++] = rne(fround(sum * r));
        }
      }
    }
    return make_qtensor(out, [nb, c, oh, ow], 'quint8', qp.scale, qp.zero_point);
  },
);
