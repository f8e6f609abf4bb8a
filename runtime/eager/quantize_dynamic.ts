/**
 * quantize_dynamic (torch.ao.quantization.quantize_dynamic): swaps Linear / LSTM / GRU / RNN (and cells)
 * for dynamic modules — qint8 weights with activations quantized per call, or float16 weights — in one
 * call, no calibration. qconfig_spec picks what is swapped: a set of classes, or a map of classes /
 * qualified names to qconfigs.
 */
import { Linear } from '../nn/layers/linear.js';
import { GRU, LSTM, RNN } from '../nn/layers/rnn.js';
import { GRUCell, LSTMCell, RNNCell } from '../nn/layers/rnn_cell.js';
import type { Module } from '../nn/module.js';
import { deepcopy } from '../nn/utils/deepcopy.js';
import {
  default_dynamic_qconfig,
  float16_dynamic_qconfig,
  get_qconfig_dtypes,
  type QConfig,
} from '../quant/qconfig.js';
import { convert } from './convert.js';
import { GRUCellFP16, GRUFP16, LinearFP16, LSTMCellFP16, LSTMFP16, RNNCellFP16, RNNFP16 } from './float16_dynamic.js';
import { type EagerQConfigDict, module_qconfig, propagate_qconfig_ } from './propagate_qconfig.js';
import {
  get_default_dynamic_quant_module_mappings,
  type ModuleClass,
  type ModuleMapping,
  type SwapTarget,
} from './quantization_mappings.js';

/** The dtypes quantize_dynamic supports. */
export type DynamicDType = 'qint8' | 'float16';

/** qconfig_spec: a set of module classes, or a map / object of classes and qualified names → qconfig. */
export type QConfigSpec = Set<ModuleClass> | EagerQConfigDict;

/** Keyword options of quantize_dynamic (torch's names). */
export interface QuantizeDynamicOptions {
  mapping?: ModuleMapping;
  inplace?: boolean;
}

const FP16: ReadonlyMap<ModuleClass, SwapTarget> = new Map<ModuleClass, SwapTarget>([
  [Linear, LinearFP16],
  [LSTM, LSTMFP16],
  [GRU, GRUFP16],
  [RNN, RNNFP16],
  [LSTMCell, LSTMCellFP16],
  [GRUCell, GRUCellFP16],
  [RNNCell, RNNCellFP16],
]);

/** The classes swapped when qconfig_spec is omitted (torch's defaults, plus nn.RNN which fxq supports). */
const DEFAULT_CLASSES: readonly ModuleClass[] = [Linear, LSTM, GRU, RNN, LSTMCell, GRUCell, RNNCell];

/**
 * A mapping whose targets pick the float16 module when the module's qconfig has float16 weights, and
 * the qint8 dynamic module otherwise — torch's nnqd modules decide the same way from qconfig.weight.dtype.
 */
function dtype_aware(mapping: ModuleMapping): ModuleMapping {
  const out: ModuleMapping = new Map();
  for (const [cls, qint8] of mapping) {
    out.set(cls, {
      name: qint8.name,
      from_float(mod: Module): Module {
        const q = module_qconfig(mod) as QConfig;
        if (get_qconfig_dtypes(q)[1] !== 'float16') return qint8.from_float(mod);
        const fp16 = FP16.get(cls);
        if (!fp16)
          throw new Error(
            `quantize_dynamic: ${mod.constructor.name} has no float16 dynamic version (float16 supports ${[...FP16.keys()].map((c) => c.name).join(', ')})`,
          );
        return fp16.from_float(mod);
      },
    });
  }
  return out;
}

/**
 * quantize_dynamic(model, qconfig_spec?, dtype='qint8', {mapping, inplace}): returns the model (a copy
 * unless inplace) in eval mode with the selected modules swapped for dynamic qint8 or float16 modules.
 */
export function quantize_dynamic<M extends Module>(
  model: M,
  qconfig_spec: QConfigSpec | null = null,
  dtype: DynamicDType = 'qint8',
  options: QuantizeDynamicOptions = {},
): M {
  if (dtype !== 'qint8' && dtype !== 'float16')
    throw new Error(`quantize_dynamic: dtype must be 'qint8' or 'float16', got '${String(dtype)}'`);
  const default_qconfig = dtype === 'qint8' ? default_dynamic_qconfig : float16_dynamic_qconfig;
  let spec: EagerQConfigDict;
  if (qconfig_spec === null) spec = new Map(DEFAULT_CLASSES.map((c) => [c, default_qconfig]));
  else if (qconfig_spec instanceof Set) {
    for (const c of qconfig_spec)
      if (typeof c !== 'function')
        throw new Error(`quantize_dynamic: a qconfig_spec set holds module classes, got ${String(c)}`);
    spec = new Map([...qconfig_spec].map((c) => [c, default_qconfig]));
  } else spec = qconfig_spec;
  const mapping = dtype_aware(options.mapping ?? get_default_dynamic_quant_module_mappings());
  const target = options.inplace ? model : deepcopy(model);
  target.eval();
  propagate_qconfig_(target, spec);
  return convert(target, { mapping, inplace: true });
}
