/**
 * The wasm backend's Int8Kernels: weights packed once into wasm memory as int16 rows (w − w_zp, k padded
 * to 8, n padded to 4), activations widened per call, the dot_i16x8 GEMM (assembly/qgemm.ts), and conv by
 * shape: direct on channel-pair planes (assembly/qconv_direct.ts), tap pairs for one input channel per
 * group (assembly/qconv_pairs.ts), im2col + GEMM for long reductions, a direct path for depthwise. The
 * scalar numerics (bias quantization, multipliers, validation) are the js reference's own functions, so
 * both backends agree bit for bit by construction there.
 */

import { output_u8 } from '../../tensor/buffer_pool.js';
import {
  check_qinput,
  check_qoutput,
  quantize_bias,
  requant_multipliers,
  validate_qweight,
} from '../js/int8/numerics.js';
import type { Conv2dGeometry, Int8Kernels, PackedQWeight, QInput, QOutput, QWeightSource } from '../types.js';
import { conv_output_hw } from './conv_geometry.js';
import { scratch_bytes } from './heap.js';
import { type Im2colQConvPath, make_im2col_qconv } from './int8_conv_im2col.js';
import { type DirectWeight, make_direct_qconv, out_args } from './int8_direct.js';
import { make_wasm_elementwise } from './int8_elementwise.js';
import { make_wasm_embedding_bag } from './int8_embedding_bag.js';
import { make_wasm_qgather } from './int8_gather.js';
import { make_wasm_group_norm } from './int8_group_norm.js';
import { make_wasm_pool_add } from './int8_pool_add.js';
import { make_wasm_transformer } from './int8_transformer.js';
import { make_wasm_upsample } from './int8_upsample.js';
import type { WasmInstance } from './module.js';

const MODE_CH_LANE = 0;
const MODE_ACC_I32 = 2;
/** Conv reductions up to this (padded) length use the pixels-along-lanes kernel instead of im2col + GEMM. */
const PAIRS_MAX_KP = 64;
/**
 * Longest reduction (cin/groups·kh·kw) of a dense conv run directly on channel-pair planes
 * (assembly/qconv_direct.ts); longer ones keep im2col + the GEMM (equal speed at 1152 on ResNet-18's
 * 128-channel 3×3, the GEMM's aligned loads ahead past it).
 */
const DIRECT_MAX_K = 1152;

/**
 * How a dense or grouped (not depthwise) qconv2d runs: 'auto' picks by shape; 'direct' (channel-pair
 * planes, needs ≥ 2 input channels per group), 'gemm' (im2col + qgemm) and 'pairs' (tap pairs) pin a
 * path where it applies (benchmarks and tests).
 */
export type WasmQConvStrategy = 'auto' | 'direct' | 'gemm' | 'pairs';

/** A weight packed into one wasm instance's memory (freed when the object is garbage collected). */
export interface WasmPackedQWeight extends PackedQWeight {
  readonly backend: 'wasm';
  /** Byte offset of the int16 rows [n4][kp]. */
  readonly ptr: number;
  /** k rounded up to 8, n rounded up to 4. */
  readonly kp: number;
  readonly n4: number;
  /** n per-channel scales (a per-tensor scale repeated). */
  readonly scales: Float32Array;
  readonly bias: Float32Array | null;
  /** The instance whose memory holds the rows. */
  readonly owner: WasmInstance;
  /**
   * Order of k within a row: 'c' as the source ([cin/groups, kh, kw] flattened, Linear's order) or
   * 'rsc:<kh>x<kw>' (taps outer, channels inner) which qconv2d switches to in place on first use, so its
   * im2col copies contiguous channel runs from an NHWC plane.
   */
  layout: string;
  /** The direct conv path's packed copy (assembly/qconv_direct.ts), made on first use. */
  direct?: DirectWeight;
}

