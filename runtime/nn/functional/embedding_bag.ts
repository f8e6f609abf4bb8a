/**
 * F.embedding_bag: the sum, mean or max of the embedding rows of each bag, without materialising the
 * rows (torch.nn.EmbeddingBag's docs). A 2-d input [B, L] is B bags of L indices; a 1-d input is cut into
 * bags at `offsets` (bag b = input[offsets[b] : offsets[b+1]], the last to the end, or include_last_offset).
 * `per_sample_weights` scale each row (mode 'sum' only); entries equal to `padding_idx` are skipped (and do
 * not count towards a mean); an empty bag gives zeros. Gradients go to the weight (scatter; max: to the
 * winning row) and to per_sample_weights.
 */
import { record_grad } from '../../autograd/function.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float, fmt } from './_util.js';

/** Options of F.embedding_bag (torch's keyword arguments). */
export interface EmbeddingBagOptions {
  offsets?: Tensor | null;
  mode?: 'sum' | 'mean' | 'max';
  per_sample_weights?: Tensor | null;
  include_last_offset?: boolean;
  padding_idx?: number | null;
}

function check_indices(t: Tensor, op: string, what: string): void {
  if (!(t instanceof Tensor) || (t.dtype !== 'int64' && t.dtype !== 'int32'))
    throw new Error(`${op}: ${what} must be an int64 or int32 tensor`);
}

/** [start, end) of every bag in the flat index list. */
function bag_bounds(input: Tensor, offsets: Tensor | null, include_last: boolean, op: string): [number, number][] {
  const total = input.numel();
  if (input.ndim === 2) {
    if (offsets !== null) throw new Error(`${op}: offsets must be None when input is 2-d, got offsets`);
    const [b, l] = input.shape;
    return Array.from({ length: b }, (_, i) => [i * l, (i + 1) * l]);
  }
  if (input.ndim !== 1) throw new Error(`${op}: input must be 1-d or 2-d, got ${fmt(input.shape)}`);
  if (offsets === null) throw new Error(`${op}: offsets has to be a 1-d tensor when input is 1-d`);
  check_indices(offsets, op, 'offsets');
  if (offsets.ndim !== 1) throw new Error(`${op}: offsets has to be a 1-d tensor, got ${fmt(offsets.shape)}`);
  const o = Array.from(offsets.data, Number);
  if (o.length > 0 && o[0] !== 0) throw new Error(`${op}: offsets[0] has to be 0, got ${o[0]}`);
  for (let i = 1; i < o.length; i++)
    if (o[i] < o[i - 1] || o[i] > total) throw new Error(`${op}: offsets must be non-decreasing within [0, ${total}]`);
  const bags = include_last ? o.length - 1 : o.length;
  return Array.from({ length: Math.max(bags, 0) }, (_, b) => [o[b], b + 1 < o.length ? o[b + 1] : total]);
}

function embedding_bag_impl(input: Tensor, weight: Tensor, options: EmbeddingBagOptions = {}): Tensor {
  const op = 'F.embedding_bag';
  check_indices(input, op, 'input');
  check_float(weight, op, 'weight');
  if (weight.ndim !== 2)
    throw new Error(`${op}: weight must be 2-d [num_embeddings, embedding_dim], got ${fmt(weight.shape)}`);
  const mode = options.mode ?? 'mean';
  if (mode !== 'sum' && mode !== 'mean' && mode !== 'max')
    throw new Error(`${op}: mode '${String(mode)}' is not sum, mean or max`);
  const psw = options.per_sample_weights ?? null;
  if (psw !== null) {
    check_float(psw, op, 'per_sample_weights');
    if (mode !== 'sum')
      throw new Error(`${op}: per_sample_weights was not None; only mode='sum' supports them, got mode='${mode}'`);
    if (psw.shape.length !== input.shape.length || psw.shape.some((d, i) => d !== input.shape[i]))
      throw new Error(`${op}: per_sample_weights ${fmt(psw.shape)} must have the shape of input ${fmt(input.shape)}`);
  }
  const [num, dim] = weight.shape;
  let pad = options.padding_idx ?? null;
  if (pad !== null) {
    if (pad < -num || pad >= num) throw new Error(`${op}: padding_idx ${pad} is out of range for ${num} embeddings`);
    if (pad < 0) pad += num;
  }
  const bags = bag_bounds(input, options.offsets ?? null, options.include_last_offset ?? false, op);
  const idx = input.data;
  for (let i = 0; i < idx.length; i++)
    if (!(Number(idx[i]) >= 0 && Number(idx[i]) < num))
      throw new Error(`${op}: index ${idx[i]} at flat position ${i} is out of range for ${num} embeddings`);
  const w = weight.data;
  const pw = psw?.data;
  const y = new Float32Array(bags.length * dim);
  const counts = new Float64Array(bags.length);
  const argmax = new Int32Array(mode === 'max' ? bags.length * dim : 0).fill(-1);
  const acc = new Float64Array(dim);
  bags.forEach(([s, e], b) => {
    acc.fill(mode === 'max' ? Number.NEGATIVE_INFINITY : 0);
    let n = 0;
    for (let i = s; i < e; i++) {
      const r = Number(idx[i]);
      if (r === pad) continue;
      n++;
      const scale = pw ? pw[i] : 1;
      for (let j = 0; j < dim; j++) {
        const v = w[r * dim + j];
        if (mode !== 'max') acc[j] += v * scale;
        else if (v > acc[j]) {
          acc[j] = v;
          argmax[b * dim + j] = r;
        }
      }
    }
    counts[b] = n;
    for (let j = 0; j < dim; j++) y[b * dim + j] = n === 0 ? 0 : mode === 'mean' ? acc[j] / n : acc[j];
  });
  const out = new Tensor(y, [bags.length, dim], 'float32');
  const inputs = psw ? [weight, psw] : [weight];
  return record_grad(out, inputs, 'EmbeddingBagBackward', (g) => {
    const gd = g.data;
    const gw = new Float64Array(w.length);
    const gp = pw ? new Float32Array(pw.length) : null;
    bags.forEach(([s, e], b) => {
      if (mode === 'max') {
        for (let j = 0; j < dim; j++)
          if (argmax[b * dim + j] >= 0) gw[argmax[b * dim + j] * dim + j] += gd[b * dim + j];
        return;
      }
      for (let i = s; i < e; i++) {
        const r = Number(idx[i]);
        if (r === pad) continue;
        const scale = mode === 'mean' ? 1 / counts[b] : pw ? pw[i] : 1;
        let dot = 0;
        for (let j = 0; j < dim; j++) {
          gw[r * dim + j] += gd[b * dim + j] * scale;
          dot += gd[b * dim + j] * w[r * dim + j];
        }
        if (gp) gp[i] = dot;
      }
    });
    const res: (Tensor | null)[] = [
      weight.requires_grad ? new Tensor(Float32Array.from(gw), weight.shape, 'float32') : null,
    ];
    if (psw) res.push(psw.requires_grad && gp ? new Tensor(gp, psw.shape, 'float32') : null);
    return res;
  });
}

/** F.embedding_bag(input, weight, {offsets, mode='mean', per_sample_weights, include_last_offset, padding_idx}) → [bags, dim]. */
export const embedding_bag = define_function('F.embedding_bag', embedding_bag_impl);
