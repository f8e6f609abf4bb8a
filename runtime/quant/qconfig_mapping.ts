/**
 * QConfigMapping and the qconfig_dict it mirrors (torch.ao.quantization.qconfig_mapping, PyTorch 1.13):
 * which qconfig applies to which module, function or method, and the validator of qconfig_dict input.
 */
import { lookup_function } from '../tensor/dispatch.js';
import { is_qconfig, type QConfig } from './qconfig.js';

/** A module class, a function op (the function or its registered name) or a method name. */
export type ObjectType = (abstract new (...args: never[]) => unknown) | ((...args: never[]) => unknown) | string;

/** null disables quantization for the matched entries. */
export type QConfigAny = QConfig | null;

/** qconfig_dict, PyTorch's shape: { "": global, object_type: [[type, qconfig]], module_name: [[name, qconfig]], … }. */
export interface QConfigDict {
  ''?: QConfigAny;
  object_type?: [ObjectType, QConfigAny][];
  module_name_regex?: [string, QConfigAny][];
  module_name?: [string, QConfigAny][];
  module_name_object_type_order?: [string, ObjectType, number, QConfigAny][];
}

/** The keys qconfig_dict allows, with PyTorch's names. */
export const QCONFIG_DICT_KEYS = [
  '',
  'object_type',
  'module_name_regex',
  'module_name',
  'module_name_object_type_order',
] as const;

/**
 * The key under which an object type is stored: fxq function ops are stored by their registered name
 * (so `add` and 'add' are the same key); classes and other functions by identity; strings as given.
 */
export function object_type_key(t: ObjectType): ObjectType {
  if (typeof t === 'function' && !is_class(t) && t.name && lookup_function(t.name) === t) return t.name;
  return t;
}

function is_class(f: unknown): boolean {
  return typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));
}

function type_name(t: ObjectType): string {
  return typeof t === 'string' ? `'${t}'` : t.name || '<anonymous>';
}

/**
 * Maps modules/ops to qconfigs: set_global, set_object_type, set_module_name_regex, set_module_name,
 * set_module_name_object_type_order. Precedence when resolving (see qconfig_resolve.ts):
 * module_name_object_type_order > module_name > module_name_regex > object_type > global.
 */
export class QConfigMapping {
  global_qconfig: QConfigAny = null;
  readonly object_type_qconfigs = new Map<ObjectType, QConfigAny>();
  readonly module_name_regex_qconfigs = new Map<string, QConfigAny>();
  readonly module_name_qconfigs = new Map<string, QConfigAny>();
  /** Keyed by JSON of [module_name, object type key index, index]; values keep the parts. */
  readonly module_name_object_type_order_qconfigs = new Map<
    string,
    { module_name: string; object_type: ObjectType; index: number; qconfig: QConfigAny }
  >();

  set_global(global_qconfig: QConfigAny): this {
    check_qconfig(global_qconfig, 'set_global');
    this.global_qconfig = global_qconfig;
    return this;
  }

  set_object_type(object_type: ObjectType, qconfig: QConfigAny): this {
    check_object_type(object_type, 'set_object_type');
    check_qconfig(qconfig, `set_object_type(${type_name(object_type)})`);
    this.object_type_qconfigs.set(object_type_key(object_type), qconfig);
    return this;
  }

  /** Regexes are tried in insertion order with Python's re.match semantics (anchored at the start). */
  set_module_name_regex(module_name_regex: string, qconfig: QConfigAny): this {
    check_regex(module_name_regex, 'set_module_name_regex');
    check_qconfig(qconfig, `set_module_name_regex('${module_name_regex}')`);
    this.module_name_regex_qconfigs.set(module_name_regex, qconfig);
    return this;
  }

  set_module_name(module_name: string, qconfig: QConfigAny): this {
    if (typeof module_name !== 'string')
      throw new Error(`set_module_name: module_name must be a string, got ${typeof module_name}`);
    check_qconfig(qconfig, `set_module_name('${module_name}')`);
    this.module_name_qconfigs.set(module_name, qconfig);
    return this;
  }

  /** The qconfig of the `index`-th call (0-based) of `object_type` directly inside module `module_name`. */
  set_module_name_object_type_order(
    module_name: string,
    object_type: ObjectType,
    index: number,
    qconfig: QConfigAny,
  ): this {
    const where = `set_module_name_object_type_order('${module_name}', ${type_name(object_type)}, ${index})`;
    if (typeof module_name !== 'string') throw new Error(`${where}: module_name must be a string`);
    check_object_type(object_type, where);
    if (!Number.isInteger(index) || index < 0) throw new Error(`${where}: index must be a non-negative integer`);
    check_qconfig(qconfig, where);
    const key = object_type_key(object_type);
    this.module_name_object_type_order_qconfigs.set(order_key(module_name, key, index), {
      module_name,
      object_type: key,
      index,
      qconfig,
    });
    return this;
  }

