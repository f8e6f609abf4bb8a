/**
 * A structural check of an ONNX model, as onnx.checker's first pass: nodes in topological order with
 * every input defined (graph input, initializer or an earlier output), each value produced once,
 * initializer bytes matching their shape and type, graph outputs produced, opsets imported.
 */
import { DataType, type ModelProto } from './schema.js';

const ELEM_BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
};

/** Problems found in `model` (empty when it is well formed). */
export function model_problems(model: ModelProto): string[] {
  const out: string[] = [];
  const g = model.graph;
  if (!g) return ['model has no graph'];
  if (!model.opset_import.some((o) => o.domain === '' && o.version >= 1)) out.push('no default-domain opset imported');
  const defined = new Set<string>();
  for (const t of g.initializer) {
    if (defined.has(t.name)) out.push(`initializer '${t.name}' defined twice`);
    defined.add(t.name);
    const n = t.dims.reduce((a, b) => a * Number(b), 1);
    const size = ELEM_BYTES[t.data_type];
    if (size === undefined) out.push(`initializer '${t.name}': unexpected data type ${t.data_type}`);
    else if (t.raw_data.length !== n * size)
      out.push(`initializer '${t.name}': ${t.raw_data.length} bytes for shape [${t.dims.join(', ')}] × ${size}`);
  }
  for (const i of g.input) {
    if (defined.has(i.name) && !g.initializer.some((t) => t.name === i.name))
      out.push(`input '${i.name}' defined twice`);
    defined.add(i.name);
  }
  const domains = new Set(model.opset_import.map((o) => o.domain));
  for (const [k, n] of g.node.entries()) {
    const where = `node ${k} '${n.name}' (${n.op_type})`;
    if (!domains.has(n.domain ?? '')) out.push(`${where}: domain '${n.domain}' is not imported`);
    for (const i of n.input)
      if (i !== '' && !defined.has(i)) out.push(`${where}: input '${i}' is not defined before it`);
    for (const o of n.output) {
      if (defined.has(o)) out.push(`${where}: output '${o}' is already defined`);
      defined.add(o);
    }
  }
  for (const o of g.output) if (!defined.has(o.name)) out.push(`graph output '${o.name}' is never produced`);
  return out;
}

/** Throws an Error listing every problem of `model` (the first 10). */
export function check_model(model: ModelProto, source = 'model'): void {
  const p = model_problems(model);
  if (p.length)
    throw new Error(`${source}: malformed ONNX graph (${p.length} problem(s)):\n  ${p.slice(0, 10).join('\n  ')}`);
}
