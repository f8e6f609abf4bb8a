/**
 * Export rows of issue #16's rest-of-torch.nn layers, part 1: nn.Conv1d (float), nn.quantized.Conv1d /
 * nn.intrinsic.quantized.ConvReLU1d as QDQ around Conv (ONNX Runtime: QLinearConv).
 */
import { Conv1d } from '../../../runtime/nn/layers/conv_more.js';
import { Conv1d as QConv1d, ConvReLU1d as QConvReLU1d } from '../../../runtime/quantized/modules/conv1d.js';
import type { Node } from '../../ir/node.js';
import type { ExportContext, OnnxValue } from './context.js';
import { conv1d_attrs, emit_nn_more_float } from './nn_more_float.js';
import type { ModuleEntry } from './op_entry.js';
import { bias_dq, weight_dq } from './quantized_modules.js';

const float = (name: string): OnnxValue => ({ kind: 'float', name });

function emit_qconv1d(ctx: ExportContext, node: Node): OnnxValue {
  const m = ctx.module(node) as QConv1d;
  const hint = node.target;
  const x = ctx.float(node.args[0], node);
  const x_qp = ctx.input_qparams(node.args[0], node);
  const w = weight_dq(ctx, hint, m.weight(), node);
  const bias = bias_dq(ctx, hint, m.bias(), x_qp, w.qp, node);
  const y = ctx.b.op('Conv', bias ? [x, w.name, bias] : [x, w.name], hint, conv1d_attrs(m));
  return m instanceof QConvReLU1d ? ctx.relu_output(node, y) : float(y);
}

function float_row(cls: ModuleEntry['cls'], fxq: string, onnx: string): ModuleEntry {
  return {
    kind: 'module',
    cls,
    fxq,
    onnx,
    emit(ctx, node) {
      const x = ctx.float(node.args[0], node);
      const y = emit_nn_more_float(ctx, node, ctx.module(node), x);
      return float(y as string);
    },
  };
}

/** The module rows of this part (none is a subclass of another file's row class). */
export const NN_MORE_MODULE_ENTRIES: ModuleEntry[] = [
  {
    kind: 'module',
    cls: QConv1d,
    fxq: 'nn.quantized.Conv1d, nn.intrinsic.quantized.ConvReLU1d',
    onnx: 'DQ(int8 w) + DQ(int32 b) + Conv [+ Relu] + Q (ORT: QLinearConv)',
    emit: emit_qconv1d,
  },
  float_row(Conv1d, 'nn.Conv1d', 'Conv'),
];
