/**
 * The manifest of a saved quantized model and its structural check: exact top-level keys, one entry per
 * submodule ({path, type, args}) with a dotted-identifier path, a known type and an argument list, root
 * buffer names, and no `__proto__` / `constructor` / `prototype` key anywhere (walked iteratively, so a
 * deeply nested payload cannot overflow the stack). The graph itself is checked by GraphModule.from_json.
 */
import type { Json } from '../ir/serialize.js';
import { MODULE_SCHEMAS } from './module_schemas.js';
import { preview } from './preview.js';
import { is_dotted_name } from './st_header.js';

/** The format name written in every manifest and in the safetensors `__metadata__`. */
export const FORMAT = 'fxq.quantized';
/** The current format version (1 was the manifest.json + weights.safetensors directory). */
export const VERSION = 2;

/** One submodule: where it sits, its type name (module_specs.ts) and its constructor arguments. */
export interface ModuleEntry {
  path: string;
  type: string;
  args: Json[];
}

/** The manifest of a saved quantized model. */
export interface QuantizedManifest {
  format: typeof FORMAT;
  version: 1 | 2;
  class_name: string;
  graph: Json;
  modules: ModuleEntry[];
  root_buffers: string[];
}

const TOP_KEYS = ['format', 'version', 'class_name', 'graph', 'modules', 'root_buffers'];
const ENTRY_KEYS = ['path', 'type', 'args'];
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** A root buffer: an identifier, or torch's digit-led qparam name of a Sequential's layer (`0_input_scale_0`). */
const BUFFER_NAME = /^(?:[A-Za-z_$][A-Za-z0-9_$]*|[0-9][A-Za-z0-9_]*[A-Za-z_][A-Za-z0-9_]*)$/;

/** The first forbidden key anywhere in `v`, as a path (`graph.nodes[3].kwargs.__proto__`), or null. */
export function find_forbidden_key(v: unknown, root = 'manifest'): string | null {
  // frames keep their parent and key, so paths are spelled only for the one reported (a million-element
  // array costs a million type checks, not a million strings)
  type Frame = { x: object; parent: Frame | null; key: string };
  const path = (f: Frame | null, tail: string): string => {
    let out = tail;
    for (let c = f; c; c = c.parent) out = c.key + out;
    return out;
  };
  if (typeof v !== 'object' || v === null) return null;
  const stack: Frame[] = [{ x: v, parent: null, key: root }];
  while (stack.length) {
    const f = stack.pop() as Frame;
    if (Array.isArray(f.x)) {
      for (let i = f.x.length - 1; i >= 0; i--) {
        const c: unknown = f.x[i];
        if (typeof c === 'object' && c !== null) stack.push({ x: c, parent: f, key: `[${i}]` });
      }
      continue;
    }
    for (const [k, c] of Object.entries(f.x)) {
      if (FORBIDDEN.has(k)) return path(f, `.${k}`);
      if (typeof c === 'object' && c !== null) stack.push({ x: c, parent: f, key: `.${k}` });
    }
  }
  return null;
}

/** Checks the manifest's structure (not yet against the weights); errors name `source` and the key or entry. */
export function check_manifest(raw: unknown, source: string, version: 1 | 2): QuantizedManifest {
  const fail = (msg: string): never => {
    throw new Error(`load_quantized ${source}: manifest ${msg}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('is not a JSON object');
  const bad = find_forbidden_key(raw);
  if (bad) fail(`has a forbidden key at ${bad}`);
  const m = raw as Record<string, unknown>;
  const extra = Object.keys(m).filter((k) => !TOP_KEYS.includes(k));
  if (extra.length) fail(`has unknown key(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  const missing = TOP_KEYS.filter((k) => !Object.hasOwn(m, k));
  if (missing.length) fail(`lacks key(s) ${missing.map((k) => JSON.stringify(k)).join(', ')}`);
  if (m.format !== FORMAT) fail(`format ${preview(m.format, 60)} is not "${FORMAT}"`);
  if (m.version !== version) fail(`version ${preview(m.version, 60)} is not ${version}`);
  if (typeof m.class_name !== 'string' || !IDENT.test(m.class_name) || FORBIDDEN.has(m.class_name))
    fail(`class_name ${preview(m.class_name, 60)} is not an identifier`);
  if (!Array.isArray(m.modules)) fail('"modules" is not a list');
  if (!Array.isArray(m.root_buffers)) fail('"root_buffers" is not a list');
  const seen = new Set<string>();
  (m.modules as unknown[]).forEach((e, i) => {
    const at = `module entry ${i}`;
    if (typeof e !== 'object' || e === null || Array.isArray(e))
      fail(`${at} is ${preview(e, 60)}, not {path, type, args}`);
    const ent = e as Record<string, unknown>;
    const k_extra = Object.keys(ent).filter((k) => !ENTRY_KEYS.includes(k));
    if (k_extra.length) fail(`${at} has unknown key(s) ${k_extra.map((k) => JSON.stringify(k)).join(', ')}`);
    if (!is_dotted_name(ent.path)) fail(`${at}: path ${preview(ent.path, 60)} is not a dotted name of identifiers`);
    const path = ent.path as string;
    if (seen.has(path)) fail(`${at}: path '${path}' is listed twice`);
    seen.add(path);
    if (typeof ent.type !== 'string' || !MODULE_SCHEMAS.has(ent.type))
      fail(`${at} ('${path}'): unknown module type ${preview(ent.type, 60)}`);
    if (!Array.isArray(ent.args)) fail(`${at} ('${path}'): args is not a list`);
  });
  const bufs = new Set<string>();
  (m.root_buffers as unknown[]).forEach((b, i) => {
    if (typeof b !== 'string' || !BUFFER_NAME.test(b) || FORBIDDEN.has(b))
      fail(`root_buffers[${i}] ${preview(b, 60)} is not a buffer name (an identifier, or digits then a word)`);
    if (bufs.has(b as string)) fail(`root_buffers[${i}] '${b}' is listed twice`);
    if (seen.has(b as string)) fail(`root_buffers[${i}] '${b}' is also a module path`);
    bufs.add(b as string);
  });
  return m as unknown as QuantizedManifest;
}
