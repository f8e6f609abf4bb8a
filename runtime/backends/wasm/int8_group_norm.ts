/**
 * The wasm backend's quantized GroupNorm / InstanceNorm (assembly/qgroup_norm.ts). Checks are the js reference's
 * own, so both backends reject the same input; operands are copied into the scratch block once, the result out once.
 */
import { check_qgroup_norm } from '../js/int8/group_norm.js';
import type { Int8Kernels, QGroupNormParams, QInput, QOutput } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

/** Creates qgroup_norm bound to one instance. */
export function make_wasm_group_norm(inst: WasmInstance): Pick<Int8Kernels, 'qgroup_norm'> {
  const { exports: wx, heap } = inst;
  function qgroup_norm(x: QInput, p: QGroupNormParams, out: QOutput, y?: Uint8Array): Uint8Array {
    const len = check_qgroup_norm(x, p, out, y, 'wasm.qgroup_norm');
    const res = y ?? new Uint8Array(len);
    if (len === 0) return res;
    const c = p.channels;
    heap.begin(scratch_bytes(len, len, p.weight ? 4 * c : 0, p.bias ? 4 * c : 0, 16));
    const xp = heap.take(len);
    const yp = heap.take(len);
    const wp = p.weight ? heap.take(4 * c) : 0;
    const bp = p.bias ? heap.take(4 * c) : 0;
    const sp = heap.take(16);
    heap.u8.set(x.data, xp);
    if (p.weight) new Float32Array(heap.memory.buffer, wp, c).set(p.weight);
    if (p.bias) new Float32Array(heap.memory.buffer, bp, c).set(p.bias);
    const inv = Math.fround(1 / Math.fround(out.scale));
    const cpg = c / p.groups;
    wx.qgroup_norm_u8(
      xp,
      p.batch * p.groups,
      cpg,
      p.spatial,
      c,
      wp,
      bp,
      x.scale,
      x.zero_point,
      p.eps,
      inv,
      out.zero_point,
      out.qmin,
      out.qmax,
      sp,
      yp,
    );
    res.set(heap.u8.subarray(yp, yp + len));
    return res;
  }
  return { qgroup_norm };
}
