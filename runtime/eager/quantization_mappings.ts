/**
 * Eager module mappings (torch.ao.quantization.quantization_mappings): float (or QAT) class → the int8
 * class whose from_float replaces it at convert, for static and dynamic quantization, and the set of
 * classes that propagate_qconfig_ / prepare give a qconfig and an output observer. The op swaps are
 * derived from the quantized-op catalogue (runtime/quantized/op_catalogue: `eager_static`, `dynamic`).
 */
import type { Module } from '../nn/module.js';
import { get_default_qat_module_mappings } from '../nn/qat/mappings.js';
import * as nnq from '../quantized/nn_quantized.js';
import { EAGER_DYNAMIC_SWAPS, EAGER_STATIC_SWAPS } from '../quantized/op_catalogue/index.js';
import { DeQuantStub, QuantStub } from './stubs.js';

// biome-ignore lint/suspicious/noExplicitAny: a module class of any constructor signature
export type ModuleClass = abstract new (...args: any[]) => Module;

/** A class convert can swap to: it has from_float(observed module). */
export type SwapTarget = { from_float(mod: Module): Module; name: string };

/** The mapping shape: exact source class → target class. */
export type ModuleMapping = Map<ModuleClass, SwapTarget>;

export { get_default_qat_module_mappings };

/** torch's DEFAULT_STATIC_QUANT_MODULE_MAPPINGS, restricted to the int8 modules fxq has. */
export function get_default_static_quant_module_mappings(): ModuleMapping {
  return new Map<ModuleClass, SwapTarget>([
    [QuantStub, nnq.Quantize],
    [DeQuantStub, nnq.DeQuantize],
    ...EAGER_STATIC_SWAPS,
  ]);
}

/**
 * torch's DEFAULT_DYNAMIC_QUANT_MODULE_MAPPINGS (qint8): Linear, LSTM, GRU and the cells, LinearReLU; fxq
 * also maps nn.RNN (its dynamic RNN exists here, torch 1.13 leaves RNN float).
 */
export function get_default_dynamic_quant_module_mappings(): ModuleMapping {
  return new Map<ModuleClass, SwapTarget>(EAGER_DYNAMIC_SWAPS);
}

/** Classes that get a qconfig and (as leaves) an output observer: every mapping's keys, as torch's list. */
export function get_default_qconfig_propagation_list(): Set<ModuleClass> {
  return new Set<ModuleClass>([
    ...get_default_static_quant_module_mappings().keys(),
    ...get_default_qat_module_mappings().keys(),
    ...get_default_dynamic_quant_module_mappings().keys(),
  ]);
}
