/**
 * The js reference of torch's generic quantized add (QuantizedOpKernels.cpp qadd_kernel, the path of
 * differently shaped operands, and of same-shaped ones outside qnnpack's range): see ../../types.ts
 * QAddFloatParams. `torch_add_loop` works out, from the operand shapes, the inner loop TensorIterator runs and
 * how much of it cpu_kernel_vec vectorizes (ATen's AVX2 build, one thread: PyTorch 1.13 as the FmnistViT reference ran).
 */
import type { QAddFloatParams } from '../../types.js';
import { fma_f32 } from '../fp32/fma.js';
import { rne } from './numerics.js';

const fround = Math.fround;
/** cpu_kernel_vec's vectorized_loop steps two Vectorized<quint8> at a time: 2·32 bytes on AVX2. */
export const QADD_VEC_STEP = 64;

/**
 * TensorIterator's inner loop for out = a ⊕ b (contiguous operands, broadcast shapes): size-1 dims dropped,
 * adjacent dims coalesced while every operand's strides allow it; the loop is vectorized when each input
 * is contiguous along it or one of them is constant (stride 0) there.
 */
export function torch_add_loop(
  a_shape: readonly number[],
  b_shape: readonly number[],
  out_shape: readonly number[],
): { run: number; vec_len: number } {
  const nd = out_shape.length;
  const strides = (shape: readonly number[]) => {
    const st = new Array<number>(nd).fill(0);
    let s = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      const oi = nd - shape.length + i;
      st[oi] = shape[i] === 1 ? 0 : s;
      s *= shape[i];
    }
    return st;
  };
  const ops = [strides(out_shape), strides(a_shape), strides(b_shape)];
  // dims fastest first, size-1 dims dropped
  const dims: { size: number; st: number[] }[] = [];
  for (let i = nd - 1; i >= 0; i--) if (out_shape[i] !== 1) dims.push({ size: out_shape[i], st: ops.map((o) => o[i]) });
  if (dims.length === 0) return { run: 1, vec_len: 0 };
  const d0 = { size: dims[0].size, st: [...dims[0].st] };
  for (let i = 1; i < dims.length; i++) {
    const d = dims[i];
    if (!d0.st.every((s, k) => s * d0.size === d.st[k])) break;
    d0.size *= d.size;
  }
  const [, sa, sb] = d0.st;
  const contiguous = (s: number) => s === 1;
  const vectorized = (contiguous(sa) && contiguous(sb)) || (contiguous(sa) && sb === 0) || (sa === 0 && contiguous(sb));
  const run = d0.size;
  return { run, vec_len: vectorized ? run - (run % QADD_VEC_STEP) : 0 };
}

/** The kernel's float32 constants for quint8 a (a_scale, a_zero_point) + b → (scale, zero_point), over `loop`. */
export function qadd_float_params(
  a_scale: number,
  a_zero_point: number,
  b_scale: number,
  b_zero_point: number,
  scale: number,
  zero_point: number,
  relu: boolean,
  loop: { run: number; vec_len: number },
): QAddFloatParams {
  const sa = fround(a_scale);
  const sb = fround(b_scale);
  return {
    a_scale: sa,
    a_zero_point,
    a_premul: fround(sa * -a_zero_point),
    b_scale: sb,
    b_zero_point,
    b_premul: fround(sb * -b_zero_point),
    inv_scale: fround(1 / fround(scale)),
    zero_point,
    qmin: relu ? zero_point : 0,
    qmax: 255,
    run: loop.run,
    vec_len: loop.vec_len,
  };
}

/** Throws unless b's length divides a's, the loop tiles a, y fits and the params are float32 / in range. */
export function check_qadd_float(
  a: Uint8Array,
  b: Uint8Array,
  p: QAddFloatParams,
  y: Uint8Array | undefined,
  op: string,
): void {
  if (b.length === 0 ? a.length !== 0 : a.length % b.length !== 0)
    throw new Error(`${op}: b has ${b.length} elements, which must divide a's ${a.length} (b repeats along a)`);
  if (y && y.length !== a.length)
    throw new Error(`${op}: output buffer has ${y.length} elements, expected ${a.length}`);
  const { run, vec_len } = p;
  if (!(Number.isInteger(run) && run >= 1 && a.length % run === 0))
    throw new Error(`${op}: run ${run} must be a positive divisor of the length ${a.length}`);
  if (!(Number.isInteger(vec_len) && vec_len >= 0 && vec_len <= run && vec_len % QADD_VEC_STEP === 0))
    throw new Error(`${op}: vec_len ${vec_len} must be a multiple of ${QADD_VEC_STEP} in 0..run (${run})`);
  const f32 = [p.a_scale, p.a_premul, p.b_scale, p.b_premul, p.inv_scale];
  if (!f32.every((v) => Number.isFinite(v) && v === fround(v)))
    throw new Error(`${op}: scales ${f32.join(', ')} must be finite float32 values`);
  const u8 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 255;
  if (![p.a_zero_point, p.b_zero_point, p.zero_point, p.qmin, p.qmax].every(u8) || p.qmin > p.qmax)
    throw new Error(
      `${op}: zero points ${p.a_zero_point}, ${p.b_zero_point}, ${p.zero_point}, clamp [${p.qmin}, ${p.qmax}] must lie in 0..255`,
    );
}

/** The 256 dequantized values of a quint8 operand, on the vectorized (fma) or the scalar path. */
export function dequant_table(scale: number, zero_point: number, premul: number, vec: boolean): Float32Array {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = vec ? fma_f32(scale, v, premul) : (v - zero_point) * scale;
  return t;
}

/** y[i] = clamp(zp + rne(f32(f32(da + db) · inv)), qmin, qmax), b repeating; see QAddFloatParams. */
export function qadd_float(a: Uint8Array, b: Uint8Array, p: QAddFloatParams, y?: Uint8Array): Uint8Array {
  check_qadd_float(a, b, p, y, 'js.qadd_float');
  const out = y ?? new Uint8Array(a.length);
  const { inv_scale, zero_point, qmin, qmax, run, vec_len } = p;
  const ta = [
    dequant_table(p.a_scale, p.a_zero_point, p.a_premul, false),
    dequant_table(p.a_scale, p.a_zero_point, p.a_premul, true),
  ];
  const tb = [
    dequant_table(p.b_scale, p.b_zero_point, p.b_premul, false),
    dequant_table(p.b_scale, p.b_zero_point, p.b_premul, true),
  ];
  const nb = b.length;
  for (let i = 0, j = 0, r = 0; i < a.length; i++) {
    const v = r < vec_len ? 1 : 0;
    const q = zero_point + rne(fround(fround(ta[v][a[i]] + tb[v][b[j]]) * inv_scale));
    out[i] = q < qmin ? qmin : q > qmax ? qmax : q;
    if (++j === nb) j = 0;
    if (++r === run) r = 0;
  }
  return out;
}
