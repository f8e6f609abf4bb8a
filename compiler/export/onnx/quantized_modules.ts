/**
 * int8 modules → QDQ ONNX. A static quantized Conv2d / Linear becomes
 *   DQ(x) ─┐
 *   DQ(int8 weight, scale, zp [, axis 0]) ─ Conv / Gemm ─ [Relu] ─ (exporter: Q with the module's output qparams)
 *   DQ(int32 bias, s_in·s_w, 0) ─┘
 * which ONNX Runtime fuses into QLinearConv / QGemm (the Relu folds into the Q). The int32 bias is rounded
 * as fxq's and qnnpack's kernels round it, rne(f32(b) · f32(1 / f32(s_in·s_w))), so the integers match.
 * A dynamic Linear becomes DynamicQuantizeLinear → MatMulInteger → Cast → Mul(s_x·s_w) [→ Add bias],
 * the pattern ONNX Runtime fuses into DynamicQuantizeMatMul.
 */

import { quantize_bias } from '../../../runtime/backends/js/int8/numerics.js';
import { Conv2d as QConv2d, ConvReLU2d as QConvReLU2d } from '../../../runtime/quantized/modules/conv.js';
import { Linear as DynLinear, LinearReLU as DynLinearReLU } from '../../../runtime/quantized/modules/dynamic/linear.js';
import { Linear as QLinear, LinearReLU as QLinearReLU } from '../../../runtime/quantized/modules/linear.js';
import { DeQuantize, Quantize } from '../../../runtime/quantized/modules/quantize.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import type { Node } from '../../ir/node.js';
import type { QParams } from './builder.js';
import { type ExportContext, OnnxExportError, type OnnxValue, qparams_of } from './context.js';
import { conv_attrs, emit_linear } from './float_modules.js';
import type { ModuleEntry } from './op_entry.js';
import { DataType } from './schema.js';

const fround = Math.fround;

function weight_scales(qp: QParams): Float32Array {
  return qp.kind === 'per_tensor' ? Float32Array.of(qp.scale) : Float32Array.from(qp.scales);
}

/** The int8 weight as an initializer behind a DequantizeLinear (axis 0 when per channel). */
export function weight_dq(ctx: ExportContext, hint: string, w: Tensor, node: Node): { name: string; qp: QParams } {
  const qp = qparams_of(w);
  if (!qp) throw new OnnxExportError(node, 'weight is not quantized');
  const q = ctx.b.initializer(`${hint}.weight_int8`, w.int_repr().contiguous().data as Int8Array, w.shape);
  return { name: ctx.b.dequantize(q, qp, `${hint}.weight`), qp };
}

/** The weight transposed to [K, N] for MatMul (per-channel axis becomes 1). */
function weight_t_dq(ctx: ExportContext, hint: string, w: Tensor, qp: QParams): string {
  const wt = w.int_repr().t().contiguous();
  const q = ctx.b.initializer(`${hint}.weight_int8_t`, wt.data as Int8Array, wt.shape);
  return ctx.b.dequantize(q, qp.kind === 'per_channel' ? { ...qp, axis: 1 } : qp, `${hint}.weight_t`);
}

/** The float bias as int32 at scale s_in·s_w[c] behind a DequantizeLinear; null without bias. */
export function bias_dq(
  ctx: ExportContext,
  hint: string,
  bias: Tensor | null,
  x_qp: QParams,
  w_qp: QParams,
  node: Node,
) {
  if (!bias) return null;
  if (x_qp.kind !== 'per_tensor') throw new OnnxExportError(node, 'the input must be quantized per tensor');
  const ws = weight_scales(w_qp);
  const n = bias.shape[0];
  const q = quantize_bias(bias.contiguous().data as Float32Array, x_qp.scale, ws);
  const q_name = ctx.b.initializer(`${hint}.bias_int32`, q, [n]);
  const scales = Array.from(ws, (s) => fround(fround(x_qp.scale) * s));
  const qp: QParams =
    w_qp.kind === 'per_tensor'
      ? { kind: 'per_tensor', scale: scales[0], zero_point: 0, dtype: 'int32' }
      : { kind: 'per_channel', scales, zero_points: new Int32Array(n), axis: 0, dtype: 'int32' };
  return ctx.b.dequantize(q_name, qp, `${hint}.bias`);
}

const float = (name: string): OnnxValue => ({ kind: 'float', name });

/**
 * The output of an int8 conv / linear carrying a folded clamp (`out_clamp`, compiler/passes/fold_clamps.ts): quantized at
 * its qparams, then Clip on the uint8 tensor to [lo, hi] (raised to the zero point for a fused ReLU), as fxq's
 * requantization clamps; without one, the usual (Relu →) float result the exporter quantizes.
 */
function clamped_output(ctx: ExportContext, node: Node, y: string, m: QConv2d | QLinear, relu: boolean): OnnxValue {
  const clamp = m.out_clamp;
  if (!clamp) return relu ? ctx.relu_output(node, y) : float(y);
  const qp = qparams_of(ctx.runtime(node) as Tensor);
  if (qp === null || qp.kind !== 'per_tensor' || qp.dtype !== 'uint8')
    throw new OnnxExportError(node, 'a folded output clamp needs a per-tensor quint8 output');
  const b = ctx.b;
  const lo = Math.max(clamp[0], relu ? qp.zero_point : 0);
  const q = b.quantize(y, qp, ctx.hint(node));
  const clip = [q, b.constant(Uint8Array.of(lo)), b.constant(Uint8Array.of(clamp[1]))];
  return { kind: 'quant', name: b.op('Clip', clip, `${ctx.hint(node)}_clamp`), qp };
}

