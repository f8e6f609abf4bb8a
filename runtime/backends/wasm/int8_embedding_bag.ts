/**
 * The wasm backend's quantized embedding-bag lookup (assembly/qembedding_bag.ts). Checks are the js reference's
 * own; the table, indices, offsets and weights are copied into the scratch block per call, the result out once.
 */
import { check_qembedding_bag } from '../js/int8/embedding_bag.js';
import type { Int8Kernels, QEmbeddingBagParams } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

const MODES = { sum: 0, mean: 1, max: 2 } as const;

/** Creates qembedding_bag bound to one instance. */
export function make_wasm_embedding_bag(inst: WasmInstance): Pick<Int8Kernels, 'qembedding_bag'> {
  const { exports: wx, heap } = inst;
  function qembedding_bag(
    table: Uint8Array,
    indices: Int32Array,
    p: QEmbeddingBagParams,
    y?: Float32Array,
  ): Float32Array {
    const bags = check_qembedding_bag(table, indices, p, y, 'wasm.qembedding_bag');
    const n = bags * p.dim;
    const res = y ?? new Float32Array(n);
    if (n === 0) return res;
    const w = p.per_sample_weights;
    heap.begin(
      scratch_bytes(table.length, 4 * indices.length, 4 * p.offsets.length, w ? 4 * w.length : 0, 4 * p.dim, 4 * n),
    );
    const tp = heap.take(table.length);
    const ip = heap.take(4 * indices.length);
    const op = heap.take(4 * p.offsets.length);
    const wp = w ? heap.take(4 * w.length) : 0;
    const ap = heap.take(4 * p.dim);
    const yp = heap.take(4 * n);
    const buf = heap.memory.buffer;
    heap.u8.set(table, tp);
    new Int32Array(buf, ip, indices.length).set(indices);
    new Int32Array(buf, op, p.offsets.length).set(p.offsets);
    if (w) new Float32Array(buf, wp, w.length).set(w);
    wx.qembedding_bag_f32(tp, p.dim, p.bits, ip, op, bags, MODES[p.mode], wp, p.padding_idx, ap, yp);
    res.set(new Float32Array(heap.memory.buffer, yp, n));
    return res;
  }
  return { qembedding_bag };
}
