/**
 * The reference int8 kernels: plain TypeScript, exactly the numerics documented in ../types.ts
 * (PyTorch 1.13 qnnpack on x86: int32 accumulation, float32 requantization, round half to even).
 * Every other backend must reproduce these bit for bit.
 */
import type { Conv2dGeometry, Int8Kernels, PackedQWeight, QInput, QOutput, QWeightSource } from '../types.js';
import { qadd_float } from './int8/add_float.js';
import { qcat, qclamp, qlut, qmul } from './int8/elementwise.js';
import { qembedding_bag } from './int8/embedding_bag.js';
import { qgather } from './int8/gather.js';
import { qgroup_norm } from './int8/group_norm.js';
import { a_panels, igemm, igemm_panels, panel_index } from './int8/igemm.js';
import { qlayer_norm } from './int8/layer_norm.js';
import { qmatmul } from './int8/matmul.js';
import {
  check_qinput,
  check_qoutput,
  quantize_bias,
  requant_multipliers,
  requantize,
  validate_qweight,
} from './int8/numerics.js';
import { qadd, qavg_pool2d, qmax_pool2d } from './int8/pool_add.js';
import { qsoftargmax } from './int8/softargmax.js';
import { qsoftmax } from './int8/softmax.js';
import { qsoftmax_int } from './int8/softmax_int.js';
import { qupsample2d } from './int8/upsample.js';

/** The js backend's packed weight: (w − w_zp) widened once, per-channel qparams expanded to n entries. */
export interface JsPackedQWeight extends PackedQWeight {
  readonly backend: 'js';
  /** [n, k] row-major, w[n,k] − w_zp[n] (in −255..255). */
  readonly w: Int32Array;
  /** n scales (a per-tensor scale repeated). */
  readonly scales: Float32Array;
  /** n zero points. */
  readonly zero_points: Int32Array;
  readonly bias: Float32Array | null;
  /** Whether the source had one scale/zero point (per-tensor) or n (per-channel). */
  readonly per_channel: boolean;
}

function unpack(w: PackedQWeight, op: string): JsPackedQWeight {
  if (w.backend !== 'js' || !(w as JsPackedQWeight).w) {
    throw new Error(
      `js.${op}: weight was packed by backend '${w.backend}'; pack it with the js backend's pack_qweight`,
    );
  }
  return w as JsPackedQWeight;
}

function pack_qweight(src: QWeightSource): JsPackedQWeight {
  validate_qweight(src, 'js.pack_qweight');
  const { n, k } = src;
  const per_channel = src.scales.length !== 1;
  const scales = new Float32Array(n);
  const zps = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    scales[i] = src.scales[per_channel ? i : 0];
    zps[i] = src.zero_points[per_channel ? i : 0];
  }
  const w = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    const z = zps[i];
    const row = i * k;
    for (let j = 0; j < k; j++) w[row + j] = src.data[row + j] - z;
  }
  const bias = src.bias ? Float32Array.from(src.bias) : null;
  return { backend: 'js', n, k, w, scales, zero_points: zps, bias, per_channel };
}

function qlinear(x: QInput, m: number, w: PackedQWeight, out: QOutput, y?: Uint8Array): Uint8Array {
  const pw = unpack(w, 'qlinear');
  const { n, k } = pw;
  check_qinput(x, m * k, `js.qlinear: x has ${x.data.length} elements, expected m·k = ${m}·${k}`, 'js.qlinear');
  check_qoutput(out, 'js.qlinear');
  const res = y ?? new Uint8Array(m * n);
  if (res.length !== m * n)
    throw new Error(`js.qlinear: output buffer has ${res.length} elements, expected m·n = ${m}·${n}`);
  const xc = new Int32Array(m * k);
  for (let i = 0; i < m * k; i++) xc[i] = x.data[i] - x.zero_point;
  const bias_q = pw.bias ? quantize_bias(pw.bias, x.scale, pw.scales) : null;
  const acc = new Int32Array(m * n);
  igemm(xc, m, k, pw.w, 0, n, bias_q, acc);
  const mult = requant_multipliers(x.scale, pw.scales, out.scale, 'js.qlinear');
  for (let r = 0; r < m; r++) for (let c = 0; c < n; c++) res[r * n + c] = requantize(acc[r * n + c], mult[c], out);
  return res;
}

/** Output spatial size of a convolution, as torch computes it. */
export function conv_out_size(inp: number, kernel: number, stride: number, pad: number, dil: number): number {
  return Math.floor((inp + 2 * pad - dil * (kernel - 1) - 1) / stride) + 1;
}

