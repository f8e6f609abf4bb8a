/**
 * Eager module mappings (torch.ao.quantization.quantization_mappings): float (or QAT) class → the int8
 * class whose from_float replaces it at convert, for static and dynamic quantization, and the set of
 * classes that propagate_qconfig_ / prepare give a qconfig and an output observer.
 */
import * as nni from '../nn/intrinsic/fused.js';
import { Hardswish, ReLU6 } from '../nn/layers/activation.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { GRU, LSTM, RNN } from '../nn/layers/rnn.js';
import { GRUCell, LSTMCell, RNNCell } from '../nn/layers/rnn_cell.js';
import type { Module } from '../nn/module.js';
import * as nnqat from '../nn/qat/index.js';
import * as nniqat from '../nn/qat/intrinsic.js';
import { get_default_qat_module_mappings } from '../nn/qat/mappings.js';
import * as nniq from '../quantized/nn_intrinsic_quantized.js';
import * as nnq from '../quantized/nn_quantized.js';
import * as nnqd from '../quantized/nn_quantized_dynamic.js';
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
    [Conv2d, nnq.Conv2d],
    [Linear, nnq.Linear],
    [ReLU6, nnq.ReLU6],
    [Hardswish, nnq.Hardswish],
    [nni.ConvReLU2d, nniq.ConvReLU2d],
    [nni.LinearReLU, nniq.LinearReLU],
    [nnqat.Conv2d, nnq.Conv2d],
    [nnqat.Linear, nnq.Linear],
    [nniqat.ConvBn2d, nnq.Conv2d],
    [nniqat.ConvBnReLU2d, nniq.ConvReLU2d],
    [nniqat.ConvReLU2d, nniq.ConvReLU2d],
    [nniqat.LinearReLU, nniq.LinearReLU],
    [nniqat.LinearBn1d, nnq.Linear],
  ]);
}

/**
 * torch's DEFAULT_DYNAMIC_QUANT_MODULE_MAPPINGS (qint8): Linear, LSTM, GRU and the cells, LinearReLU; fxq
 * also maps nn.RNN (its dynamic RNN exists here, torch 1.13 leaves RNN float).
 */
export function get_default_dynamic_quant_module_mappings(): ModuleMapping {
  return new Map<ModuleClass, SwapTarget>([
    [Linear, nnqd.Linear],
    [LSTM, nnqd.LSTM],
    [GRU, nnqd.GRU],
    [RNN, nnqd.RNN],
    [LSTMCell, nnqd.LSTMCell],
    [GRUCell, nnqd.GRUCell],
    [RNNCell, nnqd.RNNCell],
    [nni.LinearReLU, nniq.dynamic.LinearReLU],
  ]);
}

/** Classes that get a qconfig and (as leaves) an output observer: every mapping's keys, as torch's list. */
export function get_default_qconfig_propagation_list(): Set<ModuleClass> {
  return new Set<ModuleClass>([
    ...get_default_static_quant_module_mappings().keys(),
    ...get_default_qat_module_mappings().keys(),
    ...get_default_dynamic_quant_module_mappings().keys(),
  ]);
}
