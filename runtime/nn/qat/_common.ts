/**
 * What every QAT module shares: the required qconfig, the weight fake-quant built from it, and the
 * checks torch's from_float makes on the float module it replaces.
 */
import type { ObserverFactory, QConfig } from '../../quant/qconfig.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

type Slots = Record<string, unknown>;

/** The weight fake-quant surface the QAT modules and the int8 from_float use. */
export interface WeightFakeQuant extends Module {
  forward(x: Tensor): Tensor;
  calculate_qparams(): [Tensor, Tensor];
}

/** A class of a module: what the module mappings are keyed by (exact types, as torch's type(mod)). */
// biome-ignore lint/suspicious/noExplicitAny: a module class of any constructor signature
export type ModuleClass = abstract new (...args: any[]) => Module;

/** qconfig or an error: QAT modules cannot exist without one (torch: 'qconfig must be provided for QAT module'). */
export function require_qconfig(qconfig: QConfig | null | undefined, where: string): QConfig {
  if (!qconfig || typeof qconfig.weight !== 'function' || typeof qconfig.activation !== 'function')
    throw new Error(`${where}: qconfig must be provided for QAT module (got ${String(qconfig)})`);
  return qconfig;
}

/** A fresh weight fake-quant from qconfig.weight(), checked to be a module with calculate_qparams. */
export function make_weight_fake_quant(qconfig: QConfig, where: string): WeightFakeQuant {
  const fq = (qconfig.weight as ObserverFactory)() as unknown as WeightFakeQuant;
  if (!(fq instanceof Module) || typeof (fq as unknown as Slots).calculate_qparams !== 'function')
    throw new Error(`${where}: qconfig.weight() must build an observer or fake-quant module`);
  return fq;
}

/**
 * torch's from_float checks: `mod` is exactly one of `float_types`, and carries a non-null qconfig
 * (propagate_qconfig_ / prepare_qat set it). Returns that qconfig.
 */
export function check_float_module(mod: Module, float_types: readonly ModuleClass[], where: string): QConfig {
  if (!float_types.some((t) => mod.constructor === t))
    throw new Error(
      `${where}.from_float: only works for ${float_types.map((t) => t.name).join(' / ')}, got ${mod.constructor.name}`,
    );
  const q = (mod as unknown as Slots).qconfig as QConfig | null | undefined;
  if (!q) throw new Error(`${where}.from_float: input float module ${mod.constructor.name} must have a valid qconfig`);
  return q;
}

/** A detached float32 copy of a parameter, for to_float (torch: nn.Parameter(self.weight.detach())). */
export function detached_copy(t: Tensor): Tensor {
  return new Tensor(Float32Array.from(t.data as Float32Array), t.shape, 'float32');
}

/** The parameters and mode the QAT modules and their float counterparts have in common. */
interface Weighted {
  weight: Parameter;
  bias: Parameter | null;
  training: boolean;
}

/** torch's from_float: the QAT module shares the float module's weight and bias (not copies) and its mode. */
export function share_weight_bias<T extends Weighted>(q: T, src: Weighted): T {
  q.weight = src.weight;
  q.bias = src.bias;
  q.training = src.training;
  return q;
}

/** to_float: the float module gets detached copies of `weight` and `bias` and the QAT module's mode. */
export function set_float_weight_bias<T extends Weighted>(
  f: T,
  weight: Tensor,
  bias: Tensor | null,
  training: boolean,
): T {
  f.weight = new Parameter(detached_copy(weight));
  f.bias = bias ? new Parameter(detached_copy(bias)) : null;
  f.training = training;
  return f;
}
