/**
 * What the quantized Conv1d, Conv2d and ConvTranspose2d modules share: the constructor's argument checks, the
 * zero weight / bias they start with, the observed float conv from_float reads, and the output qparams it sets.
 */
import type { Module } from '../../nn/module.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_out_qparams, make_qtensor } from '../qtensor.js';
import type { ObserverLike } from './from_float.js';
import { output_qparams, qconfig_of, weight_bias_observer, weighted_child } from './from_float.js';

/** in / out channels and groups: positive integers, channels multiples of groups. */
export function check_conv_channels(name: string, in_channels: number, out_channels: number, groups: number): void {
  if (
    ![in_channels, out_channels, groups].every((v) => Number.isInteger(v) && v >= 1) ||
    in_channels % groups !== 0 ||
    out_channels % groups !== 0
  )
    throw new Error(
      `${name}: in_channels ${in_channels} and out_channels ${out_channels} must be positive multiples of groups ${groups}`,
    );
}

/** Only torch's 'zeros' padding (the input zero point) is supported. */
export function check_padding_mode(name: string, padding_mode: string | undefined): void {
  if (padding_mode !== undefined && padding_mode !== 'zeros')
    throw new Error(`${name}: only padding_mode 'zeros' is supported, got '${padding_mode}'`);
}

/** The zero qint8 weight of `shape` (scale 1, zero point 0) and, unless bias is false, a zero float bias [out]. */
export function zero_weight_bias(shape: number[], out_channels: number, bias?: boolean): [Tensor, Tensor | null] {
  const w = make_qtensor(new Int8Array(shape.reduce((a, b) => a * b, 1)), shape, 'qint8', 1, 0);
  const b = bias === false ? null : new Tensor(new Float32Array(out_channels), [out_channels], 'float32');
  return [w, b];
}

/** What from_float reads from an observed float (or fused / QAT) conv: output qparams, the conv, weight, bias, observer. */
export function observed_conv(
  mod: Module,
  where: string,
): { scale: number; zero_point: number; conv: Module; weight: Tensor; bias: Tensor | null; observer: ObserverLike } {
  const [scale, zero_point] = output_qparams(mod, where);
  const qconfig = qconfig_of(mod, where);
  const conv = weighted_child(mod, where);
  const mode = (conv as unknown as { padding_mode?: string }).padding_mode;
  if (mode !== undefined && mode !== 'zeros')
    throw new Error(`${where}.from_float: padding_mode '${mode}' is not supported (only 'zeros')`);
  const { weight, bias, observer } = weight_bias_observer(mod, conv, qconfig, where);
  return { scale, zero_point, conv, weight, bias, observer };
}

/** Checks and sets the output qparams from_float computed. */
export function set_output_qparams(
  q: { scale: number; zero_point: number },
  scale: number,
  zero_point: number,
  where: string,
): void {
  check_out_qparams(scale, zero_point, `${where}.from_float`);
  q.scale = scale;
  q.zero_point = zero_point;
}
