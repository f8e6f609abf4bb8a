/**
 * Shared by the ONNX export tests that compare onnxruntime-web with fxq: run a model both ways, the largest
 * difference, and the quantization step of an int8 model's outputs.
 */
import { export_onnx_bytes } from '../../../compiler/export/onnx/export.js';
import { fxq_logits } from '../../../examples/lib/onnx_cases.js';
import { type Ort, ort_op_counts, ort_runner } from '../../../examples/lib/onnx_runtime.js';
import type { nn, Tensor } from '../../../index.js';

/** The model exported and run on onnxruntime-web (`got`), fxq's output (`want`) and, with `ops`, ORT's op counts. */
export async function run_both(ort: Ort, model: nn.Module, x: Tensor, options: { ops?: boolean } = {}) {
  const bytes = export_onnx_bytes(model, [x]);
  const r = await ort_runner(ort, bytes);
  const got = await r.run(x.data as Float32Array, x.shape);
  await r.session.release();
  const ops = options.ops ? await ort_op_counts(ort, bytes, x.data as Float32Array, x.shape) : undefined;
  return { got, want: fxq_logits(model, x), ops };
}

/** max |a[i] − b[i]|. */
export function max_diff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** The smallest gap between distinct values of `v`: the output's quantization step. */
export function step_of(v: ArrayLike<number>): number {
  const levels = [...new Set(Array.from(v))].sort((a, b) => a - b);
  return Math.min(...levels.slice(1).map((x, i) => x - levels[i]));
}