/** Permutes every row of a packed weight in place from k order (c, r, s) to (r, s, c), or back. */
function permute_rows(pw: WasmPackedQWeight, layout: string, to_rsc: boolean): void {
  const [kh, kw] = layout.slice(4).split('x').map(Number);
  const taps = kh * kw;
  const cg = pw.k / taps;
  const rows = new Int16Array(pw.owner.heap.memory.buffer, pw.ptr, pw.n4 * pw.kp);
  const tmp = new Int16Array(pw.k);
  for (let i = 0; i < pw.n; i++) {
    const row = rows.subarray(i * pw.kp, i * pw.kp + pw.k);
    for (let c = 0; c < cg; c++) {
      for (let t = 0; t < taps; t++) {
        if (to_rsc) tmp[t * cg + c] = row[c * taps + t];
        else tmp[c * taps + t] = row[t * cg + c];
      }
    }
    row.set(tmp);
  }
}

/** Brings a packed weight's rows into k order `want` ('c' or 'rsc:<kh>x<kw>'), permuting in place if needed. */
function set_layout(pw: WasmPackedQWeight, want: string): void {
  if (pw.layout === want) return;
  if (pw.layout !== 'c') permute_rows(pw, pw.layout, false);
  if (want !== 'c') permute_rows(pw, want, true);
  pw.layout = want;
}

const round_up = (v: number, m: number) => Math.ceil(v / m) * m;

/** Per-call channel params (bias_q, mult) for one (x_scale, out_scale), cached on the last pair seen. */
interface ChannelParams {
  x_scale: number;
  out_scale: number;
  bias_q: Int32Array;
  mult: Float32Array;
  /**
   * 1 when every possible accumulator (|Σ| ≤ k·255² plus |bias|) requantizes to |v| ≤ 2^22 with no int32
   * wrap-around, so the conv kernels can skip the float clamp (assembly/requant.ts requant_x16), else 0.
   */
  exact: number;
}

/** Below 2^22 = 4194304 with room for the two float32 roundings of fround(fround(acc)·mult). */
const EXACT_BOUND = 4_000_000;

/** requant_x16's `exact` condition for a weight with reduction length k (see ChannelParams). */
function exact_requant(k: number, bias_q: Int32Array, mult: Float32Array, n: number): number {
  for (let i = 0; i < n; i++) {
    const acc = k * 255 * 255 + Math.abs(bias_q[i]);
    if (acc > 2147483647 || acc * mult[i] > EXACT_BOUND) return 0;
  }
  return 1;
}

