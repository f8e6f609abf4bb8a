/**
 * Which module classes are built in, hence leaves by default (recorded as call_module, not traced
 * through): the layers of runtime/nn and runtime/quantized, and runtime/quant's observers/fake-quant. Containers have no op of their own and
 * are traced through. Other packages of layers register their namespace here.
 */
import * as eager_modules from '../../runtime/eager/index.js';
import * as nn from '../../runtime/nn/index.js';
import * as quant_modules from '../../runtime/quant/index.js';
import * as quantized_modules from '../../runtime/quantized/index.js';
import * as intrinsic_dynamic from '../../runtime/quantized/nn_intrinsic_quantized_dynamic.js';

/** Containers are traced through even though they are built in: they have no op of their own. */
const TRACED_CONTAINERS = new Set<unknown>([nn.Module, nn.Sequential, nn.ModuleList, nn.ModuleDict]);
const builtin_classes = new Set<unknown>();
/** Registers a namespace whose module classes are built in, hence leaves (runtime/nn is registered). */
export function register_leaf_namespace(ns: Record<string, unknown>): void {
  for (const v of Object.values(ns)) if (typeof v === 'function' && !TRACED_CONTAINERS.has(v)) builtin_classes.add(v);
}
register_leaf_namespace(nn as unknown as Record<string, unknown>);
// the float fused modules (nn.intrinsic.ConvReLU2d, …) are leaves too, as torch.nn.intrinsic's are
register_leaf_namespace(nn.intrinsic as unknown as Record<string, unknown>);
register_leaf_namespace(quantized_modules as unknown as Record<string, unknown>);
// nn.quantized.dynamic / nn.intrinsic.quantized.dynamic: so a quantize_dynamic'd model traces (and saves)
register_leaf_namespace(quantized_modules.dynamic as unknown as Record<string, unknown>);
register_leaf_namespace(intrinsic_dynamic as unknown as Record<string, unknown>);
// observers and fake-quant modules record statistics from concrete values: never traced through
register_leaf_namespace(quant_modules as unknown as Record<string, unknown>);
// eager mode's QuantStub / DeQuantStub
register_leaf_namespace(eager_modules as unknown as Record<string, unknown>);

/** True when `cls` is exactly one of the registered built-in layer classes. */
export function is_builtin_module_class(cls: unknown): boolean {
  return builtin_classes.has(cls);
}
