/**
 * The strict schema of a serialized graph, checked on the raw JSON before any Node exists or any
 * code is generated. Every check is iterative and bounded, so a hostile file (deep nesting, huge
 * arrays, prototype keys, getters, functions smuggled through `$object`) gets a GraphJsonError
 * naming the file (when given), the node and the field — never a RangeError, never execution.
 */
import {
  key_problem,
  MAX_CONSTANT_DEPTH,
  MAX_CONSTANT_ELEMENTS,
  MAX_NODE_REFERENCES,
  MAX_STRING_LENGTH,
} from './constants.js';
import { IDENTIFIER_RE, is_valid_node_name } from './namespace.js';
import { OPCODES, type Opcode } from './node.js';
import { is_known_function, is_tensor_method, is_valid_path } from './targets.js';

/** A malformed or unsafe graph file; the message names the file (when known), the node and field. */
export class GraphJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphJsonError';
  }
}

/** Most nodes a graph file may list (the 100,000-node bench graph fits ten times over). */
export const MAX_GRAPH_NODES = 1_000_000;
/** Longest target string. */
const MAX_TARGET_LENGTH = 1024;
/** Node meta fields kept from a file (ShapeProp's); anything else is refused. */
export const META_KEYS: readonly string[] = ['shape', 'dtype', 'tensor_meta'];
const TAGS: readonly string[] = ['$node', '$undefined', '$number', '$object'];
const NUMBER_TAGS: ReadonlySet<unknown> = new Set(['NaN', 'Infinity', '-Infinity', '-0']);

type Fields = Record<string, unknown>;

function fail(where: string, what: string): never {
  throw new GraphJsonError(`${where}: ${what}`);
}

/** The data fields of a plain object, refusing unknown keys, accessors and prototype keys. */
function fields(v: unknown, allowed: readonly string[], where: string): Fields {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(where, 'must be an object');
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) fail(where, 'must be a plain object');
  const out: Fields = Object.create(null) as Fields;
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) fail(where, `unexpected key ${JSON.stringify(k.slice(0, 60))}`);
    const d = Object.getOwnPropertyDescriptor(v, k);
    if (!d || !('value' in d)) fail(where, `key '${k}' is an accessor, not data`);
    out[k] = d.value;
  }
  return out;
}

function is_int(v: unknown, max = Number.MAX_SAFE_INTEGER): v is number {
  return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= max;
}

/**
 * Checks one argument value as JSON: primitives, arrays, and one-key tags {$node}, {$undefined},
 * {$number}, {$object} (the last only when `objects`; {$node} only when `nodes`).
 */
