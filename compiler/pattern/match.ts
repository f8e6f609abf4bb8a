/**
 * The one pattern-matching engine. A pattern is a DAG of PatternNodes anchored at its last op;
 * matching walks the graph from the end (as FX's quantization matcher does), so later ops claim
 * their inputs first. Constraints: every user of an interior (non-root) matched node is inside the
 * match — for a chain, exactly one user — and matches never overlap.
 */
import { Module } from '../../runtime/nn/module.js';
import type { GraphModule } from '../ir/graph_module.js';
import { type Argument, is_plain_object, Node } from '../ir/node.js';

// biome-ignore lint/suspicious/noExplicitAny: a module class of any constructor signature
export type ModuleClass = abstract new (...args: any[]) => Module;

/** Matches any argument (a node or a constant) and binds it as an input of the match. */
export interface Wildcard {
  kind: 'wildcard';
  /** Wildcards with the same name must bind the same value. */
  name?: string;
}
/** Matches one graph node and, positionally, its arguments. */
export interface PatternNode {
  kind: 'node';
  /** Shown in messages, e.g. 'nn.Conv2d' or 'F.relu'. */
  label: string;
  test: (node: Node, gm: GraphModule) => boolean;
  /** Patterns for args[0], args[1], …; args beyond these are not constrained. */
  inputs: (PatternNode | Wildcard | ConstPattern)[];
  /** Require exactly this many args (replace_pattern patterns) — undefined: at least `inputs.length`. */
  exact_arity?: number;
}
/** Matches a constant argument equal to `value`. */
export interface ConstPattern {
  kind: 'const';
  value: Argument;
}
export type PatternElement = PatternNode | Wildcard | ConstPattern;

/** One match: the root node, every matched node (root first), and what the wildcards bound. */
export interface Match {
  root: Node;
  nodes: Node[];
  /** Wildcard bindings in pattern order (depth first, left to right). */
  inputs: Argument[];
  /** Named wildcard bindings. */
  named: Map<string, Argument>;
  /** Pattern node → graph node. */
  bound: Map<PatternNode, Node>;
}

function args_equal(a: Argument, b: Argument): boolean {
  if (a instanceof Node || b instanceof Node) return a === b;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => args_equal(x, (b as Argument[])[i]));
  if (is_plain_object(a) && is_plain_object(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => args_equal(a[k] as Argument, b[k] as Argument));
  }
  return Object.is(a, b);
}

/** Tries to match `pattern` rooted at `node`; returns the match or null. */
export function match_at(pattern: PatternNode, node: Node, gm: GraphModule): Match | null {
  const m: Match = { root: node, nodes: [], inputs: [], named: new Map(), bound: new Map() };
  const visit = (p: PatternElement, arg: Argument): boolean => {
    if (p.kind === 'wildcard') {
      if (p.name !== undefined) {
        if (m.named.has(p.name)) return args_equal(m.named.get(p.name) as Argument, arg);
        m.named.set(p.name, arg);
      }
      m.inputs.push(arg);
      return true;
    }
    if (p.kind === 'const') return args_equal(p.value, arg);
    if (!(arg instanceof Node)) return false;
    const prev = m.bound.get(p);
    if (prev) return prev === arg; // a pattern node reached twice (diamond) is one graph node
    if (!p.test(arg, gm)) return false;
    if (p.exact_arity !== undefined ? arg.args.length !== p.exact_arity : arg.args.length < p.inputs.length)
      return false;
    m.bound.set(p, arg);
    m.nodes.push(arg);
    return p.inputs.every((sub, i) => visit(sub, arg.args[i]));
  };
  if (!visit(pattern, node)) return null;
  const inside = new Set(m.nodes);
  for (const n of m.nodes) {
    if (n === node) continue;
    for (const u of n.users) if (!inside.has(u)) return null;
  }
  return m;
}

/** All non-overlapping matches of `pattern` in the graph, found from the last node backwards. */
export function find_matches(gm: GraphModule, pattern: PatternNode, claimed: Set<Node> = new Set()): Match[] {
  const out: Match[] = [];
  const nodes = gm.graph.nodes;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (claimed.has(n)) continue;
    const m = match_at(pattern, n, gm);
    if (!m || m.nodes.some((x) => claimed.has(x))) continue;
    for (const x of m.nodes) claimed.add(x);
    out.push(m);
  }
  return out.reverse();
}

/** Pattern for a call_module whose module is an instance of `cls`. */
export function module_pattern(cls: ModuleClass, inputs: PatternElement[] = []): PatternNode {
  return {
    kind: 'node',
    label: cls.name,
    inputs,
    test: (n, gm) => {
      if (n.op !== 'call_module') return false;
      try {
        return gm.get_submodule(n.target) instanceof cls;
      } catch {
        return false;
      }
    },
  };
}
/** Pattern for a call_function of a registered function name ('add', 'relu', 'F.relu'…). */
export function function_pattern(target: string, inputs: PatternElement[] = []): PatternNode {
  return { kind: 'node', label: target, inputs, test: (n) => n.op === 'call_function' && n.target === target };
}
/** Pattern for a Tensor method call; the tensor is args[0]. */
export function method_pattern(target: string, inputs: PatternElement[] = []): PatternNode {
  return { kind: 'node', label: `.${target}()`, inputs, test: (n) => n.op === 'call_method' && n.target === target };
}
/** A wildcard input. */
export function any_input(name?: string): Wildcard {
  return name === undefined ? { kind: 'wildcard' } : { kind: 'wildcard', name };
}

/** What an op position in a tuple pattern may be: a module class, a function name, a method, or '*'. */
export type OpSpec = ModuleClass | string | { method: string } | '*';
/**
 * FX's nested-tuple patterns, outermost op first: `[nn.ReLU, nn.Conv2d]` is relu(conv(x));
 * `['add', [nn.BatchNorm2d, nn.Conv2d], '*']` is add(bn(conv(·)), anything).
 */
export type Pattern = OpSpec | readonly [OpSpec, ...Pattern[]];

/** Compiles a tuple pattern into the engine's PatternNode DAG. */
export function compile_pattern(p: Pattern): PatternElement {
  const [spec, ...subs] = Array.isArray(p) ? (p as readonly [OpSpec, ...Pattern[]]) : [p as OpSpec];
  if (spec === '*') {
    if (subs.length) throw new Error("pattern: '*' cannot have inputs");
    return any_input();
  }
  const inputs = subs.map(compile_pattern);
  if (typeof spec === 'string') return function_pattern(spec, inputs);
  if (typeof spec === 'function') {
    if (!(spec.prototype instanceof Module)) throw new Error(`pattern: ${spec.name} is not an nn.Module class`);
    return module_pattern(spec, inputs);
  }
  if (typeof spec === 'object' && spec !== null && typeof (spec as { method?: unknown }).method === 'string') {
    return method_pattern((spec as { method: string }).method, inputs);
  }
  throw new Error(`pattern: unsupported element ${String(spec)}`);
}
