/**
 * The manifest checked against the weights' header, before any module is built: the module tree (parents
 * listed, children as each type allows, no name that shadows a Module member), each entry's arguments
 * and the tensors they imply (every one present with the exact dtype and shape), root buffers present,
 * no unclaimed tensor, and the qparams' values (scales finite > 0, zero points integral and in range).
 * After this, building the modules allocates no more than the tensors the file holds.
 */
import { Module } from '../../runtime/nn/module.js';
import type { QuantizedManifest } from './manifest.js';
import { type ExpectedTensor, MODULE_SCHEMAS } from './module_schemas.js';
import { read_numbers, type StHeader } from './st_header.js';

// a child named like a Module member ('forward', 'training', 'state_dict', …) would shadow it
const MODULE_MEMBERS = new Set<string>([
  ...Object.getOwnPropertyNames(Module.prototype),
  ...Object.keys(new Module()),
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
]);

/** Zero-point ranges: qint8 weights, quint8 outputs (the int8 kernels' dtypes). */
const WZP_RANGE: [number, number] = [-128, 127];
const OZP_RANGE: [number, number] = [0, 255];

function parent_of(path: string): string {
  const i = path.lastIndexOf('.');
  return i < 0 ? '' : path.slice(0, i);
}

/** Throws an Error naming `source` and the entry / key at fault; returns normally when the artifact is sound. */
export function check_against_weights(man: QuantizedManifest, h: StHeader, bytes: Uint8Array, source: string): void {
  const fail = (msg: string): never => {
    throw new Error(`load_quantized ${source}: ${msg}`);
  };
  const type_of = new Map(man.modules.map((e) => [e.path, e.type]));
  const children = new Map<string, string[]>();
  man.modules.forEach((e, i) => {
    const parent = parent_of(e.path);
    const name = e.path.slice(parent ? parent.length + 1 : 0);
    if (parent && !type_of.has(parent)) fail(`module entry ${i} ('${e.path}'): parent '${parent}' is not listed`);
    if (MODULE_MEMBERS.has(name)) fail(`module entry ${i} ('${e.path}'): name '${name}' would shadow a Module member`);
    children.set(parent, [...(children.get(parent) ?? []), name]);
  });
  for (const b of man.root_buffers) if (MODULE_MEMBERS.has(b)) fail(`root buffer '${b}' would shadow a Module member`);
  man.modules.forEach((e, i) => {
    const rule = (MODULE_SCHEMAS.get(e.type) as { children: unknown }).children;
    const kids = [...(children.get(e.path) ?? [])].sort();
    const at = `module entry ${i} ('${e.path}', ${e.type})`;
    if (rule === 'none' && kids.length) fail(`${at} cannot have submodules, has ${kids.join(', ')}`);
    if (rule === 'indexed' && kids.some((k) => !/^\d+$/.test(k) || Number(k) >= kids.length))
      fail(`${at} needs submodules named 0..${kids.length - 1}, has ${kids.join(', ')}`);
    if (Array.isArray(rule)) {
      const got = kids.map((k) => `${k}:${type_of.get(`${e.path}.${k}`)}`).join(', ');
      const want = rule.map((t, j) => `${j}:${t}`).join(', ');
      if (got !== want) fail(`${at} needs submodules (${want}), has (${got})`);
    }
  });

  const claimed = new Set<string>();
  const qparams: { key: string; t: ExpectedTensor; rows?: number }[] = [];
  man.modules.forEach((e, i) => {
    const schema = MODULE_SCHEMAS.get(e.type);
    let expected: ExpectedTensor[] = [];
    try {
      expected = (schema as { tensors: (a: unknown[]) => ExpectedTensor[] }).tensors(e.args);
    } catch (err) {
      fail(`module entry ${i} ('${e.path}', ${e.type}): ${(err as Error).message}`);
    }
    const missing: string[] = [];
    for (const t of expected) {
      const key = `${e.path}.${t.name}`;
      const st = h.entries.get(key);
      if (!st) {
        missing.push(key);
        continue;
      }
      claimed.add(key);
      const shape_ok = t.shapes.some((s) => s.length === st.shape.length && s.every((d, j) => d === st.shape[j]));
      if (st.dtype !== t.dtype || !shape_ok)
        fail(
          `tensor "${key}" is ${st.dtype} [${st.shape.join(', ')}] but module '${e.path}' (${e.type}) needs ${t.dtype} ${t.shapes.map((s) => `[${s.join(', ')}]`).join(' or ')}`,
        );
      if (t.role !== 'float' && t.role !== 'qweight') qparams.push({ key, t });
    }
    if (missing.length)
      fail(
        `module '${e.path}' (${e.type}) needs tensor(s) missing from the weights: ${missing.map((k) => `"${k}"`).join(', ')}`,
      );
  });
  const missing_bufs = man.root_buffers.filter((b) => !h.entries.has(b));
  if (missing_bufs.length)
    fail(`root buffer(s) missing from the weights: ${missing_bufs.map((k) => `"${k}"`).join(', ')}`);
  for (const b of man.root_buffers) claimed.add(b);
  // the int8 functional ops' qparams (torch's `<node>_scale_<k>` / `<node>_zero_point_<k>` root buffers):
  // F32 / I64 scalars with valid values, as module qparams are (a stray dtype or value changed the logits)
  for (const b of man.root_buffers) {
    const role = /_scale_\d+$/.test(b) ? 'oscale' : /_zero_point_\d+$/.test(b) ? 'ozp' : null;
    if (!role) continue;
    const dtype = role === 'oscale' ? 'F32' : 'I64';
    const st = h.entries.get(b);
    if (st && (st.dtype !== dtype || st.shape.length !== 0))
      fail(`root buffer "${b}" is ${st.dtype} [${st.shape.join(', ')}] but a qparam must be ${dtype} []`);
    qparams.push({ key: b, t: { name: b, dtype, role, shapes: [[]] } });
  }
  const extra = [...h.entries.keys()].filter((k) => !claimed.has(k));
  if (extra.length)
    fail(
      `tensor(s) no module or root buffer owns: ${extra
        .slice(0, 20)
        .map((k) => `"${k}"`)
        .join(', ')}${extra.length > 20 ? ', …' : ''}`,
    );

  for (const { key, t } of qparams) check_values(key, t, h, bytes, fail);
}

