/**
 * What a node's target may name, and whether it resolves: the checks shared by lint, from_json
 * validation and code generation, so no unchecked text ever becomes code.
 */

import { Module } from '../../runtime/nn/module.js';
import { has_method, lookup_function } from '../../runtime/tensor/dispatch.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { forward_params } from '../trace/params.js';
import { for_each_node, type Node } from './node.js';

/** Built-in call_function targets the compiler itself provides: `a[i]` and `a.attr`. */
export const BUILTIN_FUNCTIONS: ReadonlySet<string> = new Set(['getitem', 'getattr']);

/** Attributes `getattr` may read off a traced value. */
export const TRACEABLE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'shape',
  'dtype',
  'ndim',
  'is_quantized',
  'requires_grad',
]);

// an identifier, an index, or a word that starts with a digit: torch names qparam buffers of a Sequential's first
// layer `0_input_scale_0` (its prefix is the module path), and generated code reaches them as this["0_input_scale_0"]
const PATH_PART_RE = /^(?:[A-Za-z_$][A-Za-z0-9_$]*|[0-9][A-Za-z0-9_]*)$/;
const FUNCTION_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const METHOD_NAME_RE = /^[a-z][A-Za-z0-9_]*$/;

/** Names on Tensor.prototype that are JS protocol hooks or autograd entry points, never graph ops. */
const NOT_GRAPH_METHODS: ReadonlySet<string> = new Set(['constructor', 'toString', 'toJSON', 'valueOf', 'backward']);

/** Property names that reach an object's prototype machinery; never a key, path part or method. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** True when every dotted part of a module/attribute path is an identifier or an index. */
export function is_valid_path(target: string): boolean {
  return target.length > 0 && target.split('.').every((p) => PATH_PART_RE.test(p) && !FORBIDDEN_KEYS.has(p));
}

/**
 * True when `name` is a real Tensor method generated code may call: a registered method, or a
 * function-valued own property of Tensor.prototype or a parent class below Object.prototype.
 * Getters (`ndim`, `shape`) and Object.prototype members (`hasOwnProperty`) are not methods; the
 * descriptor is inspected, never read, so a getter is not run on the prototype.
 */
export function is_tensor_method(name: string): boolean {
  if (typeof name !== 'string' || !METHOD_NAME_RE.test(name) || NOT_GRAPH_METHODS.has(name)) return false;
  if (has_method(name)) return true;
  for (let p: object | null = Tensor.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (d) return 'value' in d && typeof d.value === 'function';
  }
  return false;
}

/** True when `name` is a registered function op or a compiler builtin. */
export function is_known_function(name: string): boolean {
  return FUNCTION_NAME_RE.test(name) && (BUILTIN_FUNCTIONS.has(name) || lookup_function(name) !== undefined);
}

/** Why `node`'s target is unusable, or null when it resolves (modules/attributes against `root`). */
export function target_problem(node: Node, root?: Module): string | null {
  switch (node.op) {
    case 'placeholder':
    case 'output':
      return null;
    case 'call_function':
      return is_known_function(node.target)
        ? null
        : `call_function target '${node.target}' is not a registered function (see runtime/tensor/dispatch.ts)`;
    case 'call_method':
      return is_tensor_method(node.target) ? null : `call_method target '${node.target}' is not a Tensor method`;
    case 'call_module':
    case 'get_attr': {
      if (!is_valid_path(node.target)) return `${node.op} target '${node.target}' is not a dotted path of identifiers`;
      if (!root) return null;
      try {
        if (node.op === 'call_module') {
          const m = root.get_submodule(node.target);
          if (!(m instanceof Module)) return `call_module target '${node.target}' is not a module`;
        } else if (root.get_attr(node.target) === undefined) {
          return `get_attr target '${node.target}' is undefined`;
        }
      } catch (e) {
        return (e as Error).message;
      }
      return null;
    }
  }
}

/** Why `node`'s argument count does not fit its op/target, or null. */
export function arity_problem(node: Node, root?: Module): string | null {
  const n = node.args.length;
  const nkw = Object.keys(node.kwargs).length;
  switch (node.op) {
    case 'placeholder': {
      if (n > 1 || nkw) return 'a placeholder takes at most one default value and no kwargs';
      let has_node = false;
      for_each_node(node.args[0], () => {
        has_node = true;
      });
      return has_node ? "a placeholder's default must be a constant, not another node" : null;
    }
    case 'get_attr':
      return n || nkw ? 'get_attr takes no arguments' : null;
    case 'output':
      return n !== 1 || nkw ? `output takes exactly one argument, got ${n}` : null;
    case 'call_method':
      return n < 1 ? 'call_method needs the tensor as its first argument' : null;
    case 'call_function': {
      if (!BUILTIN_FUNCTIONS.has(node.target)) return null;
      if (n !== 2 || nkw) return `${node.target} takes exactly 2 arguments, got ${n}`;
      const key = node.args[1];
      if (node.target === 'getattr' && !(typeof key === 'string' && TRACEABLE_ATTRIBUTES.has(key))) {
        return `getattr may only read ${[...TRACEABLE_ATTRIBUTES].join(', ')}, not ${JSON.stringify(key)}`;
      }
      // getitem's key and receiver are checked by kind_problem (value_kinds.ts)
      return null;
    }
    case 'call_module': {
      if (!root) return null;
      let m: Module;
      try {
        m = root.get_submodule(node.target);
      } catch {
        return null; // target_problem reports it
      }
      const params = forward_params((m as unknown as { forward: unknown }).forward, m.constructor.name);
      const total = n + (nkw ? 1 : 0);
      const required = params.filter((p) => !p.has_default && !p.rest).length;
      const max = params.some((p) => p.rest) ? Number.POSITIVE_INFINITY : params.length;
      if (total < required || total > max) {
        return `${m.constructor.name}.forward takes ${required === max ? required : `${required}..${max}`} argument(s), the node passes ${total}`;
      }
      return null;
    }
  }
}