function check_value(root: unknown, where: string, opts: { objects: boolean; nodes: boolean }, count: number[]): void {
  const stack: [unknown, string, number][] = [[root, where, 0]];
  while (stack.length) {
    const [v, at, depth] = stack.pop() as [unknown, string, number];
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(at, 'a non-finite number must be written {"$number": ...}');
      continue;
    }
    if (typeof v === 'string') {
      if (v.length > MAX_STRING_LENGTH) fail(at, `string of ${v.length} characters (at most ${MAX_STRING_LENGTH})`);
      continue;
    }
    if (depth >= MAX_CONSTANT_DEPTH) fail(at, `constant nested deeper than ${MAX_CONSTANT_DEPTH} levels`);
    if (Array.isArray(v)) {
      count[0] += v.length;
      if (count[0] > MAX_CONSTANT_ELEMENTS)
        fail(at, `more than ${MAX_CONSTANT_ELEMENTS} constant elements in one node`);
      for (let i = v.length - 1; i >= 0; i--) {
        if (!Object.hasOwn(v, i)) fail(`${at}[${i}]`, 'a hole is not a value');
        stack.push([v[i], `${at}[${i}]`, depth + 1]);
      }
      continue;
    }
    if (typeof v !== 'object') fail(at, `a ${typeof v} is not a JSON value`);
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) fail(at, 'must be a plain object');
    const keys = Object.keys(v);
    if (keys.length !== 1) fail(at, 'an object must be exactly one of {$node}, {$object}, {$number}, {$undefined}');
    if (!TAGS.includes(keys[0])) fail(at, `unknown tag ${short(keys[0])}`);
    const tag = fields(v, TAGS, at);
    const x = tag[keys[0]];
    switch (keys[0]) {
      case '$node':
        if (!opts.nodes) fail(at, 'must be a constant, not a reference to a node');
        if (typeof x !== 'string' || !is_valid_node_name(x)) fail(at, `$node must name a node, got ${short(x)}`);
        count[1] = (count[1] ?? 0) + 1;
        if (count[1] > MAX_NODE_REFERENCES) fail(at, `more than ${MAX_NODE_REFERENCES} node references in one node`);
        break;
      case '$undefined':
        if (x !== true) fail(at, '$undefined must be true');
        break;
      case '$number':
        if (!NUMBER_TAGS.has(x)) fail(at, `bad $number ${short(x)}`);
        break;
      case '$object': {
        if (!opts.objects) fail(at, 'an object is not allowed here (only primitives and arrays of them)');
        if (x === null || typeof x !== 'object' || Array.isArray(x)) fail(at, '$object must hold an object');
        const keys_of = Object.keys(x);
        count[0] += keys_of.length;
        if (count[0] > MAX_CONSTANT_ELEMENTS)
          fail(at, `more than ${MAX_CONSTANT_ELEMENTS} constant elements in one node`);
        for (const k of keys_of) {
          const bad = key_problem(k);
          if (bad) fail(at, `$object ${bad}`);
        }
        const entries = fields(x, keys_of, at);
        for (const k of keys_of) stack.push([entries[k], `${at}.${k}`, depth + 1]);
        break;
      }
    }
  }
}

function short(v: unknown): string {
  return (JSON.stringify(v) ?? String(v)).slice(0, 60);
}

function check_target(op: Opcode, target: string, where: string): void {
  if (target.length > MAX_TARGET_LENGTH) fail(where, `target of ${target.length} characters`);
  const ok =
    op === 'placeholder'
      ? IDENTIFIER_RE.test(target)
      : op === 'output'
        ? target === 'output'
        : op === 'call_function'
          ? is_known_function(target)
          : op === 'call_method'
            ? is_tensor_method(target)
            : is_valid_path(target);
  if (ok) return;
  const why: Record<Opcode, string> = {
    placeholder: 'is not an identifier',
    output: "must be 'output'",
    call_function: 'is not a registered function (see runtime/tensor/dispatch.ts)',
    call_method: 'is not a Tensor method',
    call_module: 'is not a dotted path of identifiers',
    get_attr: 'is not a dotted path of identifiers',
  };
  fail(where, `${op} target '${target.slice(0, 200)}' ${why[op]}`);
}

function check_meta(meta: unknown, where: string): void {
  const m = fields(meta, META_KEYS, `${where}.meta`);
  const shape_ok = (s: unknown): boolean => Array.isArray(s) && s.length <= 64 && s.every((d) => is_int(d, 2 ** 53));
  if (m.shape !== undefined && !shape_ok(m.shape)) fail(`${where}.meta.shape`, 'must be an array of integers');
  if (m.dtype !== undefined && !(typeof m.dtype === 'string' && IDENTIFIER_RE.test(m.dtype) && m.dtype.length <= 32))
    fail(`${where}.meta.dtype`, 'must be a dtype name');
  if (m.tensor_meta === undefined) return;
  const one = (t: unknown, at: string): void => {
    const f = fields(t, ['shape', 'dtype', 'is_quantized'], at);
    if (!shape_ok(f.shape)) fail(`${at}.shape`, 'must be an array of integers');
    if (!(typeof f.dtype === 'string' && IDENTIFIER_RE.test(f.dtype) && f.dtype.length <= 32))
      fail(`${at}.dtype`, 'must be a dtype name');
    if (typeof f.is_quantized !== 'boolean') fail(`${at}.is_quantized`, 'must be a boolean');
  };
  const tm = m.tensor_meta;
  if (Array.isArray(tm)) {
    if (tm.length > 1024) fail(`${where}.meta.tensor_meta`, 'lists more than 1024 tensors');
    for (const [i, t] of tm.entries()) one(t, `${where}.meta.tensor_meta[${i}]`);
  } else one(tm, `${where}.meta.tensor_meta`);
}

