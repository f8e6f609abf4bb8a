/** Validation and output size of a Conv2dGeometry, shared by the wasm int8 and fp32 conv kernels. */
import type { Conv2dGeometry } from '../types.js';

/** Output height/width and per-group channel counts; throws naming `op` and the bad field. */
export function conv_output_hw(g: Conv2dGeometry, op: string): { oh: number; ow: number; cig: number; cog: number } {
  const { batch, in_channels: ci, in_h, in_w, out_channels: co, kernel_h: kh, kernel_w: kw, groups } = g;
  for (const [name, v] of Object.entries({
    batch,
    in_channels: ci,
    in_h,
    in_w,
    out_channels: co,
    kernel_h: kh,
    kernel_w: kw,
    groups,
  })) {
    if (!Number.isInteger(v) || v < (name === 'batch' ? 0 : 1))
      throw new Error(`${op}: geometry.${name} must be a positive integer, got ${v}`);
  }
  if (ci % groups !== 0 || co % groups !== 0)
    throw new Error(`${op}: groups ${groups} must divide in_channels ${ci} and out_channels ${co}`);
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  if (!(sh >= 1 && sw >= 1 && dh >= 1 && dw >= 1 && ph >= 0 && pw >= 0)) {
    throw new Error(`${op}: bad stride [${sh}, ${sw}] / padding [${ph}, ${pw}] / dilation [${dh}, ${dw}]`);
  }
  const oh = Math.floor((in_h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((in_w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1) {
    throw new Error(
      `${op}: input [${batch}, ${ci}, ${in_h}, ${in_w}] is too small for kernel ${kh}×${kw} (padding [${ph}, ${pw}], dilation [${dh}, ${dw}]): output would be ${oh}×${ow}`,
    );
  }
  return { oh, ow, cig: ci / groups, cog: co / groups };
}