function emit_qconv(ctx: ExportContext, node: Node): OnnxValue {
  const m = ctx.module(node) as QConv2d;
  const hint = node.target;
  const x = ctx.float(node.args[0], node);
  const x_qp = ctx.input_qparams(node.args[0], node);
  const w = weight_dq(ctx, hint, m.weight(), node);
  const bias = bias_dq(ctx, hint, m.bias(), x_qp, w.qp, node);
  const y = ctx.b.op('Conv', bias ? [x, w.name, bias] : [x, w.name], hint, conv_attrs(m));
  return clamped_output(ctx, node, y, m, m instanceof QConvReLU2d);
}

function emit_qlinear(ctx: ExportContext, node: Node): OnnxValue {
  const m = ctx.module(node) as QLinear;
  const hint = node.target;
  const x = ctx.float(node.args[0], node);
  const x_qp = ctx.input_qparams(node.args[0], node);
  const rank = ctx.tensor(node.args[0] as Node).shape.length;
  const w_qp = qparams_of(m.weight());
  if (!w_qp) throw new OnnxExportError(node, 'weight is not quantized');
  const bias = bias_dq(ctx, hint, m.bias(), x_qp, w_qp, node);
  const w = () => weight_dq(ctx, hint, m.weight(), node).name;
  const y = emit_linear(ctx, hint, x, rank, w, () => weight_t_dq(ctx, hint, m.weight(), w_qp), bias);
  return clamped_output(ctx, node, y, m, m instanceof QLinearReLU);
}

function emit_dynamic_linear(ctx: ExportContext, node: Node): OnnxValue {
  const m = ctx.module(node) as DynLinear;
  const hint = node.target;
  const b = ctx.b;
  const x = ctx.float(node.args[0], node);
  const w = m.weight();
  const qp = qparams_of(w);
  if (qp === null) throw new OnnxExportError(node, 'dynamic Linear needs a qint8 weight');
  if (qp.dtype !== 'int8') throw new OnnxExportError(node, `dynamic Linear weight is ${qp.dtype}, not int8`);
  const wt = w.int_repr().t().contiguous();
  const w_q = b.initializer(`${hint}.weight_int8_t`, wt.data as Int8Array, wt.shape);
  const n = wt.shape[1];
  const per_ch = qp.kind === 'per_channel';
  const w_scale = per_ch
    ? b.initializer(`${hint}.weight_scale`, Float32Array.from(qp.scales), [n])
    : b.constant(Float32Array.of(qp.scale));
  const w_zp = per_ch
    ? b.initializer(`${hint}.weight_zero_point`, Int8Array.from(qp.zero_points), [n])
    : b.constant(Int8Array.of(qp.zero_point));
  const [xq, xs, xzp] = b.node(
    'DynamicQuantizeLinear',
    [x],
    [`${hint}.input_q`, `${hint}.input_scale`, `${hint}.input_zero_point`],
  );
  const scale = b.op('Mul', [xs, w_scale], `${hint}.scale`);
  const acc = b.op('MatMulInteger', [xq, w_q, xzp, w_zp], `${hint}.acc`);
  const accf = b.op('Cast', [acc], `${hint}.acc_f`, { to: DataType.FLOAT });
  let y = b.op('Mul', [accf, scale], hint);
  const bias = m.bias();
  if (bias)
    y = b.op('Add', [y, b.initializer(`${hint}.bias`, bias.contiguous().data as Float32Array, bias.shape)], hint);
  return float(m instanceof DynLinearReLU ? b.op('Relu', [y], hint) : y);
}

/** The int8 module rows; subclasses first (a dynamic Linear is a static Linear subclass). */
export const QUANTIZED_MODULE_ENTRIES: ModuleEntry[] = [
  {
    kind: 'module',
    cls: DynLinear,
    fxq: 'nn.quantized.dynamic.Linear, nn.intrinsic.quantized.dynamic.LinearReLU',
    onnx: 'DynamicQuantizeLinear + MatMulInteger + Cast + Mul [+ Add] [+ Relu] (ORT: DynamicQuantizeMatMul)',
    emit: emit_dynamic_linear,
  },
  {
    kind: 'module',
    cls: QConv2d,
    fxq: 'nn.quantized.Conv2d, nn.intrinsic.quantized.ConvReLU2d',
    onnx: 'DQ(int8 w) + DQ(int32 b) + Conv [+ Relu] + Q (ORT: QLinearConv)',
    emit: emit_qconv,
  },
  {
    kind: 'module',
    cls: QLinear,
    fxq: 'nn.quantized.Linear, nn.intrinsic.quantized.LinearReLU',
    onnx: 'DQ(int8 w) + DQ(int32 b) + Gemm [+ Relu] + Q (ORT: QGemm); MatMul + Add above 2-D',
    emit: emit_qlinear,
  },
  {
    kind: 'module',
    cls: Quantize,
    fxq: 'nn.quantized.Quantize (eager QuantStub)',
    onnx: 'QuantizeLinear',
    emit: (ctx, node) => float(ctx.float(node.args[0], node)),
  },
  {
    kind: 'module',
    cls: DeQuantize,
    fxq: 'nn.quantized.DeQuantize (eager DeQuantStub)',
    onnx: 'DequantizeLinear',
    emit: (ctx, node) => float(ctx.float(node.args[0], node)),
  },
];
