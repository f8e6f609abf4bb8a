/**
 * The wasm backend's optional int8 kernels: qnnpack's fixed-point add and the 2-d max / average pools
 * (assembly/qpool_add.ts). Checks are the js reference's own, so both backends reject the same input.
 * Each call copies its operands into the reused scratch block once and its result out once.
 */
import { output_u8 } from '../../tensor/buffer_pool.js';
import { check_avg_params, check_pool_geometry, check_qadd } from '../js/int8/pool_add.js';
import type { Int8Kernels, Pool2dGeometry, QAddParams, QAvgPoolParams } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

/** Creates qadd / qmax_pool2d / qavg_pool2d bound to one instance. */
export function make_wasm_pool_add(
  inst: WasmInstance,
): Required<Pick<Int8Kernels, 'qadd' | 'qmax_pool2d' | 'qavg_pool2d'>> {
  const { exports: wx, heap } = inst;

  function qadd(a: Uint8Array, b: Uint8Array, p: QAddParams, y?: Uint8Array): Uint8Array {
    check_qadd(a, b, p, y, 'wasm.qadd');
    const n = a.length;
    const res = y ?? output_u8(n);
    if (n === 0) return res;
    heap.begin(scratch_bytes(n, n, n));
    const ap = heap.take(n);
    const bp = heap.take(n);
    const yp = heap.take(n);
    const u8 = heap.u8;
    u8.set(a, ap);
    u8.set(b, bp);
    wx.qadd_u8(ap, bp, n, p.a_mult, p.b_mult, p.zp_product | 0, p.shift, p.zero_point, p.qmin, p.qmax, yp);
    res.set(heap.u8.subarray(yp, yp + n));
    return res;
  }

  function qmax_pool2d(x: Uint8Array, g: Pool2dGeometry, y?: Uint8Array): Uint8Array {
    check_pool_geometry(x.length, g, y, 'wasm.qmax_pool2d');
    const n_out = g.planes * g.out_h * g.out_w;
    const res = y ?? output_u8(n_out);
    if (n_out === 0) return res;
    const [sh, sw] = g.stride;
    const [ph, pw] = g.padding;
    const [dh, dw] = g.dilation;
    const row = wx.max_pool_scratch_bytes(g.in_w, g.out_w, g.kernel_w, sw, pw, dw);
    // 16 spare bytes after x and y: the kernel's vector steps run over row ends (assembly/qpool_add.ts)
    heap.begin(scratch_bytes(x.length + 16, n_out + 16, row));
    const xp = heap.take(x.length + 16);
    const yp = heap.take(n_out + 16);
    const rp = heap.take(row);
    heap.u8.set(x, xp);
    wx.qmax_pool2d_u8(
      xp,
      g.planes,
      g.in_h,
      g.in_w,
      g.out_h,
      g.out_w,
      g.kernel_h,
      g.kernel_w,
      sh,
      sw,
      ph,
      pw,
      dh,
      dw,
      yp,
      rp,
    );
    res.set(heap.u8.subarray(yp, yp + n_out));
    return res;
  }

  function qavg_pool2d(x: Uint8Array, g: Pool2dGeometry, p: QAvgPoolParams, y?: Uint8Array): Uint8Array {
    check_pool_geometry(x.length, g, y, 'wasm.qavg_pool2d');
    check_avg_params(g, p, 'wasm.qavg_pool2d');
    const n_out = g.planes * g.out_h * g.out_w;
    const res = y ?? output_u8(n_out);
    if (n_out === 0) return res;
    const [sh, sw] = g.stride;
    const [ph, pw] = g.padding;
    heap.begin(scratch_bytes(x.length, n_out));
    const xp = heap.take(x.length);
    const yp = heap.take(n_out);
    heap.u8.set(x, xp);
    wx.qavg_pool2d_u8(
      xp,
      g.planes,
      g.in_h,
      g.in_w,
      g.out_h,
      g.out_w,
      g.kernel_h,
      g.kernel_w,
      sh,
      sw,
      ph,
      pw,
      p.x_zero_point,
      p.mult,
      p.shift,
      p.out_zero_point,
      yp,
    );
    res.set(heap.u8.subarray(yp, yp + n_out));
    return res;
  }

  return { qadd, qmax_pool2d, qavg_pool2d };
}
