/**
 * Validation of qconfig module_name keys against the model: a name that addresses no module is almost
 * always a typo, so prepare_fx refuses it and lists the closest existing names (edit distance).
 */
import type { QConfigMapping } from '../../runtime/quant/qconfig_mapping.js';

/** Levenshtein distance between two strings. */
export function edit_distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** Up to `k` names from `candidates` closest to `name` (ties keep model order). */
export function closest_names(name: string, candidates: string[], k = 3): string[] {
  return candidates
    .map((c, i) => ({ c, i, d: edit_distance(name, c) }))
    .sort((x, y) => x.d - y.d || x.i - y.i)
    .slice(0, k)
    .map((x) => x.c);
}

/**
 * Throws when a module_name (or module_name_object_type_order) key of `mapping` is not one of
 * `module_names`; the error names the key and the closest names.
 */
export function check_module_names(mapping: QConfigMapping, module_names: string[], where: string): void {
  const known = new Set(module_names);
  const keys = [
    ...[...mapping.module_name_qconfigs.keys()].map((k) => ['module_name', k] as const),
    ...[...mapping.module_name_object_type_order_qconfigs.values()].map(
      (e) => ['module_name_object_type_order', e.module_name] as const,
    ),
  ];
  for (const [kind, name] of keys) {
    if (name === '' || known.has(name)) continue;
    const near = closest_names(
      name,
      module_names.filter((n) => n !== ''),
    );
    throw new Error(
      `${where}: qconfig ${kind} '${name}' is not a module of the model; closest names: ${near.map((n) => `'${n}'`).join(', ')}`,
    );
  }
}