/** Creates the int8 kernels bound to one instance. */
export function make_wasm_int8(inst: WasmInstance, strategy: WasmQConvStrategy = 'auto'): Int8Kernels {
  const { exports: wx, heap } = inst;
  const cache = new WeakMap<WasmPackedQWeight, ChannelParams>();
  const registry = new FinalizationRegistry<{ ptr: number; bytes: number }>((b) => heap.free(b.ptr, b.bytes));
  const direct_conv = make_direct_qconv(inst, registry);
  const im2col_conv = make_im2col_qconv(inst, put_params);

  function unpack(w: PackedQWeight, op: string): WasmPackedQWeight {
    const pw = w as WasmPackedQWeight;
    if (w.backend !== 'wasm' || pw.ptr === undefined) {
      throw new Error(
        `wasm.${op}: weight was packed by backend '${w.backend}'; pack it with the wasm backend's pack_qweight`,
      );
    }
    if (pw.owner !== inst)
      throw new Error(`wasm.${op}: weight was packed by another wasm instance; pack it again with this backend`);
    return pw;
  }

  /** Channel params padded to n4 (lanes read 4 at a time), reused while the scales stay the same. */
  function channel_params(pw: WasmPackedQWeight, x_scale: number, out_scale: number): ChannelParams {
    const hit = cache.get(pw);
    if (hit && hit.x_scale === x_scale && hit.out_scale === out_scale) return hit;
    const bias_q = new Int32Array(pw.n4);
    if (pw.bias) bias_q.set(quantize_bias(pw.bias, x_scale, pw.scales));
    const mult = new Float32Array(pw.n4);
    mult.set(requant_multipliers(x_scale, pw.scales, out_scale, 'wasm int8 conv/linear'));
    const p = { x_scale, out_scale, bias_q, mult, exact: exact_requant(pw.k, bias_q, mult, pw.n) };
    cache.set(pw, p);
    return p;
  }

  /** Copies bias_q/mult into scratch; returns their offsets. */
  function put_params(p: Pick<ChannelParams, 'bias_q' | 'mult'>): [number, number] {
    const b = heap.take(p.bias_q.byteLength);
    const m = heap.take(p.mult.byteLength);
    const u8 = heap.u8;
    u8.set(new Uint8Array(p.bias_q.buffer, p.bias_q.byteOffset, p.bias_q.byteLength), b);
    u8.set(new Uint8Array(p.mult.buffer, p.mult.byteOffset, p.mult.byteLength), m);
    return [b, m];
  }

  function pack_qweight(src: QWeightSource): WasmPackedQWeight {
    validate_qweight(src, 'wasm.pack_qweight');
    const { n, k } = src;
    const kp = round_up(k, 8);
    const n4 = round_up(n, 4);
    const per_channel = src.scales.length !== 1;
    const rows = new Int16Array(n4 * kp);
    const scales = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const z = src.zero_points[per_channel ? i : 0];
      scales[i] = src.scales[per_channel ? i : 0];
      const s = i * k;
      const d = i * kp;
      for (let j = 0; j < k; j++) rows[d + j] = src.data[s + j] - z;
    }
    const bytes = rows.byteLength;
    const ptr = heap.alloc(bytes);
    heap.u8.set(new Uint8Array(rows.buffer), ptr);
    const bias = src.bias ? Float32Array.from(src.bias) : null;
    const packed: WasmPackedQWeight = { backend: 'wasm', n, k, kp, n4, ptr, scales, bias, owner: inst, layout: 'c' };
    registry.register(packed, { ptr, bytes });
    return packed;
  }

  function qlinear(x: QInput, m: number, w: PackedQWeight, out: QOutput, y?: Uint8Array): Uint8Array {
    const pw = unpack(w, 'qlinear');
    const { n, k, kp } = pw;
    if (!Number.isInteger(m) || m < 0) throw new Error(`wasm.qlinear: m must be a non-negative integer, got ${m}`);
    check_qinput(x, m * k, `wasm.qlinear: x has ${x.data.length} elements, expected m·k = ${m}·${k}`, 'wasm.qlinear');
    check_qoutput(out, 'wasm.qlinear');
    const res = y ?? output_u8(m * n);
    if (res.length !== m * n)
      throw new Error(`wasm.qlinear: output buffer has ${res.length} elements, expected m·n = ${m}·${n}`);
    if (m === 0) return res;
    set_layout(pw, 'c');
    const p = channel_params(pw, x.scale, out.scale);
    const part_bytes = wx.qgemm_part_bytes(m, n, kp);
    heap.begin(scratch_bytes(m * k, m * kp * 2, p.bias_q.byteLength, p.mult.byteLength, m * n, part_bytes));
    const xp = heap.take(m * k);
    const x16 = heap.take(m * kp * 2);
    const [bp, mp] = put_params(p);
    const yp = heap.take(m * n);
    const part = heap.take(part_bytes);
    heap.u8.set(x.data, xp);
    wx.widen_rows_u8(xp, m, k, x.zero_point, x16, kp);
    wx.qgemm(x16, pw.ptr, m, n, kp, yp, n, MODE_CH_LANE, bp, mp, ...out_args(out), part);
    res.set(heap.u8.subarray(yp, yp + m * n));
    return res;
  }

  function qconv2d(x: QInput, g: Conv2dGeometry, w: PackedQWeight, out: QOutput, y?: Uint8Array): Uint8Array {
    const pw = unpack(w, 'qconv2d');
    const { batch: nb, in_channels: ci, in_h: H, in_w: W, out_channels: co, kernel_h: kh, kernel_w: kw, groups } = g;
    const { oh, ow, cig, cog } = conv_output_hw(g, 'wasm.qconv2d');
    if (pw.n !== co || pw.k !== cig * kh * kw) {
      throw new Error(
        `wasm.qconv2d: packed weight is [${pw.n}, ${pw.k}] but input [${nb}, ${ci}, ${H}, ${W}] with ${co} filters ${kh}×${kw}, groups ${groups} needs [${co}, ${cig * kh * kw}]`,
      );
    }
    check_qinput(
      x,
      nb * ci * H * W,
      `wasm.qconv2d: x has ${x.data.length} elements, expected [${nb}, ${ci}, ${H}, ${W}] = ${nb * ci * H * W}`,
      'wasm.qconv2d',
    );
    check_qoutput(out, 'wasm.qconv2d');
    const P = oh * ow;
    const res = y ?? output_u8(nb * co * P);
    if (res.length !== nb * co * P)
      throw new Error(`wasm.qconv2d: output buffer has ${res.length} elements, expected ${nb * co * P}`);
    if (nb === 0) return res;
    const p = channel_params(pw, x.scale, out.scale);
    const depthwise = cig === 1 && groups === ci && groups > 1;
    if (!depthwise && cig >= 2 && (strategy === 'direct' || (strategy === 'auto' && pw.k <= DIRECT_MAX_K))) {
      // the direct copy reads the rows in k order (c, r, s) or (r, s, c) for this kernel size
      if (pw.layout !== 'c' && pw.layout !== `rsc:${kh}x${kw}`) set_layout(pw, 'c');
      direct_conv(x, g, pw, p, out, res, oh, ow, cig, cog);
      return res;
    }
    // short reductions: pixels along the lanes, no horizontal sums (assembly/qconv_pairs.ts)
    const path: Im2colQConvPath = depthwise
      ? 'depthwise'
      : strategy !== 'gemm' && (pw.kp <= PAIRS_MAX_KP || strategy === 'pairs')
        ? 'pairs'
        : 'gemm';
    set_layout(pw, path === 'gemm' && kh * kw > 1 ? `rsc:${kh}x${kw}` : 'c');
    im2col_conv(x, g, pw, p, out, res, oh, ow, cig, cog, path);
    return res;
  }

  function qlinear_acc(x: Uint8Array, x_zero_point: number, m: number, w: PackedQWeight, acc?: Int32Array): Int32Array {
    const pw = unpack(w, 'qlinear_acc');
    const { n, k, kp } = pw;
    check_qinput(
      { data: x, scale: 1, zero_point: x_zero_point },
      m * k,
      `wasm.qlinear_acc: x has ${x.length} elements, expected m·k = ${m}·${k}`,
      'wasm.qlinear_acc',
    );
    const res = acc ?? new Int32Array(m * n);
    if (res.length !== m * n)
      throw new Error(`wasm.qlinear_acc: acc buffer has ${res.length} elements, expected m·n = ${m}·${n}`);
    if (m === 0) return res;
    set_layout(pw, 'c');
    const part_bytes = wx.qgemm_part_bytes(m, n, kp);
    heap.begin(scratch_bytes(m * k, m * kp * 2, m * n * 4, part_bytes));
    const xp = heap.take(m * k);
    const x16 = heap.take(m * kp * 2);
    const yp = heap.take(m * n * 4);
    const part = heap.take(part_bytes);
    heap.u8.set(x, xp);
    wx.widen_rows_u8(xp, m, k, x_zero_point, x16, kp);
    wx.qgemm(x16, pw.ptr, m, n, kp, yp, n, MODE_ACC_I32, 0, 0, 0, 0, 0, part);
    res.set(new Int32Array(heap.memory.buffer, yp, m * n));
    return res;
  }

  return {
    name: 'wasm',
    pack_qweight,
    qlinear,
    qconv2d,
    qlinear_acc,
    ...make_wasm_pool_add(inst),
    qgather: make_wasm_qgather(inst),
    ...make_wasm_elementwise(inst),
    ...make_wasm_transformer(inst),
    ...make_wasm_upsample(inst),
    ...make_wasm_group_norm(inst),
    ...make_wasm_embedding_bag(inst),
  };
}
