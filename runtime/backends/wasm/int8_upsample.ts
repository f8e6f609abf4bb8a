/**
 * The wasm backend's int8 2-d upsampling (assembly/qupsample.ts). Checks are the js reference's own; the input
 * and the per-axis tables are copied into the call's scratch once, the result out once.
 */
import { check_upsample } from '../js/int8/upsample.js';
import type { Int8Kernels, Upsample2dGeometry } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

/** Creates qupsample2d bound to one instance. */
export function make_wasm_upsample(inst: WasmInstance): Pick<Int8Kernels, 'qupsample2d'> {
  const { exports: wx, heap } = inst;

  function qupsample2d(x: Uint8Array, g: Upsample2dGeometry, y?: Uint8Array): Uint8Array {
    const n = check_upsample(x.length, g, y, 'wasm.qupsample2d');
    const res = y ?? new Uint8Array(n);
    if (n === 0) return res;
    const { planes, in_h: ih, in_w: iw, out_h: oh, out_w: ow } = g;
    // ATen's special case: equal sizes copy, whatever the scale
    if (ih === oh && iw === ow) {
      res.set(x);
      return res;
    }
    const bilinear = g.mode === 'bilinear';
    const rows = 4 * oh;
    const cols = 4 * ow;
    const tables = bilinear ? [rows, rows, rows, rows, cols, cols, cols, cols] : [rows, cols];
    heap.begin(scratch_bytes(x.length, n, ...tables));
    const xp = heap.take(x.length);
    const yp = heap.take(n);
    const put = (t: Int32Array | Float32Array, bytes: number): number => {
      const p = heap.take(bytes);
      heap.u8.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), p);
      return p;
    };
    heap.u8.set(x, xp);
    if (bilinear) {
      const [h0, h1, lh0, lh1] = [put(g.h0, rows), put(g.h1, rows), put(g.lh0, rows), put(g.lh1, rows)];
      const [w0, w1, lw0, lw1] = [put(g.w0, cols), put(g.w1, cols), put(g.lw0, cols), put(g.lw1, cols)];
      wx.qupsample_bilinear_u8(xp, planes, ih, iw, oh, ow, h0, h1, lh0, lh1, w0, w1, lw0, lw1, g.zero_point, yp);
    } else {
      wx.qupsample_nearest_u8(xp, planes, ih, iw, oh, ow, put(g.h0, rows), put(g.w0, cols), yp);
    }
    res.set(heap.u8.subarray(yp, yp + n));
    return res;
  }

  return { qupsample2d };
}
