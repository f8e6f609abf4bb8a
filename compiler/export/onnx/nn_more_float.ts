/**
 * The float forms of issue #16's rest-of-torch.nn layers, part 1, as ONNX: Conv1d → Conv over [N, C, L];
 * Upsample / F.interpolate → Resize. float_modules.ts's emitter calls this for modules it does not know (so fused
 * containers of them export too).
 */
import { Conv1d, ConvTranspose2d } from '../../../runtime/nn/layers/conv_more.js';
import { Upsample } from '../../../runtime/nn/layers/upsample_bag.js';
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

/** F.interpolate's options (torch's keyword arguments). */
export interface InterpolateArgs {
  size?: number | number[] | null;
  scale_factor?: number | number[] | null;
  mode?: string;
  align_corners?: boolean | null;
}

/**
 * Resize as torch's 4-d upsampling: a scale_factor becomes Resize's `scales` (ONNX then sizes the output
 * floor(in · scale) and maps coordinates with 1 / scale, as torch does), a size its `sizes` (batch and channels
 * read from the input, so the batch stays dynamic). nearest: asymmetric coordinates, floor; bilinear:
 * 'align_corners' or 'pytorch_half_pixel'.
 */
export function emit_resize(ctx: ExportContext, node: Node, x: string, o: InterpolateArgs, rank: number): string {
  const b = ctx.b;
  const hint = `${node.target}`;
  const mode = o.mode ?? 'nearest';
  if (rank !== 4) throw new OnnxExportError(node, `interpolate of a rank-${rank} input is not exported (4-d only)`);
  if (mode !== 'nearest' && mode !== 'bilinear') throw new OnnxExportError(node, `interpolate mode '${mode}'`);
  const attrs: Record<string, string> =
    mode === 'nearest'
      ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
      : { mode: 'linear', coordinate_transformation_mode: o.align_corners ? 'align_corners' : 'pytorch_half_pixel' };
  const two = (v: number | number[]) => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
  if (o.scale_factor !== null && o.scale_factor !== undefined) {
    const scales = b.constant(Float32Array.from([1, 1, ...two(o.scale_factor)]), [4]);
    return b.op('Resize', [x, '', scales], hint, attrs);
  }
  if (o.size === null || o.size === undefined)
    throw new OnnxExportError(node, 'interpolate needs size or scale_factor');
  const nc = b.op('Slice', [b.op('Shape', [x], `${hint}_shape`), b.int64s([0]), b.int64s([2])], `${hint}_nc`);
  const sizes = b.op('Concat', [nc, b.int64s(two(o.size))], `${hint}_sizes`, { axis: 0 });
  return b.op('Resize', [x, '', '', sizes], hint, attrs);
}

/** ONNX ConvTranspose attributes (torch's weight layout [in, out/groups, kh, kw] is ONNX's). */
export function conv_transpose_attrs(m: {
  kernel_size: readonly number[];
  stride: readonly number[];
  padding: readonly number[];
  output_padding: readonly number[];
  dilation: readonly number[];
  groups: number;
}) {
  const [ph, pw] = m.padding;
  return {
    kernel_shape: [...m.kernel_size],
    strides: [...m.stride],
    pads: [ph, pw, ph, pw],
    output_padding: [...m.output_padding],
    dilations: [...m.dilation],
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
  if (m instanceof ConvTranspose2d) {
    const w = param(ctx, `${hint}.weight`, m.weight);
    const ins = m.bias ? [x, w, param(ctx, `${hint}.bias`, m.bias)] : [x, w];
    return ctx.b.op('ConvTranspose', ins, hint, conv_transpose_attrs(m));
  }
  if (m instanceof Upsample) return emit_resize(ctx, node, x, m, 4);
  return null;
}
