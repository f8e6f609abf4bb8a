import { record_grad } from '../../autograd/function.js';
import { get_backend, get_fp32_numerics, pytorch_fp32 } from '../../backends/registry.js';
import type { Fp32Kernels } from '../../backends/types.js';
import { broadcast_shapes, for_each_broadcast, sum_to_shape } from '../broadcast.js';
import { fmt_shape, reject_quantized } from '../dims.js';
import { define_function, define_method } from '../dispatch.js';
import { Tensor } from '../tensor.js';

/**
 * torch.matmul: 1-d·1-d (dot), 2-d·2-d, 1-d promoted on either side, and batched with broadcast
 * batch dims. Each [m, k]·[k, n] block runs on the current backend's sgemm; a batch against a
 * plain 2-d right operand is folded into one tall gemm.
 */

/** The current backend's sgemm, looked up per call so set_backend('wasm') runs matmul on the f32x4 kernel. */
const sgemm: Fp32Kernels['sgemm'] = (m, n, k, a, b, c, options) => get_backend().fp32.sgemm(m, n, k, a, b, c, options);

interface Operands {
  m: number;
  k: number;
  n: number;
  batch_a: number[];
  batch_b: number[];
  batch: number[];
  out_shape: number[];
}

function plan(a: Tensor, b: Tensor): Operands {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(`matmul: both arguments need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  }
  const as = a.ndim === 1 ? [1, a.shape[0]] : a.shape;
  const bs = b.ndim === 1 ? [b.shape[0], 1] : b.shape;
  const m = as[as.length - 2];
  const k = as[as.length - 1];
  const kb = bs[bs.length - 2];
  const n = bs[bs.length - 1];
  if (k !== kb) {
    throw new Error(
      `matmul: shapes ${fmt_shape(a.shape)} and ${fmt_shape(b.shape)} cannot be multiplied (${k} vs ${kb})`,
    );
  }
  const batch_a = as.slice(0, -2);
  const batch_b = bs.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcast_shapes(batch_a, batch_b, 'matmul');
  } catch {
    throw new Error(
      `matmul: batch dims of ${fmt_shape(a.shape)} and ${fmt_shape(b.shape)} cannot be broadcast (${fmt_shape(batch_a)} vs ${fmt_shape(batch_b)})`,
    );
  }
  const out_shape = [...batch];
  if (a.ndim > 1) out_shape.push(m);
  if (b.ndim > 1) out_shape.push(n);
  return { m, k, n, batch_a, batch_b, batch, out_shape };
}

/**
 * C[batch] = op(A[batch]) · op(B[batch]) for broadcast batches, where A blocks are [m, k] (or
 * [k, m] with trans_a) and B blocks [k, n] (or [n, k] with trans_b). Returns [...batch, m, n] data.
 */
function batched_gemm(
  a: Float32Array,
  batch_a: number[],
  b: Float32Array,
  batch_b: number[],
  batch: number[],
  m: number,
  n: number,
  k: number,
  trans_a: boolean,
  trans_b: boolean,
): Float32Array {
  const nb = batch.reduce((p, d) => p * d, 1);
  const c = new Float32Array(nb * m * n);
  if (c.length === 0) return c;
  if (k === 0) return c;
  const sa = m * k;
  const sb = k * n;
  // a batch of row-major A blocks against one shared B is one [nb·m, k] gemm
  if (batch_b.length === 0 && !trans_a && batch_a.length === batch.length) {
    sgemm(nb * m, n, k, a, b, c, { trans_b });
    return c;
  }
  // same batch dims on both sides, no transposes: the backend's batched kernel if it has one (wasm: one copy in/out)
  const bmm = get_backend().fp32.bmm;
  const same = (x: number[]) => x.length === batch.length && x.every((d, i) => d === batch[i]);
  if (bmm && !trans_a && !trans_b && same(batch_a) && same(batch_b)) {
    bmm(nb, m, n, k, a.subarray(0, nb * sa), b.subarray(0, nb * sb), c);
    return c;
  }
  for_each_broadcast(batch_a, batch_b, batch, (io, ia, ib) => {
    sgemm(
      m,
      n,
      k,
      a.subarray(ia * sa, (ia + 1) * sa),
      b.subarray(ib * sb, (ib + 1) * sb),
      c.subarray(io * m * n, (io + 1) * m * n),
      {
        trans_a,
        trans_b,
      },
    );
  });
  return c;
}

/**
 * torch.matmul's float order on the ViT reference (set_fp32_numerics('pytorch_x86_zen5')): a batch against a 2-d
 * right operand folds into one mm, other batches run bmm, one addmm per batch item (fp32/pytorch_x86_zen5.ts).
 */
function matmul_pytorch_x86(a: Float32Array, b: Float32Array, p: Operands): Float32Array {
  const { m, k, n } = p;
  const nb = p.batch.reduce((q, d) => q * d, 1);
  const c = new Float32Array(nb * m * n);
  const bmm_pytorch_x86 = pytorch_fp32().bmm;
  if (p.batch_b.length === 0 && p.batch_a.length === p.batch.length) {
    bmm_pytorch_x86(nb * m, k, n, a, b, c);
    return c;
  }
  const y = new Float32Array(m * n);
  for_each_broadcast(p.batch_a, p.batch_b, p.batch, (io, ia, ib) => {
    bmm_pytorch_x86(m, k, n, a.subarray(ia * m * k, (ia + 1) * m * k), b.subarray(ib * k * n, (ib + 1) * k * n), y);
    c.set(y, io * m * n);
  });
  return c;
}

function matmul_impl(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new Error('matmul: both arguments must be Tensors');
  reject_quantized(a, 'matmul');
  reject_quantized(b, 'matmul');
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(
      `matmul: expected float32 operands, got ${a.dtype} ${fmt_shape(a.shape)} and ${b.dtype} ${fmt_shape(b.shape)}`,
    );
  }
  const p = plan(a, b);
  const { m, k, n } = p;
  const ad = a.data as Float32Array;
  const bd = b.data as Float32Array;
  const c =
    get_fp32_numerics() === 'pytorch_x86_zen5'
      ? matmul_pytorch_x86(ad, bd, p)
      : batched_gemm(ad, p.batch_a, bd, p.batch_b, p.batch, m, n, k, false, false);
  const out = new Tensor(c, p.out_shape, 'float32');
  return record_grad(out, [a, b], 'MmBackward', (g) => {
    const gd = g.data as Float32Array;
    // dA = g·Bᵀ over the full batch, then summed over A's broadcast batch dims (and likewise dB = Aᵀ·g)
    const ga = a.requires_grad
      ? sum_to_shape(
          new Tensor(
            batched_gemm(gd, p.batch, bd, p.batch_b, p.batch, m, k, n, false, true),
            [...p.batch, m, k],
            'float32',
          ),
          [...p.batch_a, m, k],
        )._view_as_shape(a.shape)
      : null;
    const gb = b.requires_grad ? grad_b(ad, gd, p)._view_as_shape(b.shape) : null;
    return [ga, gb];
  });
}

function grad_b(ad: Float32Array, gd: Float32Array, p: Operands): Tensor {
  const { m, k, n } = p;
  if (p.batch_b.length === 0 && p.batch_a.length === p.batch.length) {
    // shared B: Aᵀ·g over all rows at once, [k, nb·m]·[nb·m, n]
    const rows = p.batch.reduce((q, d) => q * d, 1) * m;
    const c = new Float32Array(k * n);
    if (rows > 0) sgemm(k, n, rows, ad, gd, c, { trans_a: true });
    return new Tensor(c, [k, n], 'float32');
  }
  const full = new Float32Array(p.batch.reduce((q, d) => q * d, 1) * k * n);
  const sa = m * k;
  for_each_broadcast(p.batch_a, p.batch, p.batch, (io, ia) => {
    if (m === 0) return;
    sgemm(
      k,
      n,
      m,
      ad.subarray(ia * sa, (ia + 1) * sa),
      gd.subarray(io * m * n, (io + 1) * m * n),
      full.subarray(io * k * n, (io + 1) * k * n),
      {
        trans_a: true,
      },
    );
  });
  return sum_to_shape(new Tensor(full, [...p.batch, k, n], 'float32'), [...p.batch_b, k, n]);
}

/** torch.matmul(a, b), float32, with torch's 1-d promotion and batch broadcasting rules. */
export const matmul = define_function('matmul', matmul_impl);
/** torch.mm(a, b): strictly 2-d matmul. */
export const mm = define_function('mm', (a: Tensor, b: Tensor): Tensor => {
  if (a.ndim !== 2 || b.ndim !== 2)
    throw new Error(`mm: expected 2-D tensors, got ${fmt_shape(a.shape)} and ${fmt_shape(b.shape)}`);
  return matmul_impl(a, b);
});

define_method('matmul', matmul_impl);
