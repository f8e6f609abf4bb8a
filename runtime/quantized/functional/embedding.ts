/**
 * Lookups over row-wise quantized embedding tables (torch.ops.quantized.embedding_byte / embedding_4bit /
 * embedding_bag_byte_rowwise_offsets / embedding_bag_4bit_rowwise_offsets): the table is torch's fused uint8
 * layout (embedding_pack.ts), the output float32, computed by the backends' `qembedding_bag` kernel.
 * torch 1.13's bag ops ignore `mode` and always sum (their kernel has no mode); fxq honours it: 'mean' is
 * fbgemm's normalize_by_lengths, 'max' the column max — the float nn.EmbeddingBag's modes.
 */
import { packed_row_bytes } from '../../backends/js/int8/embedding_bag.js';
import { get_backend } from '../../backends/registry.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { describe } from '../qtensor.js';

/** torch's mode codes: 0 sum, 1 mean, 2 max (a name is accepted too). */
export type BagMode = 0 | 1 | 2 | 'sum' | 'mean' | 'max';
const MODE_NAMES = ['sum', 'mean', 'max'] as const;

/** The fused table's rows and embedding dim, checked against the bit width. */
function table_of(weight: Tensor, bits: 8 | 4, op: string): { data: Uint8Array; rows: number; dim: number } {
  if (!(weight instanceof Tensor) || weight.dtype !== 'uint8' || weight.ndim !== 2)
    throw new Error(`${op}: weight must be a packed uint8 table [rows, columns], got ${describe(weight)}`);
  const [rows, cols] = weight.shape;
  const dim = bits === 8 ? cols - 8 : (cols - 4) * 2;
  if (rows < 1 || dim < 1 || packed_row_bytes(dim, bits) !== cols)
    throw new Error(
      `${op}: a ${bits}-bit packed table needs more than ${bits === 8 ? 8 : 4} columns, got [${rows}, ${cols}]`,
    );
  return { data: weight.contiguous().data as Uint8Array, rows, dim };
}

/** int64 / int32 indices as an Int32Array (ranges are checked by the kernel). */
function ints(t: Tensor, what: string, op: string): Int32Array {
  if (!(t instanceof Tensor) || (t.dtype !== 'int64' && t.dtype !== 'int32'))
    throw new Error(`${op}: ${what} must be an int64 or int32 tensor, got ${describe(t)}`);
  const d = t.contiguous().data;
  const out = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = Number(d[i]);
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)
      throw new Error(`${op}: ${what}[${i}] = ${v} is not an int32`);
    out[i] = v;
  }
  return out;
}

/** Bag boundaries (bags + 1 entries): 2-D indices are bags of fixed length (no offsets), 1-D ones need offsets. */
function bag_offsets(
  indices: Tensor,
  offsets: Tensor | null,
  include_last_offset: boolean,
  n: number,
  op: string,
): Int32Array {
  if (indices.ndim === 2) {
    if (offsets !== null)
      throw new Error(`${op}: input is 2-D, so offsets must be null (each row is a bag of ${indices.shape[1]})`);
    const [b, l] = indices.shape;
    return Int32Array.from({ length: b + 1 }, (_, i) => i * l);
  }
  if (indices.ndim !== 1) throw new Error(`${op}: expected 1-D or 2-D indices, got [${indices.shape.join(', ')}]`);
  if (offsets === null) throw new Error(`${op}: 1-D indices need offsets`);
  if (offsets.ndim !== 1) throw new Error(`${op}: offsets must be 1-D, got [${offsets.shape.join(', ')}]`);
  const o = ints(offsets, 'offsets', op);
  if (include_last_offset) {
    if (o.length < 1 || o[o.length - 1] !== n)
      throw new Error(`${op}: with include_last_offset the last offset must be the number of indices (${n})`);
    return o;
  }
  const all = new Int32Array(o.length + 1);
  all.set(o);
  all[o.length] = n;
  return all;
}

