/**
 * The float → QAT module table (torch's DEFAULT_QAT_MODULE_MAPPINGS), for eager prepare_qat and
 * prepare_qat_fx: exact float (or float fused) class → the QAT class whose from_float replaces it.
 * Derived from the quantized-op catalogue (runtime/quantized/op_catalogue: each record's `qat`).
 */
import { QAT_SWAPS } from '../../quantized/op_catalogue/index.js';
import type { Module } from '../module.js';
import type { ModuleClass } from './_common.js';

/** A QAT class as the mappings hold it: a module class with from_float(float module). */
export type QatModuleClass = ModuleClass & { from_float(mod: Module): Module; name: string };

/** A fresh copy of the default float → QAT class mapping (keys are exact classes). */
export function get_default_qat_module_mappings(): Map<ModuleClass, QatModuleClass> {
  return new Map<ModuleClass, QatModuleClass>(QAT_SWAPS as [ModuleClass, QatModuleClass][]);
}

/** True for a module of one of the QAT classes (nn.qat / nn.intrinsic.qat). */
export function is_qat_module(m: Module): boolean {
  for (const cls of get_default_qat_module_mappings().values()) if (m.constructor === cls) return true;
  return false;
}
