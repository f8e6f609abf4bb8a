/**
 * The non-FX tables derived from the catalogue: the eager module mappings (static, dynamic, QAT), the
 * fusion rules, the requantizing functions of the precision search and the artifact module types.
 */
import { OP_CATALOGUE } from './catalogue.js';
import type { FromFloat, FusionRule, ModuleClass, ModuleSwap, OpRecord } from './types.js';

const swaps = (pick: (r: OpRecord) => ModuleSwap[] | undefined): [ModuleClass, FromFloat][] =>
  OP_CATALOGUE.flatMap((r) => (pick(r) ?? []).map((s): [ModuleClass, FromFloat] => [s.float, s.quantized]));

/** Eager static swaps (float / QAT class → int8 class), torch's DEFAULT_STATIC_QUANT_MODULE_MAPPINGS without the stubs. */
export const EAGER_STATIC_SWAPS: readonly [ModuleClass, FromFloat][] = swaps((r) => r.eager_static);
/** Eager dynamic swaps, torch's DEFAULT_DYNAMIC_QUANT_MODULE_MAPPINGS (plus fxq's dynamic nn.RNN). */
export const EAGER_DYNAMIC_SWAPS: readonly [ModuleClass, FromFloat][] = swaps((r) => r.dynamic);
/** Float → QAT class swaps, torch's DEFAULT_QAT_MODULE_MAPPINGS. */
export const QAT_SWAPS: readonly [ModuleClass, FromFloat][] = swaps((r) => r.qat);

/** torch's _DEFAULT_OP_LIST_TO_FUSER_METHOD, in record order (each record lists its longer patterns first). */
export const FUSION_RULES: readonly FusionRule[] = OP_CATALOGUE.flatMap((r) => r.fusions ?? []);

/**
 * Functions (short names, `F.` dropped) whose int8 versions requantize their output, fused `_relu` forms
 * included: keeping one of them float can matter to a precision search.
 */
export const REQUANTIZING_FUNCTIONS: ReadonlySet<string> = new Set(
  OP_CATALOGUE.filter((r) => r.requantizes).flatMap((r) =>
    r.static.flatMap((v) =>
      v.forms.flatMap((f) => {
        const fn = f.op.function?.replace(/^F\./, '');
        return fn ? (v.fused_relu ? [fn, `${fn}_relu`] : [fn]) : [];
      }),
    ),
  ),
);

/** Every artifact module type some record's converted model may hold (checked against MODULE_SPECS by the tests). */
export const SAVED_MODULE_TYPES: ReadonlySet<string> = new Set(OP_CATALOGUE.flatMap((r) => r.saved));
