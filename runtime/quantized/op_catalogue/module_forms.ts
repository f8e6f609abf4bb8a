/** The rows of a weighted op's record that are one module swap: its FX forms and its eager mappings. */
import type { FromFloat, ModuleClass, ModuleSwap, OpForm } from './types.js';

/** A row: its name, the float (or fused / QAT) class and the int8 class that replaces it. */
export type ModuleRow = readonly [name: string, module: ModuleClass, quantized: FromFloat];

/** An FX form matched by module class and lowered to the int8 module's from_float. */
export const module_form = (name: string, module: ModuleClass, quantized: FromFloat): OpForm => ({
  name,
  op: { module },
  lowering: { kind: 'module', quantized },
});

/** The FX forms of `rows`, in row order. */
export const module_forms = (rows: readonly ModuleRow[]): OpForm[] => rows.map((r) => module_form(...r));

/** The eager swaps of `rows` (the same classes as the FX forms), in row order. */
export const module_swaps = (rows: readonly ModuleRow[]): ModuleSwap[] =>
  rows.map(([name, float, quantized]) => ({ name, float, quantized }));