/**
 * Checks `json` against the graph schema (see the file comment); throws GraphJsonError naming
 * `source` (a file path, when the JSON came from one), the node and the field. Node references
 * are checked for existence and order by graph_from_json, types of values by lint.
 */
export function validate_graph_json(json: unknown, source?: string): void {
  const prefix = source ? `${source}: ` : '';
  try {
    validate(json);
  } catch (e) {
    if (e instanceof GraphJsonError && prefix) e.message = `${prefix}${e.message}`;
    throw e;
  }
}

function validate(json: unknown): void {
  const top = fields(json, ['format', 'version', 'class_name', 'nodes'], 'graph');
  if (top.format !== 'fxq.graph' || top.version !== 1 || !Array.isArray(top.nodes)) {
    fail('graph', 'not an fxq graph: expected {"format": "fxq.graph", "version": 1, "nodes": [...]}');
  }
  // an unusable class name falls back to 'GraphModule' (GraphModule.from_json); it never becomes code
  if (top.class_name !== undefined && !(typeof top.class_name === 'string' && top.class_name.length <= 256))
    fail('graph.class_name', `${short(top.class_name)} is not a short string`);
  const nodes = top.nodes as unknown[];
  if (nodes.length > MAX_GRAPH_NODES) fail('graph', `${nodes.length} nodes (at most ${MAX_GRAPH_NODES})`);
  for (let i = 0; i < nodes.length; i++) {
    if (!Object.hasOwn(nodes, i)) fail(`nodes[${i}]`, 'a hole is not a node');
    const raw = nodes[i];
    const name_of =
      raw !== null && typeof raw === 'object' ? Object.getOwnPropertyDescriptor(raw, 'name')?.value : undefined;
    const where = `nodes[${i}]${typeof name_of === 'string' ? ` ('${name_of.slice(0, 60)}')` : ''}`;
    const f = fields(raw, ['name', 'op', 'target', 'args', 'kwargs', 'meta'], where);
    if (typeof f.name !== 'string' || !is_valid_node_name(f.name))
      fail(where, `name ${short(f.name)} is not a valid, non-reserved identifier`);
    if (typeof f.op !== 'string' || !OPCODES.includes(f.op as Opcode))
      fail(where, `op ${short(f.op)} is not one of ${OPCODES.join(', ')}`);
    const op = f.op as Opcode;
    if (typeof f.target !== 'string') fail(where, 'target must be a string');
    check_target(op, f.target, where);
    if (!Array.isArray(f.args)) fail(where, 'args must be an array');
    const kwargs = fields(f.kwargs ?? {}, Object.keys(f.kwargs ?? {}), `${where}.kwargs`);
    for (const k of Object.keys(kwargs)) {
      const bad = key_problem(k);
      if (bad) fail(`${where}.kwargs`, bad);
    }
    const constant_only = op === 'placeholder';
    const opts = { objects: !constant_only, nodes: !constant_only };
    if (
      (op === 'placeholder' && f.args.length > 1) ||
      ((op === 'get_attr' || op === 'placeholder') && Object.keys(kwargs).length)
    )
      fail(where, `${op} takes ${op === 'placeholder' ? 'at most one default value' : 'no arguments'}`);
    const count = [0];
    for (let k = 0; k < f.args.length; k++) {
      if (!Object.hasOwn(f.args, k)) fail(`${where}.args[${k}]`, 'a hole is not a value');
      check_value(f.args[k], `${where}.args[${k}]`, opts, count);
    }
    for (const [k, v] of Object.entries(kwargs)) check_value(v, `${where}.kwargs.${k}`, opts, count);
    if (f.meta !== undefined) check_meta(f.meta, where);
  }
}
