/**
 * The wasm form of the PyTorch-x86 calibration conv (js/fp32/pytorch_x86.ts conv2d_pytorch_x86: oneDNN
 * jit:avx2's summation order, x86 fma rounding): assembly/fconv_pytorch.ts, bit-identical to the JS loop
 * and several times faster; set_fp32_numerics('pytorch_x86') runs it when the wasm backend is current.
 * Threads split it by (image, output channel) (runtime/threads/splits.ts).
 */
import { output_f32 } from '../../tensor/buffer_pool.js';
import type { Fp32Kernels } from '../types.js';
import { conv_output_hw } from './conv_geometry.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

/** Creates the PyTorch-rounding conv2d bound to one instance. */
export function make_wasm_conv2d_pytorch_x86(inst: WasmInstance): NonNullable<Fp32Kernels['conv2d_pytorch_x86']> {
  const { exports: wx, heap } = inst;
  const put = (a: Float32Array, off: number) => heap.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);

  return function conv2d_pytorch_x86(x, g, w, bias, y, bias_last = false) {
    const { batch: nb, in_channels: ci, in_h: H, in_w: W, out_channels: co, kernel_h: kh, kernel_w: kw, groups } = g;
    const { oh, ow, cig } = conv_output_hw(g, 'wasm.conv2d_pytorch_x86');
    if (x.length !== nb * ci * H * W)
      throw new Error(
        `wasm.conv2d_pytorch_x86: x has ${x.length} elements, expected [${nb}, ${ci}, ${H}, ${W}] = ${nb * ci * H * W}`,
      );
    if (w.length !== co * cig * kh * kw)
      throw new Error(
        `wasm.conv2d_pytorch_x86: weight has ${w.length} elements, expected [${co}, ${cig}, ${kh}, ${kw}] = ${co * cig * kh * kw}`,
      );
    if (bias && bias.length !== co)
      throw new Error(`wasm.conv2d_pytorch_x86: bias has ${bias.length} elements, expected out_channels = ${co}`);
    const res = y ?? output_f32(nb * co * oh * ow);
    if (res.length !== nb * co * oh * ow)
      throw new Error(
        `wasm.conv2d_pytorch_x86: output buffer has ${res.length} elements, expected ${nb * co * oh * ow}`,
      );
    if (nb === 0) return res;
    heap.begin(scratch_bytes(x.byteLength, res.byteLength, w.byteLength, bias ? co * 4 : 0, ow * 8));
    const xp = heap.take(x.byteLength);
    const yp = heap.take(res.byteLength);
    const wp = heap.take(w.byteLength);
    const bp = bias ? heap.take(co * 4) : 0;
    const acc = heap.take(ow * 8);
    put(x, xp);
    put(w, wp);
    if (bias) put(bias, bp);
    const [sh, sw] = g.stride;
    const [ph, pw] = g.padding;
    const [dh, dw] = g.dilation;
    wx.conv2d_pytorch_x86_f32(
      xp,
      ci,
      H,
      W,
      co,
      kh,
      kw,
      groups,
      sh,
      sw,
      ph,
      pw,
      dh,
      dw,
      oh,
      ow,
      wp,
      bp,
      +bias_last,
      yp,
      acc,
      0,
      nb * co,
    );
    res.set(new Float32Array(heap.memory.buffer, yp, nb * co * oh * ow));
    return res;
  };
}
