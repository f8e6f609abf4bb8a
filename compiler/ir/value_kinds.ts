/**
 * What kind of value each node yields, inferred statically from op and target. Generated code may
 * read an element (`getitem`), an attribute (`getattr`) or call a method (`call_method`) only on
 * values that are tensors (or tuples of tensors an op returned) — never on a constant or an object
 * literal — so a graph can never reach a JavaScript prototype, a Function or its constructor.
 */
import type { Module } from '../../runtime/nn/module.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { Node } from './node.js';

/**
 * - `tensor`: a Tensor or a (nested) tuple of them, as placeholders, get_attr, modules and ops give
 * - `shape`: an integer list (`x.shape`, `x.size()`)
 * - `number`, `string`, `boolean`: scalars read off a tensor (`x.dim()`, `x.dtype`, `x.is_quantized`)
 * - `constant`: a placeholder with a default value (whatever the default is)
 * - `none`: the output node
 */
export type ValueKind = 'tensor' | 'shape' | 'number' | 'string' | 'boolean' | 'constant' | 'none';

/** Tensor methods whose result is a number, not a tensor. */
const NUMBER_METHODS: ReadonlySet<string> = new Set([
  'numel',
  'dim',
  'item',
  'q_scale',
  'q_zero_point',
  'q_per_channel_axis',
]);
/** Tensor methods whose result is a plain list. */
const LIST_METHODS: ReadonlySet<string> = new Set(['tolist']);

const ATTRIBUTE_KINDS: Readonly<Record<string, ValueKind>> = {
  shape: 'shape',
  dtype: 'string',
  ndim: 'number',
  is_quantized: 'boolean',
  requires_grad: 'boolean',
};

/** The kind of `node`'s value given the kinds of earlier nodes (unknown inputs count as `constant`). */
export function kind_of(node: Node, kinds: ReadonlyMap<Node, ValueKind>): ValueKind {
  switch (node.op) {
    case 'placeholder':
      return node.args.length ? 'constant' : 'tensor';
    case 'get_attr':
    case 'call_module':
      return 'tensor';
    case 'output':
      return 'none';
    case 'call_method':
      if (NUMBER_METHODS.has(node.target)) return 'number';
      if (LIST_METHODS.has(node.target)) return 'constant';
      if (node.target === 'size') return node.args.length + Object.keys(node.kwargs).length > 1 ? 'number' : 'shape';
      return 'tensor';
    case 'call_function': {
      const base = node.args[0];
      const base_kind = is_node(base) ? (kinds.get(base) ?? 'constant') : 'constant';
      if (node.target === 'getattr') return ATTRIBUTE_KINDS[String(node.args[1])] ?? 'constant';
      if (node.target === 'getitem') return base_kind === 'shape' ? 'number' : base_kind;
      return 'tensor';
    }
  }
}

function is_node(a: unknown): a is Node {
  return a instanceof Node;
}

/** Largest |index| a getitem key may have (generated code writes it as a literal). */
export const MAX_GETITEM_INDEX = 2 ** 31 - 1;

/**
 * Why `node` reads or calls something it may not, or null. `kinds` holds the kinds of every earlier
 * node. With `root`, get_attr must name a Tensor (parameter, buffer or constant), not a method or
 * another value a graph could call.
 */
export function kind_problem(node: Node, kinds: ReadonlyMap<Node, ValueKind>, root?: Module): string | null {
  const receiver = (what: string, allowed: readonly ValueKind[]): string | null => {
    const self = node.args[0];
    if (!is_node(self)) {
      return `${what} needs a graph value as its receiver, got a constant ${describe(self)}; only tensor-valued nodes may be read or called`;
    }
    const k = kinds.get(self) ?? 'constant';
    return allowed.includes(k)
      ? null
      : `${what} on '${self.name}', which holds a ${k} value, not a ${allowed.join(' or ')}`;
  };
  switch (node.op) {
    case 'call_method':
      return receiver(`method '${node.target}'`, ['tensor']);
    case 'call_function': {
      if (node.target === 'getattr') return receiver(`getattr '${String(node.args[1])}'`, ['tensor']);
      if (node.target !== 'getitem') return null;
      const key = node.args[1];
      if (!(typeof key === 'number' && Number.isInteger(key) && Math.abs(key) <= MAX_GETITEM_INDEX)) {
        return `getitem index must be an integer constant, got ${describe(key)}`;
      }
      return receiver('getitem', ['tensor', 'shape']);
    }
    case 'get_attr': {
      if (!root) return null;
      let v: unknown;
      try {
        v = root.get_attr(node.target);
      } catch {
        return null; // target_problem reports it
      }
      return v instanceof Tensor ? null : `get_attr target '${node.target}' is not a tensor (it is ${describe(v)})`;
    }
    default:
      return null;
  }
}

function describe(v: unknown): string {
  if (is_node(v)) return `node '${v.name}'`;
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object')
    return v instanceof Tensor ? 'a tensor' : `an object (${v.constructor?.name ?? 'null prototype'})`;
  if (typeof v === 'function') return 'a function';
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}
