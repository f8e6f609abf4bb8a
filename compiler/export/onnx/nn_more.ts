/**
 * Export rows of issue #16's rest-of-torch.nn layers, part 1: nn.Conv1d (float), nn.quantized.Conv1d /
 * nn.intrinsic.quantized.ConvReLU1d as QDQ around Conv (ONNX Runtime: QLinearConv); nn.Upsample (and its
 * fixed-mode subclasses), F.interpolate / quantized.interpolate as Resize (on a quantized input between DQ and Q,
 * which ONNX Runtime runs on uint8).
 */
import { Conv1d, ConvTranspose2d } from '../../../runtime/nn/layers/conv_more.js';
import { Upsample } from '../../../runtime/nn/layers/upsample_bag.js';
import { ConvTranspose2d as QConvTranspose2d } from '../../../runtime/quantized/modules/conv_transpose.js';
import { Conv1d as QConv1d, ConvReLU1d as QConvReLU1d } from '../../../runtime/quantized/modules/conv1d.js';
import type { Node } from '../../ir/node.js';
import type { ExportContext, OnnxValue } from './context.js';
import {
  conv_transpose_attrs,
  conv1d_attrs,
  emit_nn_more_float,
  emit_resize,
  type InterpolateArgs,
} from './nn_more_float.js';
import type { CallEntry, ModuleEntry } from './op_entry.js';
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

/**
 * ONNX has no QLinearConvTranspose: the int8 transposed conv is QDQ around ConvTranspose (int8 weight behind a
 * DequantizeLinear, axis 1 when per channel; int32 bias at s_in·s_w), which ONNX Runtime may run in float.
 */
function emit_qconv_transpose(ctx: ExportContext, node: Node): OnnxValue {
  const m = ctx.module(node) as QConvTranspose2d;
  const hint = node.target;
  const x = ctx.float(node.args[0], node);
  const x_qp = ctx.input_qparams(node.args[0], node);
  const w = weight_dq(ctx, hint, m.weight(), node);
  const bias = bias_dq(ctx, hint, m.bias(), x_qp, w.qp, node);
  return float(ctx.b.op('ConvTranspose', bias ? [x, w.name, bias] : [x, w.name], hint, conv_transpose_attrs(m)));
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
      if (y === null) throw new Error(`nn_more: no float emitter for ${ctx.module(node).constructor.name}`);
      return float(y);
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
  {
    kind: 'module',
    cls: QConvTranspose2d,
    fxq: 'nn.quantized.ConvTranspose2d',
    onnx: 'DQ(int8 w, axis 1) + DQ(int32 b) + ConvTranspose + Q (no standard QLinear form)',
    emit: emit_qconv_transpose,
  },
  float_row(Conv1d, 'nn.Conv1d', 'Conv'),
  float_row(ConvTranspose2d, 'nn.ConvTranspose2d', 'ConvTranspose'),
  float_row(Upsample, 'nn.Upsample, nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d', 'Resize'),
];

/** F.interpolate (float, or kept on a quantized tensor by convert) and quantized.interpolate. */
export const NN_MORE_CALL_ENTRIES: CallEntry[] = [
  {
    kind: 'function',
    targets: ['F.interpolate', 'quantized.interpolate'],
    onnx: 'Resize (nearest: asymmetric, floor; bilinear: linear, pytorch_half_pixel or align_corners)',
    emit(ctx, node) {
      const x = ctx.float(node.args[0], node);
      const rank = ctx.tensor(node.args[0] as Node).shape.length;
      const o = (node.args[1] ?? node.kwargs) as InterpolateArgs;
      return float(emit_resize(ctx, node, x, o, rank));
    },
  },
];