function bag(
  bits: 8 | 4,
  op: string,
  weight: Tensor,
  indices: Tensor,
  offsets: Tensor | null,
  mode: BagMode,
  per_sample_weights: Tensor | null,
  include_last_offset: boolean,
  padding_idx: number | null,
): Tensor {
  const { data, rows, dim } = table_of(weight, bits, op);
  const idx = ints(indices, 'indices', op);
  const offs = bag_offsets(indices, offsets, include_last_offset, idx.length, op);
  const m = typeof mode === 'number' ? MODE_NAMES[mode] : mode;
  if (!MODE_NAMES.includes(m as never))
    throw new Error(`${op}: mode must be 0/'sum', 1/'mean' or 2/'max', got ${mode}`);
  let w: Float32Array | null = null;
  if (per_sample_weights !== null) {
    if (
      !(per_sample_weights instanceof Tensor) ||
      per_sample_weights.dtype !== 'float32' ||
      per_sample_weights.numel() !== idx.length
    )
      throw new Error(
        `${op}: per_sample_weights must be float32 with one value per index (${idx.length}), got ${describe(per_sample_weights)}`,
      );
    w = per_sample_weights.contiguous().data as Float32Array;
  }
  const out = get_backend().int8.qembedding_bag(data, idx, {
    rows,
    dim,
    bits,
    offsets: offs,
    mode: m as 'sum' | 'mean' | 'max',
    per_sample_weights: w,
    padding_idx: padding_idx ?? -1,
  });
  return new Tensor(out, [offs.length - 1, dim], 'float32');
}

/** A lookup: every index its own bag; 1-D indices give [n, dim], 2-D [b, l, dim] (torch's embedding_byte). */
function lookup(bits: 8 | 4, op: string, weight: Tensor, indices: Tensor): Tensor {
  if (!(indices instanceof Tensor) || (indices.ndim !== 1 && indices.ndim !== 2))
    throw new Error(`${op}: expected 1-D or 2-D indices, got ${describe(indices)}`);
  const flat = indices.contiguous().reshape([indices.numel()]);
  const offsets = new Tensor(
    Float64Array.from({ length: flat.numel() }, (_, i) => i),
    [flat.numel()],
    'int64',
  );
  const y = bag(bits, op, weight, flat, offsets, 'sum', null, false, null);
  return y.reshape([...indices.shape, y.shape[1]]);
}

/** quantized.embedding_byte(weight, indices): rows of an 8-bit fused table. */
export const embedding_byte = define_function(
  'quantized.embedding_byte',
  (weight: Tensor, indices: Tensor): Tensor => lookup(8, 'quantized.embedding_byte', weight, indices),
);

/** quantized.embedding_4bit(weight, indices): rows of a 4-bit fused table. */
export const embedding_4bit = define_function(
  'quantized.embedding_4bit',
  (weight: Tensor, indices: Tensor): Tensor => lookup(4, 'quantized.embedding_4bit', weight, indices),
);

/** Options of the bag ops beyond torch's positional (weight, indices, offsets). */
export interface EmbeddingBagOpOptions {
  mode?: BagMode;
  per_sample_weights?: Tensor | null;
  include_last_offset?: boolean;
  /** fxq's: rows with this index are skipped (torch's quantized ops have no padding_idx). */
  padding_idx?: number | null;
}

/** The bag op of `bits`-bit rows named `name`, torch's positional (weight, indices, offsets) and the options. */
const bag_op = (bits: 4 | 8, name: string) =>
  define_function(
    name,
    (weight: Tensor, indices: Tensor, offsets: Tensor | null = null, o: EmbeddingBagOpOptions = {}): Tensor =>
      bag(
        bits,
        name,
        weight,
        indices,
        offsets,
        o.mode ?? 0,
        o.per_sample_weights ?? null,
        o.include_last_offset ?? false,
        o.padding_idx ?? null,
      ),
  );

/** quantized.embedding_bag_byte_rowwise_offsets(weight, indices, offsets, {mode, per_sample_weights, include_last_offset}). */
export const embedding_bag_byte_rowwise_offsets = bag_op(8, 'quantized.embedding_bag_byte_rowwise_offsets');

/** quantized.embedding_bag_4bit_rowwise_offsets(weight, indices, offsets, {mode, per_sample_weights, include_last_offset}). */
export const embedding_bag_4bit_rowwise_offsets = bag_op(4, 'quantized.embedding_bag_4bit_rowwise_offsets');
