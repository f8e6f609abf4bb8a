/**
 * The wasm backend's optional int8 kernels: qnnpack's fixed-point add and the 2-d max / average pools
 * (assembly/qpool_add.ts). Checks are the js reference's own, so both backends reject the same input.
 * Each call copies its operands into the reused scratch block once and its result out once.
 */
import { check_avg_params, check_pool_geometry, check_qadd } from '../js/int8/pool_add.js';
import type { Int8Kernels, Pool2dGeometry, QAddParams, QAvgPoolParams } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';
import { elementwise_ranges, run_ranges, split_range, thread_count } from './parallel.js';

/** Creates qadd / qmax_pool2d / qavg_pool2d bound to one instance. */
export function make_wasm_pool_add(
  inst: WasmInstance,
): Required<Pick<Int8Kernels, 'qadd' | 'qmax_pool2d' | 'qavg_pool2d'>> {
  const { exports: wx, heap } = inst;

  function qadd(a: Uint8Array, b: Uint8Array, p: QAddParams, y?: Uint8Array): Uint8Array {
    check_qadd(a, b, p, y, 'wasm.qadd');
    const n = a.length;
    const res = y ?? new Uint8Array(n);
    if (n === 0) return res;
    heap.begin(scratch_bytes(n, n, n));
    const ap = heap.take(n);
    const bp = heap.take(n);
    const yp = heap.take(n);
    const u8 = heap.u8;
    u8.set(a, ap);
    u8.set(b, bp);
    run_ranges(inst, elementwise_ranges(inst, n, 16), (i0, i1, _t, w) =>
      w.qadd_u8(
        ap + i0,
        bp + i0,
        i1 - i0,
        p.a_mult,
        p.b_mult,
        p.zp_product | 0,
        p.shift,
        p.zero_point,
        p.qmin,
        p.qmax,
        yp + i0,
      ),
    );
    res.set(heap.u8.subarray(yp, yp + n));
    return res;
  }

  function qmax_pool2d(x: Uint8Array, g: Pool2dGeometry, y?: Uint8Array): Uint8Array {
    check_pool_geometry(x.length, g, y, 'wasm.qmax_pool2d');
    const n_out = g.planes * g.out_h * g.out_w;
    const res = y ?? new Uint8Array(n_out);
    if (n_out === 0) return res;
    const [sh, sw] = g.stride;
    const [ph, pw] = g.padding;
    const [dh, dw] = g.dilation;
    const row = wx.max_pool_scratch_bytes(g.in_w, g.out_w, g.kernel_w, sw, pw, dw);
    // threads: ranges of planes, each with its own row and its own stretch of y (16 bytes apart)
    const in_plane = g.in_h * g.in_w;
    const out_plane = g.out_h * g.out_w;
    const ranges =
      elementwise_ranges(inst, x.length, 1).length > 1
        ? split_range(g.planes, thread_count(inst))
        : [[0, g.planes] as [number, number]];
    const T = ranges.length;
    // 16 spare bytes after x and y: the kernel's vector steps run over row ends (assembly/qpool_add.ts)
    heap.begin(scratch_bytes(x.length + 16, n_out + 16 * T, ...new Array<number>(T).fill(row)));
    const xp = heap.take(x.length + 16);
    const yp = heap.take(n_out + 16 * T);
    const rows = Array.from({ length: T }, () => heap.take(row));
    heap.u8.set(x, xp);
    run_ranges(inst, ranges, (p0, p1, t, w) =>
      w.qmax_pool2d_u8(
        xp + p0 * in_plane,
        p1 - p0,
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
        yp + p0 * out_plane + 16 * t,
        rows[t],
      ),
    );
    for (let t = 0; t < T; t++) {
      const [o0, o1] = [ranges[t][0] * out_plane, ranges[t][1] * out_plane];
      res.set(heap.u8.subarray(yp + o0 + 16 * t, yp + o1 + 16 * t), o0);
    }
    return res;
  }

  function qavg_pool2d(x: Uint8Array, g: Pool2dGeometry, p: QAvgPoolParams, y?: Uint8Array): Uint8Array {
    check_pool_geometry(x.length, g, y, 'wasm.qavg_pool2d');
    check_avg_params(g, p, 'wasm.qavg_pool2d');
    const n_out = g.planes * g.out_h * g.out_w;
    const res = y ?? new Uint8Array(n_out);
    if (n_out === 0) return res;
    const [sh, sw] = g.stride;
    const [ph, pw] = g.padding;
    heap.begin(scratch_bytes(x.length, n_out));
    const xp = heap.take(x.length);
    const yp = heap.take(n_out);
    heap.u8.set(x, xp);
    const in_plane = g.in_h * g.in_w;
    const out_plane = g.out_h * g.out_w;
    const ranges =
      elementwise_ranges(inst, x.length, 1).length > 1
        ? split_range(g.planes, thread_count(inst))
        : [[0, g.planes] as [number, number]];
    run_ranges(inst, ranges, (p0, p1, _t, w) =>
      w.qavg_pool2d_u8(
        xp + p0 * in_plane,
        p1 - p0,
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
        yp + p0 * out_plane,
      ),
    );
    res.set(heap.u8.subarray(yp, yp + n_out));
    return res;
  }

  return { qadd, qmax_pool2d, qavg_pool2d };
}
