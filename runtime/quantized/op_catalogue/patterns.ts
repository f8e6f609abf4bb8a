/**
 * The FX backend config, derived from the catalogue: each record's static variants × spellings become
 * QuantPatternRows (and, for variants that fuse a following relu, one row per relu spelling), and the
 * dynamic swaps become DynamicPatternRows. Rows with an operand condition (`accepts`) come first, so
 * `x + 1` finds its tensor ⊕ number row before the tensor ⊕ tensor one.
 */
import type { Module } from '../../nn/module.js';
import { relu } from './activations.js';
import { OP_CATALOGUE } from './catalogue.js';
import { CLAMP_FORMS } from './clamps.js';
import type { DynamicPatternRow, OpMatcher, OpRecord, PatternNode, QuantPatternRow, StaticVariant } from './types.js';

/** The forms a ReLU takes in a traced graph (module, function, F function, method): the relu record's spellings. */
export const RELU_FORMS: readonly OpMatcher[] = relu.static.flatMap((v) => v.forms.map((f) => f.op));

/** The rows of one static variant, in form order (its fused relu / clamp rows after each form's own). */
function variant_rows(r: OpRecord, v: StaticVariant): QuantPatternRow[] {
  const rows: QuantPatternRow[] = [];
  for (const form of v.forms) {
    const name = form.name ?? v.name ?? r.name;
    const base = {
      inputs: v.inputs,
      observation: v.observation,
      ...(v.accepts ? { accepts: v.accepts } : {}),
      ...(v.fixed_qparams ? { fixed_qparams: v.fixed_qparams } : {}),
    };
    if (v.fused_clamp) {
      for (const c of CLAMP_FORMS)
        rows.push({
          name: `${name}_${c.name}`,
          op: form.op,
          relu: c.op,
          clamp: c.bounds,
          ...base,
          lowering: form.lowering,
        });
      continue;
    }
    rows.push({ name, op: form.op, ...base, lowering: form.lowering });
    if (v.fused_relu) {
      const lowering = v.fused_relu(form);
      for (const relu_op of RELU_FORMS)
        rows.push({ name: `${name}_relu`, op: form.op, relu: relu_op, ...base, lowering });
    }
  }
  return rows;
}

/**
 * The static rows of `records`, in record order, rows with `accepts` first. `changes`: the opt-in changes a
 * backend config enables (backend_configs.ts); the records' opt-in variants naming one of them come before
 * every parity row, so they win where both match.
 */
export function static_patterns(
  records: readonly OpRecord[],
  changes: ReadonlySet<string> = new Set(),
): QuantPatternRow[] {
  const opt_in = records.flatMap((r) =>
    (r.opt_in ?? []).filter((v) => changes.has(v.change)).flatMap((v) => variant_rows(r, v)),
  );
  const parity = records.flatMap((r) => r.static.flatMap((v) => variant_rows(r, v)));
  const first = (rows: QuantPatternRow[]) => [...rows.filter((x) => x.accepts), ...rows.filter((x) => !x.accepts)];
  return [...first(opt_in), ...first(parity)];
}

/** The dynamic rows of `records` (FX: eager-only swaps left out). */
export function dynamic_patterns(records: readonly OpRecord[]): DynamicPatternRow[] {
  return records.flatMap((r) =>
    (r.dynamic ?? [])
      .filter((s) => !s.eager_only)
      .map((s) => ({ name: s.name, module: s.float, quantized: s.quantized })),
  );
}

/** torch 1.13 qnnpack backend_config for the ops fxq has int8 kernels for, plus fixed-qparams ops. */
export const STATIC_PATTERNS: readonly QuantPatternRow[] = static_patterns(OP_CATALOGUE);
/** Dynamic quantization: float modules with int8 weights and per-call activation quantization. */
export const DYNAMIC_PATTERNS: readonly DynamicPatternRow[] = dynamic_patterns(OP_CATALOGUE);

/**
 * Names of the rows that only move values (torch's general tensor value ops): quantized only when their
 * input already is.
 */
export const VALUE_OPS: ReadonlySet<string> = value_ops(OP_CATALOGUE);

/** The value-op row names of `records` (opt-in variants of the enabled `changes` included). */
export function value_ops(records: readonly OpRecord[], changes: ReadonlySet<string> = new Set()): Set<string> {
  return new Set(
    records.flatMap((r) =>
      [...r.static, ...(r.opt_in ?? []).filter((v) => changes.has(v.change))]
        .filter((v) => v.value_op)
        .flatMap((v) => v.forms.map((f) => f.name ?? v.name ?? r.name)),
    ),
  );
}

/** The spellings the default config leaves in float on purpose (the records' float_island forms). */
export const FLOAT_ISLAND_FORMS: readonly OpMatcher[] = OP_CATALOGUE.flatMap((r) => r.float_island ?? []);

/** True when `node` is the op `m` describes (`mod` = the called module for call_module nodes). */
export function op_matches(m: OpMatcher, node: PatternNode, mod: Module | null): boolean {
  if (m.module) return node.op === 'call_module' && mod !== null && mod.constructor === m.module;
  if (m.function) return node.op === 'call_function' && node.target === m.function;
  if (m.method) return node.op === 'call_method' && node.target === m.method;
  return false;
}

/** True when `node` is a float island of the default config (no pattern on purpose: no warning). */
export function is_float_island(node: PatternNode, mod: Module | null): boolean {
  return FLOAT_ISLAND_FORMS.some((m) => op_matches(m, node, mod));
}

/** The first static row of `rows` (default: the parity table) whose op (without relu) matches `node`, considering only unfused rows. */
export function find_static_row(
  node: PatternNode,
  mod: Module | null,
  rows: readonly QuantPatternRow[] = STATIC_PATTERNS,
): QuantPatternRow | null {
  return rows.find((r) => !r.relu && op_matches(r.op, node, mod) && (r.accepts?.(node) ?? true)) ?? null;
}

/** The fused row (op → relu, or op → clamp) of `rows` (default: the parity table) matching `op_node` followed by `relu_node`, if any. */
export function find_fused_row(
  op_node: PatternNode,
  op_mod: Module | null,
  relu_node: PatternNode,
  relu_mod: Module | null,
  rows: readonly QuantPatternRow[] = STATIC_PATTERNS,
): QuantPatternRow | null {
  return (
    rows.find(
      (r) =>
        r.relu !== undefined &&
        op_matches(r.op, op_node, op_mod) &&
        op_matches(r.relu, relu_node, relu_mod) &&
        (r.accepts?.(op_node) ?? true) &&
        (r.clamp ? r.clamp(relu_node, relu_mod) !== null : true),
    ) ?? null
  );
}

/** The dynamic row for a float module, if any. */
export function find_dynamic_row(mod: Module | null): DynamicPatternRow | null {
  if (!mod) return null;
  return DYNAMIC_PATTERNS.find((r) => mod.constructor === r.module) ?? null;
}

/** The weight-only rows (float_qparams_weight_only_qconfig: nn.Embedding, nn.EmbeddingBag), from the records. */
export const WEIGHT_ONLY_PATTERNS: readonly DynamicPatternRow[] = OP_CATALOGUE.flatMap((r) =>
  (r.weight_only ?? []).map((s) => ({ name: s.name, module: s.float, quantized: s.quantized })),
);

/** The weight-only row for a module instance (exact class), or null. */
export function find_weight_only_row(mod: Module | null): DynamicPatternRow | null {
  if (!mod) return null;
  return WEIGHT_ONLY_PATTERNS.find((r) => mod.constructor === r.module) ?? null;
}
