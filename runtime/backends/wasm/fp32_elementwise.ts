/**
 * The wasm backend's optional fp32 elementwise kernels of inference: relu, clamp, eval-mode batch norm's per-channel
 * affine map and float max pool (assembly/felementwise.ts). Each is bit-identical to the JS loop it stands in
 * for (tests/runtime/backends/wasm_fp32_elementwise.test.ts). Operands are copied into the reused scratch
 * block once and the result out once.
 */
import { output_f32 } from '../../tensor/buffer_pool.js';
import { check_pool_geometry } from '../js/int8/pool_add.js';
import type { Fp32Kernels, Pool2dGeometry } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

function check_out(y: Float32Array | undefined, n: number, op: string): Float32Array {
  if (y && y.length !== n) throw new Error(`${op}: output buffer has ${y.length} elements, expected ${n}`);
  return y ?? output_f32(n);
}

/** Creates relu / clamp / batch_norm_affine / max_pool2d bound to one instance. */
export function make_wasm_fp32_elementwise(
  inst: WasmInstance,
): Required<Pick<Fp32Kernels, 'relu' | 'clamp' | 'batch_norm_affine' | 'max_pool2d'>> {
  const { exports: wx, heap } = inst;

  function put(a: Float32Array | Float64Array, off: number): void {
    heap.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
  }

  function get(off: number, n: number, res: Float32Array): Float32Array {
    res.set(new Float32Array(heap.memory.buffer, off, n));
    return res;
  }

  /** Runs `kernel(xp, n)` in place on a scratch copy of x (it reads each vector before writing it) into y. */
  function in_place(x: Float32Array, y: Float32Array | undefined, op: string, kernel: (xp: number, n: number) => void) {
    const n = x.length;
    const res = check_out(y, n, op);
    if (n === 0) return res;
    heap.begin(scratch_bytes(n * 4));
    const xp = heap.take(n * 4);
    put(x, xp);
    kernel(xp, n);
    return get(xp, n, res);
  }

  const relu = (x: Float32Array, y?: Float32Array): Float32Array =>
    in_place(x, y, 'wasm.relu', (xp, n) => wx.relu_f32(xp, n, xp));

  const clamp = (x: Float32Array, lo: number, hi: number, y?: Float32Array): Float32Array =>
    in_place(x, y, 'wasm.clamp', (xp, n) => wx.clamp_f32(xp, n, lo, hi, xp));

  function batch_norm_affine(
    x: Float32Array,
    planes: number,
    plane_size: number,
    scale: Float64Array,
    shift: Float64Array,
    y?: Float32Array,
  ): Float32Array {
    const op = 'wasm.batch_norm_affine';
    for (const [name, v] of Object.entries({ planes, plane_size })) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`${op}: ${name} must be a non-negative integer, got ${v}`);
    }
    const c = scale.length;
    if (shift.length !== c) throw new Error(`${op}: scale has ${c} channels but shift has ${shift.length}`);
    if (c === 0 && planes > 0) throw new Error(`${op}: scale and shift are empty but there are ${planes} planes`);
    if (c > 0 && planes % c !== 0)
      throw new Error(`${op}: planes (${planes}) must be a multiple of the channel count (${c})`);
    const n = planes * plane_size;
    if (x.length !== n)
      throw new Error(`${op}: x has ${x.length} elements, expected planes·plane_size = ${planes}·${plane_size}`);
    const res = check_out(y, n, op);
    if (n === 0) return res;
    heap.begin(scratch_bytes(n * 4, c * 8, c * 8));
    const xp = heap.take(n * 4);
    const sp = heap.take(c * 8);
    const hp = heap.take(c * 8);
    put(x, xp);
    put(scale, sp);
    put(shift, hp);
    wx.batch_norm_affine_f32(xp, planes, plane_size, c, sp, hp, xp);
    return get(xp, n, res);
  }

  function max_pool2d(x: Float32Array, g: Pool2dGeometry, y?: Float32Array): Float32Array {
    check_pool_geometry(x.length, g, undefined, 'wasm.max_pool2d');
    const n_out = g.planes * g.out_h * g.out_w;
    const res = check_out(y, n_out, 'wasm.max_pool2d');
    if (n_out === 0) return res;
    heap.begin(scratch_bytes(x.length * 4, n_out * 4));
    const xp = heap.take(x.length * 4);
    const yp = heap.take(n_out * 4);
    put(x, xp);
    wx.max_pool2d_f32(
      xp,
      g.planes,
      g.in_h,
      g.in_w,
      g.out_h,
      g.out_w,
      g.kernel_h,
      g.kernel_w,
      g.stride[0],
      g.stride[1],
      g.padding[0],
      g.padding[1],
      g.dilation[0],
      g.dilation[1],
      yp,
    );
    return get(yp, n_out, res);
  }

  return { relu, clamp, batch_norm_affine, max_pool2d };
}
