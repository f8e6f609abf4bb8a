/**
 * The wasm backend's Int8Kernels.qgather (assembly/qgather.ts): permute / transpose of quint8 tensors as one pass
 * in wasm memory — the bytes the view reads copied in once (from `offset` to its last element), the gather with
 * a memory.copy per contiguous inner row, the result out once. Bit-identical to the js loop (a copy).
 */
import { merge_dims } from '../../tensor/strided.js';
import { check_qgather } from '../js/int8/gather.js';
import type { Int8Kernels } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

/** qgather bound to one instance. */
export function make_wasm_qgather(inst: WasmInstance): Int8Kernels['qgather'] {
  const { exports: wx, heap } = inst;
  return function qgather(x, offset, shape, strides, y) {
    const total = check_qgather('wasm.qgather', x, offset, shape, strides, y);
    const out = y ?? new Uint8Array(total);
    if (total === 0) return out;
    const [sh, st] = merge_dims(shape, strides);
    if (sh.length === 0) {
      out[0] = x[offset];
      return out;
    }
    let span = 1;
    for (let d = 0; d < sh.length; d++) span += (sh[d] - 1) * st[d];
    heap.begin(scratch_bytes(span, total, sh.length * 8, sh.length * 4));
    const xp = heap.take(span);
    const yp = heap.take(total);
    const dp = heap.take(sh.length * 8);
    const ip = heap.take(sh.length * 4);
    heap.u8.set(x.subarray(offset, offset + span), xp);
    const dims = new Int32Array(heap.memory.buffer, dp, sh.length * 2);
    for (let d = 0; d < sh.length; d++) {
      dims[2 * d] = sh[d];
      dims[2 * d + 1] = st[d];
    }
    wx.gather_u8(xp, dp, sh.length, yp, ip);
    out.set(heap.u8.subarray(yp, yp + total));
    return out;
  };
}
