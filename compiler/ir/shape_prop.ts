/**
 * ShapeProp: runs the graph on example inputs and records each node's result shape and dtype in
 * node.meta (`shape`, `dtype`, and `tensor_meta` as torch.fx names it; arrays of tensors give arrays).
 */

import type { DType } from '../../runtime/tensor/dtype.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { Interpreter } from './interpreter.js';
import type { Node } from './node.js';

/** What ShapeProp records for one tensor value. */
export interface TensorMeta {
  shape: number[];
  dtype: DType;
  is_quantized: boolean;
}

function meta_of(v: unknown): TensorMeta | TensorMeta[] | null {
  if (v instanceof Tensor) return { shape: [...v.shape], dtype: v.dtype, is_quantized: v.is_quantized };
  if (Array.isArray(v)) {
    const parts = v.map(meta_of);
    return parts.every((p) => p !== null && !Array.isArray(p)) ? (parts as TensorMeta[]) : null;
  }
  return null;
}

/** Interpreter that fills node.meta with shapes and dtypes; `propagate` runs it. */
export class ShapeProp extends Interpreter {
  run_node(node: Node): unknown {
    const result = super.run_node(node);
    const m = meta_of(result);
    if (m) {
      node.meta.tensor_meta = m;
      if (!Array.isArray(m)) {
        node.meta.shape = m.shape;
        node.meta.dtype = m.dtype;
      }
    }
    return result;
  }

  /** Runs on `args` and returns the output, leaving shape/dtype on every tensor-valued node. */
  propagate(...args: unknown[]): unknown {
    return this.run(...args);
  }
}
