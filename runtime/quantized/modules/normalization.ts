/**
 * nn.quantized.GroupNorm and nn.quantized.InstanceNorm1d / 2d (torch.ao.nn.quantized): quint8 in, quint8 out at
 * the module's own output qparams, float weight and bias kept from the float module. state_dict as torch's:
 * weight, bias (when affine), then the buffers scale (float32 []) and zero_point (int64 []).
 */
import { py_bool, py_float } from '../../nn/functional/_util.js';
import { register_running_stats } from '../../nn/layers/normalization.js';
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import { Tensor } from '../../tensor/tensor.js';
import { group_norm, instance_norm } from '../functional/normalization.js';
import { check_out_qparams } from '../qtensor.js';
import { output_qparams } from './from_float.js';

type Slots = Record<string, unknown>;

/** A float [n] parameter from `t` (copied), or a fresh one filled with `fill` when `t` is null and affine. */
function param(t: Tensor | null, n: number, fill: number, affine: boolean, where: string): Parameter | null {
  if (!affine) return null;
  if (t === null) return new Parameter(new Tensor(new Float32Array(n).fill(fill), [n], 'float32'));
  if (t.dtype !== 'float32' || t.numel() !== n)
    throw new Error(`${where}: expected a float32 weight / bias of ${n} elements, got [${t.shape.join(', ')}]`);
  return new Parameter(new Tensor(Float32Array.from(t.contiguous().data as Float32Array), [n], 'float32'));
}

/** Registers the output qparams as torch's buffers. */
function out_buffers(m: Module, scale: number, zero_point: number, where: string): void {
  check_out_qparams(scale, zero_point, where);
  m.register_buffer('scale', new Tensor(Float32Array.of(scale), [], 'float32'));
  m.register_buffer('zero_point', new Tensor(Float64Array.of(zero_point), [], 'int64'));
}

/** nn.quantized.GroupNorm(num_groups, num_channels, weight, bias, scale, zero_point, {eps=1e-5, affine=true}). */
export class GroupNorm extends Module {
  num_groups: number;
  num_channels: number;
  eps: number;
  affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare scale: Tensor;
  declare zero_point: Tensor;
  constructor(
    num_groups: number,
    num_channels: number,
    weight: Tensor | null,
    bias: Tensor | null,
    scale: number,
    zero_point: number,
    options: { eps?: number; affine?: boolean } = {},
  ) {
    super();
    if (!(Number.isInteger(num_groups) && num_groups >= 1) || num_channels % num_groups !== 0)
      throw new Error(`GroupNorm: num_channels (${num_channels}) must be divisible by num_groups (${num_groups})`);
    this.num_groups = num_groups;
    this.num_channels = num_channels;
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    this.weight = param(weight, num_channels, 1, this.affine, 'GroupNorm');
    this.bias = param(bias, num_channels, 0, this.affine, 'GroupNorm');
    out_buffers(this, scale, zero_point, 'GroupNorm');
  }
  forward(x: Tensor): Tensor {
    return group_norm(x, this.num_groups, this.weight, this.bias, this.eps, this.scale, this.zero_point);
  }
  extra_repr(): string {
    return `${this.num_groups}, ${this.num_channels}, eps=${py_float(this.eps)}, affine=${py_bool(this.affine)}`;
  }
  /** From an observed nn.GroupNorm: its groups, weight, bias and eps, the output observer's qparams. */
  static from_float(mod: Module): GroupNorm {
    const [s, z] = output_qparams(mod, 'GroupNorm');
    const m = mod as unknown as Slots;
    return new GroupNorm(
      m.num_groups as number,
      m.num_channels as number,
      m.weight as Tensor | null,
      m.bias as Tensor | null,
      s,
      z,
      { eps: m.eps as number, affine: m.affine as boolean },
    );
  }
}

/** Options of the quantized InstanceNorm modules (torch's keyword arguments). */
export interface QuantizedInstanceNormOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  track_running_stats?: boolean;
}

/**
 * torch's quantized _InstanceNorm: always normalises by each instance's own statistics (quantized.instance_norm);
 * from_float passes neither momentum nor track_running_stats, so a converted module has no running buffers.
 */
export abstract class _QInstanceNorm extends Module {
  num_features: number;
  eps: number;
  momentum: number;
  affine: boolean;
  track_running_stats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare scale: Tensor;
  declare zero_point: Tensor;
  protected abstract readonly input_dims: number;
  constructor(
    num_features: number,
    weight: Tensor | null,
    bias: Tensor | null,
    scale: number,
    zero_point: number,
    options: QuantizedInstanceNormOptions = {},
  ) {
    super();
    const where = new.target.name;
    if (!(Number.isInteger(num_features) && num_features >= 1))
      throw new Error(`${where}: num_features must be a whole number ≥ 1, got ${num_features}`);
    this.num_features = num_features;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.affine = options.affine ?? false;
    this.track_running_stats = options.track_running_stats ?? false;
    this.weight = param(weight, num_features, 1, this.affine, where);
    this.bias = param(bias, num_features, 0, this.affine, where);
    // only when tracking: this module registers no null buffers
    if (this.track_running_stats) register_running_stats(this, num_features, true);
    out_buffers(this, scale, zero_point, where);
  }
  forward(x: Tensor): Tensor {
    if (x.ndim !== this.input_dims || x.shape[1] !== this.num_features)
      throw new Error(
        `${this.constructor.name}: expected a quint8 input of ${this.input_dims} dims with ${this.num_features} channels, got [${x.shape.join(', ')}]`,
      );
    return instance_norm(x, this.weight, this.bias, this.eps, this.scale, this.zero_point);
  }
  extra_repr(): string {
    return `${this.num_features}, eps=${py_float(this.eps)}, momentum=${py_float(this.momentum)}, affine=${py_bool(this.affine)}, track_running_stats=${py_bool(this.track_running_stats)}`;
  }
}

/** Builds a quantized InstanceNorm from an observed float one (torch's from_float: features, weight, bias, eps, affine). */
function instance_from_float<T extends _QInstanceNorm>(
  cls: new (n: number, w: Tensor | null, b: Tensor | null, s: number, z: number, o: QuantizedInstanceNormOptions) => T,
  mod: Module,
): T {
  const [s, z] = output_qparams(mod, cls.name);
  const m = mod as unknown as Slots;
  const { num_features, weight, bias, eps, affine } = m;
  return new cls(num_features as number, weight as Tensor | null, bias as Tensor | null, s, z, {
    eps: eps as number,
    affine: affine as boolean,
  });
}

/** nn.quantized.InstanceNorm1d(num_features, weight, bias, scale, zero_point, {eps, momentum, affine, track_running_stats}). */
export class InstanceNorm1d extends _QInstanceNorm {
  protected readonly input_dims = 3;
  static from_float(mod: Module): InstanceNorm1d {
    return instance_from_float(InstanceNorm1d, mod);
  }
}

/** nn.quantized.InstanceNorm2d(num_features, weight, bias, scale, zero_point, {eps, momentum, affine, track_running_stats}). */
export class InstanceNorm2d extends _QInstanceNorm {
  protected readonly input_dims = 4;
  static from_float(mod: Module): InstanceNorm2d {
    return instance_from_float(InstanceNorm2d, mod);
  }
}
