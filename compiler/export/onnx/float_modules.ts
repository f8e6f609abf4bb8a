/**
 * Float nn modules → ONNX (opset 13). In a quantized graph the same rows serve the float modules fxq
 * runs on quint8 tensors (MaxPool2d, AdaptiveAvgPool2d, …): their input arrives through a
 * DequantizeLinear and the exporter quantizes the output again, which ONNX Runtime folds into the
 * uint8 op (MaxPool, QLinearGlobalAveragePool).
 */

import { Identity } from '../../../runtime/nn/containers.js';
import { _FusedModule } from '../../../runtime/nn/intrinsic/fused.js';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Hardtanh,
  Linear,
  MaxPool2d,
  ReLU,
  Sigmoid,
  Softmax,
  Tanh,
} from '../../../runtime/nn/layers/index.js';
import type { Module } from '../../../runtime/nn/module.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import type { Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError, type OnnxValue } from './context.js';
import { emit_nn_more_float } from './nn_more_float.js';
import type { CallEntry, ModuleEntry } from './op_entry.js';

const pair = (v: number | readonly number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

const float = (name: string): OnnxValue => ({ kind: 'float', name });

function param(ctx: ExportContext, hint: string, t: Tensor): string {
  return ctx.b.initializer(hint, t.detach().contiguous().data as Float32Array, t.shape);
}

/**
 * Linear on a float input `x` of rank `rank`: Gemm over the [N, K] weight for matrices, MatMul over the
 * [K, N] one (+ Add) otherwise; only the weight form used is made (no unused initializer).
 */
export function emit_linear(
  ctx: ExportContext,
  hint: string,
  x: string,
  rank: number,
  w: () => string,
  w_t: () => string,
  b: string | null,
): string {
  if (rank === 2) return ctx.b.op('Gemm', b ? [x, w(), b] : [x, w()], hint, { transB: 1 });
  const y = ctx.b.op('MatMul', [x, w_t()], hint);
  return b ? ctx.b.op('Add', [y, b], hint) : y;
}

function conv_attrs(m: {
  kernel_size: number[];
  stride: number[];
  padding: [number, number];
  dilation: number[];
  groups: number;
}) {
  const [ph, pw] = m.padding;
  return {
    kernel_shape: [...m.kernel_size],
    strides: [...m.stride],
    pads: [ph, pw, ph, pw],
    dilations: [...m.dilation],
    group: m.groups,
  };
}

export { conv_attrs };

/** Runs `m` (a leaf) on the float input `x` of `node`; returns the float output name. */
function emit_float_module(ctx: ExportContext, node: Node, m: Module, x: string, rank: number): string {
  const hint = `${node.target}`;
  const b = ctx.b;
  if (m instanceof Conv2d) {
    if (typeof m.padding === 'string') throw new OnnxExportError(node, `Conv2d padding '${m.padding}' is not exported`);
    const w = param(ctx, `${hint}.weight`, m.weight);
    const ins = m.bias ? [x, w, param(ctx, `${hint}.bias`, m.bias)] : [x, w];
    return b.op('Conv', ins, hint, conv_attrs({ ...m, padding: m.padding }));
  }
  if (m instanceof Linear) {
    const w = () => param(ctx, `${hint}.weight`, m.weight);
    const bias = m.bias ? param(ctx, `${hint}.bias`, m.bias) : null;
    return emit_linear(ctx, hint, x, rank, w, () => param(ctx, `${hint}.weight_t`, m.weight.t().contiguous()), bias);
  }
  if (m instanceof BatchNorm2d || m instanceof BatchNorm1d) {
    const n = m.num_features;
    const ones = new Float32Array(n).fill(1);
    const scale = m.weight ? param(ctx, `${hint}.weight`, m.weight) : b.initializer(`${hint}.weight`, ones, [n]);
    const shift = m.bias ? param(ctx, `${hint}.bias`, m.bias) : b.initializer(`${hint}.bias`, new Float32Array(n), [n]);
    const rm = m.running_mean as Tensor | null;
    const rv = m.running_var as Tensor | null;
    if (!rm || !rv) throw new OnnxExportError(node, 'BatchNorm without running statistics has no inference form');
    const mean = param(ctx, `${hint}.running_mean`, rm);
    const v = param(ctx, `${hint}.running_var`, rv);
    return b.op('BatchNormalization', [x, scale, shift, mean, v], hint, { epsilon: { float: m.eps } });
  }
  if (m instanceof ReLU) return b.op('Relu', [x], hint);
  if (m instanceof Hardtanh)
    return b.op('Clip', [x, b.constant(Float32Array.of(m.min_val)), b.constant(Float32Array.of(m.max_val))], hint);
  if (m instanceof Sigmoid) return b.op('Sigmoid', [x], hint);
  if (m instanceof Tanh) return b.op('Tanh', [x], hint);
  if (m instanceof Softmax) return b.op('Softmax', [x], hint, { axis: m.dim });
  if (m instanceof MaxPool2d) {
    if (m.return_indices) throw new OnnxExportError(node, 'MaxPool2d(return_indices=true) is not exported');
    const [ph, pw] = pair(m.padding);
    return b.op('MaxPool', [x], hint, {
      kernel_shape: pair(m.kernel_size),
      strides: pair(m.stride),
      pads: [ph, pw, ph, pw],
      dilations: pair(m.dilation),
      ceil_mode: m.ceil_mode ? 1 : 0,
    });
  }
  if (m instanceof AvgPool2d) {
    if (m.divisor_override !== null) throw new OnnxExportError(node, 'AvgPool2d divisor_override has no ONNX form');
    const [ph, pw] = pair(m.padding);
    return b.op('AveragePool', [x], hint, {
      kernel_shape: pair(m.kernel_size),
      strides: pair(m.stride ?? m.kernel_size),
      pads: [ph, pw, ph, pw],
      ceil_mode: m.ceil_mode ? 1 : 0,
      count_include_pad: m.count_include_pad ? 1 : 0,
    });
  }
  if (m instanceof AdaptiveAvgPool2d) return emit_adaptive_avg_pool(ctx, node, m, x);
  if (m instanceof Flatten) return emit_flatten(ctx, hint, x, rank, m.start_dim, m.end_dim, node);
  if (m instanceof Dropout || m instanceof Identity) return x;
  if (m instanceof _FusedModule) {
    let y = x;
    for (let i = 0; i < m._num_parts; i++) y = emit_float_module(ctx, node, m.at(i), y, rank);
    return y;
  }
  const more = emit_nn_more_float(ctx, node, m, x);
  if (more !== null) return more;
  throw new OnnxExportError(node, `module ${m.constructor.name} has no ONNX export`);
}

/**
 * AdaptiveAvgPool2d: GlobalAveragePool for output 1, else AveragePool with kernel = stride = in / out
 * when the example input's size divides evenly (the same windows as PyTorch's adaptive ones).
 */
function emit_adaptive_avg_pool(ctx: ExportContext, node: Node, m: AdaptiveAvgPool2d, x: string): string {
  const o = m.output_size;
  const arg = node.args[0] as Node;
  const [h, w] = ctx.tensor(arg).shape.slice(-2);
  const [oh, ow] = typeof o === 'number' ? [o, o] : [o[0] ?? h, o[1] ?? w];
  if (oh === 1 && ow === 1) return ctx.b.op('GlobalAveragePool', [x], node.target);
  if (h % oh !== 0 || w % ow !== 0)
    throw new OnnxExportError(
      node,
      `AdaptiveAvgPool2d(${JSON.stringify(o)}) of a ${h}×${w} input has uneven windows (no ONNX op)`,
    );
  const k = [h / oh, w / ow];
  return ctx.b.op('AveragePool', [x], node.target, { kernel_shape: k, strides: k });
}

/** torch.flatten(x, start, end) as Flatten (start 1, end last) or Reshape with 0 (copy) / -1 dims. */
export function emit_flatten(
  ctx: ExportContext,
  hint: string,
  x: string,
  rank: number,
  start: number,
  end: number,
  node: Node,
): string {
  const s = start < 0 ? start + rank : start;
  const e = end < 0 ? end + rank : end;
  if (s >= e) return x;
  if (s === 1 && e === rank - 1) return ctx.b.op('Flatten', [x], hint, { axis: 1 });
  if (e !== rank - 1) throw new OnnxExportError(node, `flatten(${start}, ${end}) before the last dim is not exported`);
  return ctx.b.op('Reshape', [x, ctx.b.int64s([...new Array(s).fill(0), -1])], hint);
}

type PoolOptions = Record<string, unknown>;

/** F.max_pool2d / F.avg_pool2d / F.adaptive_avg_pool2d (and their quantized.* forms) through the module rows. */
function pool_call(make: (args: readonly unknown[]) => Module): CallEntry['emit'] {
  return (ctx, node) => {
    const x = ctx.float(node.args[0], node);
    const rank = ctx.tensor(node.args[0] as Node).ndim;
    return float(emit_float_module(ctx, node, make(node.args), x, rank));
  };
}

export const POOL_CALL_ENTRIES: CallEntry[] = [
  {
    kind: 'function',
    targets: ['F.max_pool2d', 'quantized.max_pool2d'],
    onnx: 'MaxPool',
    emit: pool_call((a) => new MaxPool2d(a[1] as number, (a[2] ?? {}) as PoolOptions)),
  },
  {
    kind: 'function',
    targets: ['F.avg_pool2d', 'quantized.avg_pool2d'],
    onnx: 'AveragePool',
    emit: pool_call((a) => new AvgPool2d(a[1] as number, (a[2] ?? {}) as PoolOptions)),
  },
  {
    kind: 'function',
    targets: ['F.adaptive_avg_pool2d', 'quantized.adaptive_avg_pool2d'],
    onnx: 'GlobalAveragePool or AveragePool',
    emit: pool_call((a) => new AdaptiveAvgPool2d(a[1] as number)),
  },
  {
    kind: 'function',
    targets: ['F.dropout'],
    onnx: '— (removed; training mode refused)',
    emit(ctx, node) {
      const o = node.args[1] as { training?: boolean } | undefined;
      if (o?.training !== false)
        throw new OnnxExportError(node, 'F.dropout in training mode (pass { training: false })');
      return float(ctx.float(node.args[0], node));
    },
  },
];

function module_entry(cls: ModuleEntry['cls'], fxq: string, onnx: string): ModuleEntry {
  return {
    kind: 'module',
    cls,
    fxq,
    onnx,
    emit(ctx, node) {
      const x = ctx.float(node.args[0], node);
      const arg = node.args[0] as Node;
      const rank = (ctx.runtime(arg) as Tensor).shape.length;
      return float(emit_float_module(ctx, node, ctx.module(node), x, rank));
    },
  };
}

/** The float module rows (nn.* and the fused nn.intrinsic.* sequences). */
export const FLOAT_MODULE_ENTRIES: ModuleEntry[] = [
  module_entry(Conv2d, 'nn.Conv2d', 'Conv'),
  module_entry(Linear, 'nn.Linear', 'Gemm (2-D input) or MatMul + Add'),
  module_entry(BatchNorm2d, 'nn.BatchNorm2d', 'BatchNormalization'),
  module_entry(BatchNorm1d, 'nn.BatchNorm1d', 'BatchNormalization'),
  module_entry(ReLU, 'nn.ReLU', 'Relu'),
  module_entry(Hardtanh, 'nn.Hardtanh, nn.ReLU6', 'Clip'),
  module_entry(Sigmoid, 'nn.Sigmoid', 'Sigmoid'),
  module_entry(Tanh, 'nn.Tanh', 'Tanh'),
  module_entry(Softmax, 'nn.Softmax', 'Softmax'),
  module_entry(MaxPool2d, 'nn.MaxPool2d', 'MaxPool'),
  module_entry(AvgPool2d, 'nn.AvgPool2d', 'AveragePool'),
  module_entry(
    AdaptiveAvgPool2d,
    'nn.AdaptiveAvgPool2d',
    'GlobalAveragePool (output 1); AveragePool when the input divides evenly',
  ),
  module_entry(Flatten, 'nn.Flatten', 'Flatten or Reshape'),
  module_entry(Dropout, 'nn.Dropout (eval)', '— (removed)'),
  module_entry(Identity, 'nn.Identity', '— (removed)'),
  module_entry(
    _FusedModule,
    'nn.intrinsic.ConvReLU2d, ConvBn2d, ConvBnReLU2d, LinearReLU, BNReLU2d',
    'its parts in order',
  ),
];