function qconv2d(x: QInput, g: Conv2dGeometry, w: PackedQWeight, out: QOutput, y?: Uint8Array): Uint8Array {
  const pw = unpack(w, 'qconv2d');
  const { batch: nb, in_channels: ci, in_h: ih, in_w: iw, out_channels: co, kernel_h: kh, kernel_w: kw, groups } = g;
  const [sh, sw] = g.stride;
  const [ph, pwd] = g.padding;
  const [dh, dw] = g.dilation;
  const geo = `[${nb}, ${ci}, ${ih}, ${iw}] with ${co} filters ${kh}×${kw}, groups ${groups}`;
  if (groups < 1 || ci % groups !== 0 || co % groups !== 0) {
    throw new Error(`js.qconv2d: groups ${groups} must divide in_channels ${ci} and out_channels ${co}`);
  }
  const cig = ci / groups;
  const cog = co / groups;
  if (pw.n !== co || pw.k !== cig * kh * kw) {
    throw new Error(
      `js.qconv2d: packed weight is [${pw.n}, ${pw.k}] but input ${geo} needs [${co}, ${cig}·${kh}·${kw} = ${cig * kh * kw}]`,
    );
  }
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1 || ph < 0 || pwd < 0) {
    throw new Error(`js.qconv2d: bad stride [${sh}, ${sw}] / padding [${ph}, ${pwd}] / dilation [${dh}, ${dw}]`);
  }
  const oh = conv_out_size(ih, kh, sh, ph, dh);
  const ow = conv_out_size(iw, kw, sw, pwd, dw);
  if (oh < 1 || ow < 1) throw new Error(`js.qconv2d: input ${geo} is too small: output would be ${oh}×${ow}`);
  check_qinput(x, nb * ci * ih * iw, `js.qconv2d: x has ${x.data.length} elements, expected ${geo}`, 'js.qconv2d');
  check_qoutput(out, 'js.qconv2d');
  const P = oh * ow;
  const res = y ?? new Uint8Array(nb * co * P);
  if (res.length !== nb * co * P)
    throw new Error(`js.qconv2d: output buffer has ${res.length} elements, expected ${nb * co * P}`);
  const bias_q = pw.bias ? quantize_bias(pw.bias, x.scale, pw.scales) : null;
  const mult = requant_multipliers(x.scale, pw.scales, out.scale, 'js.qconv2d');
  const K = pw.k;
  // im2col of (x − x_zp) per image and group, written straight into the GEMM's 4-pixel panels (k-major);
  // padding contributes x_zp − x_zp = 0, as qnnpack's zero buffer does. Taps outer, pixels inner: each tap
  // copies the valid run of every output row.
  const col = a_panels(P, K);
  const acc = new Int32Array(P * cog);
  const xz = x.zero_point;
  const xd = x.data;
  for (let b = 0; b < nb; b++) {
    for (let gi = 0; gi < groups; gi++) {
      col.fill(0, 0, Math.ceil(P / 4) * 4 * K);
      for (let c = 0; c < cig; c++) {
        const xoff = (b * ci + gi * cig + c) * ih * iw;
        for (let u = 0; u < kh; u++) {
          for (let v = 0; v < kw; v++) {
            const kk = (c * kh + u) * kw + v;
            const shift = v * dw - pwd;
            // output columns whose input column ox·sw + shift lies inside the row
            const lo = Math.max(0, Math.ceil(-shift / sw));
            const hi = Math.min(ow, Math.floor((iw - 1 - shift) / sw) + 1);
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * sh - ph + u * dh;
              if (iy < 0 || iy >= ih) continue;
              const src = xoff + iy * iw + shift;
              for (let ox = lo; ox < hi; ox++) col[panel_index(oy * ow + ox, kk, K)] = xd[src + ox * sw] - xz;
            }
          }
        }
      }
      const n0 = gi * cog;
      igemm_panels(col, P, K, pw.w, n0, n0 + cog, bias_q, acc);
      for (let j = 0; j < cog; j++) {
        const yo = (b * co + n0 + j) * P;
        const mc = mult[n0 + j];
        for (let p = 0; p < P; p++) res[yo + p] = requantize(acc[p * cog + j], mc, out);
      }
    }
  }
  return res;
}

function qlinear_acc(x: Uint8Array, x_zero_point: number, m: number, w: PackedQWeight, acc?: Int32Array): Int32Array {
  const pw = unpack(w, 'qlinear_acc');
  const { n, k } = pw;
  check_qinput(
    { data: x, scale: 1, zero_point: x_zero_point },
    m * k,
    `js.qlinear_acc: x has ${x.length} elements, expected m·k = ${m}·${k}`,
    'js.qlinear_acc',
  );
  const res = acc ?? new Int32Array(m * n);
  if (res.length !== m * n)
    throw new Error(`js.qlinear_acc: acc buffer has ${res.length} elements, expected m·n = ${m}·${n}`);
  const xc = new Int32Array(m * k);
  for (let i = 0; i < m * k; i++) xc[i] = x[i] - x_zero_point;
  igemm(xc, m, k, pw.w, 0, n, null, res);
  return res;
}

/** The reference Int8Kernels. */
export const js_int8: Int8Kernels = {
  name: 'js',
  pack_qweight,
  qlinear,
  qconv2d,
  qlinear_acc,
  qadd,
  qmax_pool2d,
  qavg_pool2d,
  qclamp,
  qlut,
  qmul,
  qcat,
  qgather,
  qmatmul,
  qadd_float,
  qlayer_norm,
  qsoftmax,
  qupsample2d,
  qsoftmax_int,
  qsoftargmax,
  qgroup_norm,
  qembedding_bag,
};
