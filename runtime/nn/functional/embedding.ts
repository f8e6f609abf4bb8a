/** F.embedding: rows of a weight table picked by integer indices, with a scatter-add gradient. */
import { record_grad } from '../../autograd/function.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float, fmt } from './_util.js';

/** Options of F.embedding. */
export interface EmbeddingOptions {
  /** Rows at this index get no gradient (torch's padding_idx; negative counts from the end). */
  padding_idx?: number | null;
}

/** F.embedding(input, weight, {padding_idx}): input of any shape of indices → [...input.shape, embedding_dim]. */
export const embedding = define_function(
  'F.embedding',
  (input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor => {
    const op = 'F.embedding';
    if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor of indices`);
    if (input.dtype !== 'int64' && input.dtype !== 'int32') {
      throw new Error(
        `${op}: expected an int64 or int32 index tensor, got ${input.dtype} of shape ${fmt(input.shape)}`,
      );
    }
    check_float(weight, op, 'weight');
    if (weight.ndim !== 2)
      throw new Error(`${op}: weight must be 2-d [num_embeddings, embedding_dim], got ${fmt(weight.shape)}`);
    const [num, dim] = weight.shape;
    let pad = options.padding_idx ?? null;
    if (pad !== null) {
      if (pad < -num || pad >= num) throw new Error(`${op}: padding_idx ${pad} is out of range for ${num} embeddings`);
      if (pad < 0) pad += num;
    }
    const idx = input.data;
    const w = weight.data;
    const y = new Float32Array(idx.length * dim);
    for (let i = 0; i < idx.length; i++) {
      const r = idx[i];
      if (!(r >= 0 && r < num) || !Number.isInteger(r)) {
        throw new Error(`${op}: index ${r} at flat position ${i} is out of range for ${num} embeddings`);
      }
      y.set(w.subarray(r * dim, (r + 1) * dim), i * dim);
    }
    const out = new Tensor(y, [...input.shape, dim], 'float32');
    return record_grad(out, [input, weight], 'EmbeddingBackward', (g) => {
      const gd = g.data;
      const gw = new Float32Array(w.length);
      for (let i = 0; i < idx.length; i++) {
        const r = idx[i];
        if (r === pad) continue;
        for (let j = 0; j < dim; j++) gw[r * dim + j] += gd[i * dim + j];
      }
      return [null, new Tensor(gw, weight.shape, 'float32')];
    });
  },
);
