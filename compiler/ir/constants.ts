/**
 * What a constant inside a node's args/kwargs may be, checked without recursion so a hostile or
 * absurd value (10,000 levels deep, a million elements) gets a clear error, not a stack overflow:
 * numbers, strings, booleans, null/undefined, node references, arrays, and — in call arguments and
 * the output — plain objects (options like `{ alpha: 2 }`) whose keys are identifiers.
 */
import { FORBIDDEN_KEYS } from './targets.js';

/** Deepest nesting of arrays/objects in one constant (`[[1]]` is 2 deep). */
export const MAX_CONSTANT_DEPTH = 64;
/** Most array elements plus object entries in one node's arguments. */
export const MAX_CONSTANT_ELEMENTS = 100_000;
/**
 * Most node references in one node's arguments (a cat of 4,096 inputs is far past any real model; 100,000
 * references to one small node would make the forward allocate 100,000 copies of it).
 */
export const MAX_NODE_REFERENCES = 4096;
/** Longest string constant. */
export const MAX_STRING_LENGTH = 4096;
/** Keys an options object may use: identifiers, never prototype machinery. */
export const OBJECT_KEY_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Where a constant sits: placeholder defaults may not hold objects or node references. */
export interface ConstantRules {
  allow_objects: boolean;
  allow_nodes: boolean;
  /** True for a graph node (checked by the caller: its graph, its position). */
  is_node: (v: unknown) => boolean;
}

/** Why an object key is unusable, or null. */
export function key_problem(k: string): string | null {
  if (FORBIDDEN_KEYS.has(k)) return `key ${JSON.stringify(k)} is not allowed (prototype machinery)`;
  if (!OBJECT_KEY_RE.test(k)) return `key ${JSON.stringify(k.slice(0, 60))} is not an identifier`;
  return null;
}

/**
 * Why the constants in `values` (one node's args and kwargs values) break the rules, or null.
 * `where(path)` names the place in messages (e.g. "args[1][0].alpha").
 */
export function constant_problem(values: readonly [string, unknown][], rules: ConstantRules): string | null {
  const stack: [unknown, string, number][] = values.map(([p, v]) => [v, p, 1]);
  let elements = 0;
  let references = 0;
  while (stack.length) {
    const [v, path, depth] = stack.pop() as [unknown, string, number];
    if (v === null || v === undefined || typeof v === 'boolean') continue;
    if (typeof v === 'number') continue; // NaN/±Infinity/-0 are legitimate (clamp bounds, masks)
    if (typeof v === 'string') {
      if (v.length > MAX_STRING_LENGTH)
        return `${path}: string of ${v.length} characters (at most ${MAX_STRING_LENGTH})`;
      continue;
    }
    if (rules.is_node(v)) {
      if (!rules.allow_nodes)
        return `${path}: a placeholder's default must be a constant, not a reference to another node`;
      if (++references > MAX_NODE_REFERENCES) return `${path}: more than ${MAX_NODE_REFERENCES} node references`;
      continue;
    }
    if (depth > MAX_CONSTANT_DEPTH) return `${path}: constant nested deeper than ${MAX_CONSTANT_DEPTH} levels`;
    if (Array.isArray(v)) {
      elements += v.length;
      if (elements > MAX_CONSTANT_ELEMENTS) return `${path}: more than ${MAX_CONSTANT_ELEMENTS} constant elements`;
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`, depth + 1]);
      continue;
    }
    if (typeof v === 'object' && is_plain(v)) {
      if (!rules.allow_objects) return `${path}: an object is not allowed here (only primitives and arrays of them)`;
      const keys = Object.keys(v);
      elements += keys.length;
      if (elements > MAX_CONSTANT_ELEMENTS) return `${path}: more than ${MAX_CONSTANT_ELEMENTS} constant elements`;
      for (const k of keys) {
        const bad = key_problem(k);
        if (bad) return `${path}: ${bad}`;
        const d = Object.getOwnPropertyDescriptor(v, k);
        if (!d || !('value' in d)) return `${path}.${k}: an accessor property is not a constant`;
        stack.push([d.value, `${path}.${k}`, depth + 1]);
      }
      continue;
    }
    return `${path}: ${typeof v === 'function' ? 'a function' : `a ${typeof v}`} is not a constant`;
  }
  return null;
}

function is_plain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
