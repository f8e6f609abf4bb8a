/**
 * The float → QAT module table (torch's DEFAULT_QAT_MODULE_MAPPINGS), for eager prepare_qat and
 * prepare_qat_fx: exact float (or float fused) class → the QAT class whose from_float replaces it.
 */
import * as nni from '../intrinsic/fused.js';
import { Conv2d as FloatConv2d } from '../layers/conv.js';
import { Linear as FloatLinear } from '../layers/linear.js';
import type { Module } from '../module.js';
import type { ModuleClass } from './_common.js';
import { Conv2d } from './conv.js';
import { ConvBn2d, ConvBnReLU2d } from './conv_bn.js';
import { ConvReLU2d, LinearReLU } from './fused_relu.js';
import { Linear } from './linear.js';
import { LinearBn1d } from './linear_bn.js';

/** A QAT class as the mappings hold it: a module class with from_float(float module). */
export type QatModuleClass = ModuleClass & { from_float(mod: Module): Module; name: string };

/** A fresh copy of the default float → QAT class mapping (keys are exact classes). */
export function get_default_qat_module_mappings(): Map<ModuleClass, QatModuleClass> {
  return new Map<ModuleClass, QatModuleClass>([
    [FloatConv2d, Conv2d],
    [FloatLinear, Linear],
    [nni.ConvBn2d, ConvBn2d],
    [nni.ConvBnReLU2d, ConvBnReLU2d],
    [nni.ConvReLU2d, ConvReLU2d],
    [nni.LinearReLU, LinearReLU],
    [nni.LinearBn1d, LinearBn1d],
  ]);
}

/** True for a module of one of the QAT classes (nn.qat / nn.intrinsic.qat). */
export function is_qat_module(m: Module): boolean {
  for (const cls of get_default_qat_module_mappings().values()) if (m.constructor === cls) return true;
  return false;
}