/** Values of one qparam tensor (its size is already bounded by the weight's rows). */
function check_values(
  key: string,
  t: ExpectedTensor,
  h: StHeader,
  bytes: Uint8Array,
  fail: (m: string) => never,
): void {
  const e = h.entries.get(key);
  if (!e) return;
  const values = read_numbers(bytes, h, e);
  if (t.role === 'wzp') {
    const scale = h.entries.get(key.replace(/_zero_point$/, '_scale'));
    if (scale && scale.shape[0] !== e.shape[0])
      fail(`tensor "${key}" has ${e.shape[0]} zero points but "${scale.key}" has ${scale.shape[0]} scales`);
  }
  values.forEach((v, j) => {
    const at = `tensor "${key}"${values.length > 1 ? ` element ${j}` : ''}`;
    if (t.role === 'wscale' || t.role === 'oscale') {
      if (!Number.isFinite(v) || v <= 0) fail(`${at}: scale ${v} is not a finite number > 0`);
    } else if (t.role === 'count') {
      if (!Number.isSafeInteger(v) || v < 0) fail(`${at}: count ${v} is not a non-negative integer`);
    } else {
      const [lo, hi] = t.role === 'wzp' ? WZP_RANGE : OZP_RANGE;
      if (!Number.isInteger(v) || v < lo || v > hi) fail(`${at}: zero point ${v} is not an integer in ${lo}..${hi}`);
    }
  });
}
