/**
 * The float forms of issue #16's rest-of-torch.nn layers, part 1, as ONNX: Conv1d → Conv over [N, C, L].
 * float_modules.ts's emitter calls this for modules it does not know (so fused containers of them export too).
 */
import { Conv1d } from '../../../runtime/nn/layers/conv_more.js';
import type { Module } from '../../../runtime/nn/module.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import type { Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError } from './context.js';

function param(ctx: ExportContext, hint: string, t: Tensor): string {
  return ctx.b.initializer(hint, t.detach().contiguous().data as Float32Array, t.shape);
}

/** ONNX Conv attributes of a 1-d conv (numeric padding). */
export function conv1d_attrs(m: {
  kernel_size: readonly number[];
  stride: readonly number[];
  padding: readonly number[];
  dilation: readonly number[];
  groups: number;
}) {
  return {
    kernel_shape: [m.kernel_size[0]],
    strides: [m.stride[0]],
    pads: [m.padding[0], m.padding[0]],
    dilations: [m.dilation[0]],
    group: m.groups,
  };
}

/** The float output name of `m` run on `x`, or null when `m` is none of this file's modules. */
export function emit_nn_more_float(ctx: ExportContext, node: Node, m: Module, x: string): string | null {
  const hint = `${node.target}`;
  if (m instanceof Conv1d) {
    const p = m.padding;
    if (typeof p === 'string') {
      if (p === 'same' && (m.dilation[0] * (m.kernel_size[0] - 1)) % 2 !== 0)
        throw new OnnxExportError(node, "Conv1d padding='same' with an odd total padding is not exported");
    }
    const pad = p === 'valid' ? 0 : p === 'same' ? (m.dilation[0] * (m.kernel_size[0] - 1)) / 2 : p[0];
    const w = param(ctx, `${hint}.weight`, m.weight);
    const ins = m.bias ? [x, w, param(ctx, `${hint}.bias`, m.bias)] : [x, w];
    return ctx.b.op('Conv', ins, hint, conv1d_attrs({ ...m, padding: [pad] }));
  }
  return null;
}