  /** The qconfig_dict equivalent (PyTorch's QConfigMapping.to_dict). */
  to_dict(): QConfigDict {
    return {
      '': this.global_qconfig,
      object_type: [...this.object_type_qconfigs],
      module_name_regex: [...this.module_name_regex_qconfigs],
      module_name: [...this.module_name_qconfigs],
      module_name_object_type_order: [...this.module_name_object_type_order_qconfigs.values()].map(
        (e) => [e.module_name, e.object_type, e.index, e.qconfig] as [string, ObjectType, number, QConfigAny],
      ),
    };
  }

  /** Builds a mapping from a qconfig_dict, validating it first (errors name the key and entry). */
  static from_dict(qconfig_dict: QConfigDict): QConfigMapping {
    validate_qconfig_dict(qconfig_dict);
    const m = new QConfigMapping();
    if ('' in qconfig_dict) m.set_global(qconfig_dict[''] ?? null);
    for (const [t, q] of qconfig_dict.object_type ?? []) m.set_object_type(t, q);
    for (const [r, q] of qconfig_dict.module_name_regex ?? []) m.set_module_name_regex(r, q);
    for (const [n, q] of qconfig_dict.module_name ?? []) m.set_module_name(n, q);
    for (const [n, t, i, q] of qconfig_dict.module_name_object_type_order ?? [])
      m.set_module_name_object_type_order(n, t, i, q);
    return m;
  }
}

const type_ids = new Map<ObjectType, number>();
function order_key(module_name: string, t: ObjectType, index: number): string {
  // object types are not serialisable; give each a stable small id for the map key
  let id = type_ids.get(t);
  if (id === undefined) {
    id = type_ids.size;
    type_ids.set(t, id);
  }
  return JSON.stringify([module_name, id, index]);
}

function check_qconfig(q: unknown, where: string): void {
  if (q !== null && !is_qconfig(q)) {
    throw new Error(
      `${where}: expected a QConfig or null, got ${q === undefined ? 'undefined' : typeof q === 'object' ? JSON.stringify(q) : String(q)}`,
    );
  }
}

function check_object_type(t: unknown, where: string): void {
  if (typeof t !== 'string' && typeof t !== 'function') {
    throw new Error(`${where}: object type must be a module class, a function op or a method name, got ${String(t)}`);
  }
}

function check_regex(r: unknown, where: string): void {
  if (typeof r !== 'string') throw new Error(`${where}: regex must be a string, got ${typeof r}`);
  try {
    new RegExp(r);
  } catch (e) {
    throw new Error(`${where}: invalid regex '${r}': ${(e as Error).message}`);
  }
}

/**
 * Rejects a malformed qconfig_dict: unknown keys, entries that are not [key…, qconfig] tuples of the right
 * arity and types. Each error names the key and the entry index.
 */
export function validate_qconfig_dict(d: unknown): asserts d is QConfigDict {
  if (d === null || typeof d !== 'object' || Array.isArray(d)) throw new Error('qconfig_dict: expected an object');
  for (const k of Object.keys(d)) {
    if (!(QCONFIG_DICT_KEYS as readonly string[]).includes(k)) {
      throw new Error(
        `qconfig_dict: unknown key '${k}'; allowed keys are ${QCONFIG_DICT_KEYS.map((x) => `'${x}'`).join(', ')}`,
      );
    }
  }
  const rec = d as Record<string, unknown>;
  if ('' in rec) check_qconfig(rec[''], `qconfig_dict['']`);
  const arity: Record<string, number> = {
    object_type: 2,
    module_name_regex: 2,
    module_name: 2,
    module_name_object_type_order: 4,
  };
  for (const [key, n] of Object.entries(arity)) {
    if (!(key in rec) || rec[key] === undefined) continue;
    const list = rec[key];
    if (!Array.isArray(list)) throw new Error(`qconfig_dict['${key}']: expected a list of entries, got ${typeof list}`);
    list.forEach((entry: unknown, i: number) => {
      const where = `qconfig_dict['${key}'][${i}]`;
      if (!Array.isArray(entry) || entry.length !== n) {
        throw new Error(
          `${where}: expected a ${n}-element entry, got ${Array.isArray(entry) ? `${entry.length} elements` : typeof entry}`,
        );
      }
      if (key === 'object_type') check_object_type(entry[0], where);
      if (key === 'module_name_regex') check_regex(entry[0], where);
      if ((key === 'module_name' || key === 'module_name_object_type_order') && typeof entry[0] !== 'string') {
        throw new Error(`${where}: module name must be a string, got ${typeof entry[0]}`);
      }
      if (key === 'module_name_object_type_order') {
        check_object_type(entry[1], where);
        if (!Number.isInteger(entry[2]) || entry[2] < 0)
          throw new Error(`${where}: index must be a non-negative integer, got ${String(entry[2])}`);
      }
      check_qconfig(entry[n - 1], where);
    });
  }
}

/** Accepts a QConfigMapping or a qconfig_dict (validated) and returns a mapping. */
export function to_qconfig_mapping(m: QConfigMapping | QConfigDict): QConfigMapping {
  return m instanceof QConfigMapping ? m : QConfigMapping.from_dict(m);
}
