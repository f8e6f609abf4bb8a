/**
 * torch.nn.init: in-place initialisers drawing from the default generator (or a given one).
 * Values are drawn in float64 and stored as float32, as torch's float32 tensors hold them.
 */
import { default_generator, type Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options shared by the random initialisers (fxq extension: an explicit generator). */
export interface InitOptions {
  generator?: Generator;
}

/** torch.nn.init._calculate_fan_in_and_fan_out: fans of a ≥2-d weight (receptive field folded in). */
export function _calculate_fan_in_and_fan_out(t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new Error(
      `nn.init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape [${t.shape}])`,
    );
  }
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i];
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

/** torch.nn.init.calculate_gain(nonlinearity, param). */
export function calculate_gain(nonlinearity: string, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`nn.init.calculate_gain: unsupported nonlinearity '${nonlinearity}'`);
  }
}

/** Fills with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, options: InitOptions = {}): Tensor {
  const g = options.generator ?? default_generator;
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = a + (b - a) * g.random();
  return t;
}

/** Fills with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  const g = options.generator ?? default_generator;
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = mean + std * g.normal();
  return t;
}

/** Fills with a constant. */
export function constant_(t: Tensor, val: number): Tensor {
  t.data.fill(val);
  return t;
}

/** Fills with zeros. */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills with ones. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Options of the kaiming initialisers. */
export interface KaimingOptions extends InitOptions {
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: string;
}

function kaiming_std(t: Tensor, options: KaimingOptions): number {
  const [fan_in, fan_out] = _calculate_fan_in_and_fan_out(t);
  const fan = (options.mode ?? 'fan_in') === 'fan_in' ? fan_in : fan_out;
  const gain = calculate_gain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  return gain / Math.sqrt(fan);
}

/** torch.nn.init.kaiming_uniform_: U(−b, b) with b = gain·√(3 / fan). Linear/Conv use a = √5. */
export function kaiming_uniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaiming_std(t, options);
  return uniform_(t, -bound, bound, options);
}

/** torch.nn.init.kaiming_normal_: N(0, (gain / √fan)²). */
export function kaiming_normal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaiming_std(t, options), options);
}

/** torch.nn.init.xavier_uniform_: U(−b, b) with b = gain·√(6 / (fan_in + fan_out)). */
export function xavier_uniform_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const [fan_in, fan_out] = _calculate_fan_in_and_fan_out(t);
  const bound = gain * Math.sqrt(6 / (fan_in + fan_out));
  return uniform_(t, -bound, bound, options);
}

/** torch.nn.init.xavier_normal_: N(0, gain²·2 / (fan_in + fan_out)). */
export function xavier_normal_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const [fan_in, fan_out] = _calculate_fan_in_and_fan_out(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fan_in + fan_out)), options);
}
