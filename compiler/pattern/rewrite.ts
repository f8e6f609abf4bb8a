/**
 * Rewriting driven by match.ts: a declarative rule table (fusion and lowering passes) and
 * torch.fx's replace_pattern (pattern and replacement given as traced functions).
 */
import { Module } from '../../runtime/nn/module.js';
import type { Graph } from '../ir/graph.js';
import type { GraphModule } from '../ir/graph_module.js';
import { lint } from '../ir/lint.js';
import { type Argument, map_arg, Node } from '../ir/node.js';
import { Tracer } from '../trace/tracer.js';
import {
  compile_pattern,
  find_matches,
  type Match,
  match_at,
  type Pattern,
  type PatternElement,
  type PatternNode,
} from './match.js';

/** One row of a rewrite table. */
export interface RewriteRule {
  /** Shown in reports and errors. */
  name: string;
  pattern: Pattern | PatternNode;
  /** Extra condition on a match (e.g. module settings); false skips it. */
  constraint?: (m: Match, gm: GraphModule) => boolean;
  /**
   * Builds the replacement: insert nodes (the graph's insertion point is just before the match's
   * root) and return the value that replaces the root, or null to leave the match unchanged.
   */
  replace: (m: Match, gm: GraphModule) => Node | null;
}

/** What apply_rules did: one entry per rewritten match. */
export interface RewriteRecord {
  rule: string;
  root: string;
  nodes: string[];
}

function as_node_pattern(p: Pattern | PatternNode, rule: string): PatternNode {
  const el: PatternElement =
    typeof p === 'object' && p !== null && 'kind' in p ? (p as PatternNode) : compile_pattern(p as Pattern);
  if (el.kind !== 'node')
    throw new Error(`rewrite rule '${rule}': the pattern's root must be an op, not a wildcard or constant`);
  return el;
}

/** Points a match's wildcard bindings at replacements made by earlier rewrites in the same sweep. */
function refresh_bindings(m: Match, replaced: Map<Node, Node>): void {
  const follow = (n: Node): Node => {
    let cur = n;
    while (replaced.has(cur)) cur = replaced.get(cur) as Node;
    return cur;
  };
  m.inputs = m.inputs.map((a) => map_arg(a, follow));
  for (const [k, v] of m.named) m.named.set(k, map_arg(v, follow));
}

/** Erases matched nodes that nothing uses any more (root first, then inputs). */
function erase_matched(graph: Graph, nodes: readonly Node[]): void {
  let progress = true;
  const left = new Set(nodes);
  while (progress && left.size) {
    progress = false;
    for (const n of left) {
      if (n.users.size === 0) {
        graph.erase_node(n);
        left.delete(n);
        progress = true;
      }
    }
  }
}

/**
 * Applies a rule table in one sweep: rules are tried in table order at every node from the end of
 * the graph, the first match wins, matches never overlap. Then lints and recompiles the module.
 */
export function apply_rules(gm: GraphModule, rules: readonly RewriteRule[]): RewriteRecord[] {
  const claimed = new Set<Node>();
  const planned: [RewriteRule, Match][] = [];
  const compiled = rules.map((r) => [r, as_node_pattern(r.pattern, r.name)] as const);
  const nodes = gm.graph.nodes;
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (claimed.has(nodes[i])) continue;
    for (const [rule, pattern] of compiled) {
      const m = match_at(pattern, nodes[i], gm);
      if (!m || m.nodes.some((x) => claimed.has(x))) continue;
      if (rule.constraint && !rule.constraint(m, gm)) continue;
      for (const x of m.nodes) claimed.add(x);
      planned.push([rule, m]);
      break;
    }
  }
  const records: RewriteRecord[] = [];
  const replaced = new Map<Node, Node>();
  for (const [rule, m] of planned.reverse()) {
    refresh_bindings(m, replaced);
    const replacement = gm.graph.inserting_before(m.root, () => rule.replace(m, gm));
    if (replacement === null) continue;
    const names = m.nodes.map((n) => n.name);
    m.root.replace_all_uses_with(replacement);
    replaced.set(m.root, replacement);
    erase_matched(
      gm.graph,
      m.nodes.filter((n) => n !== replacement),
    );
    records.push({ rule: rule.name, root: names[0], nodes: names });
  }
  lint(gm.graph, gm);
  gm.recompile();
  return records;
}

/** Traces a plain function (pattern or replacement) into a graph; its parameters become placeholders. */
function trace_function(fn: (...args: never[]) => unknown): Graph {
  const holder = new Module();
  Object.defineProperty(holder, 'forward', { value: fn, configurable: true, writable: true });
  return new Tracer().trace_callable(holder, fn as (...a: unknown[]) => unknown);
}

/** The PatternNode DAG of a traced pattern graph: placeholders become named wildcards. */
function graph_to_pattern(g: Graph): PatternNode {
  const out = g.output_node;
  const root = out?.args[0];
  if (!(root instanceof Node) || root.op === 'placeholder')
    throw new Error('replace_pattern: the pattern must return one computed value');
  const memo = new Map<Node, PatternNode>();
  const element = (a: Argument): PatternElement => {
    if (!(a instanceof Node)) return { kind: 'const', value: a };
    if (a.op === 'placeholder') return { kind: 'wildcard', name: a.name };
    let p = memo.get(a);
    if (!p) {
      const { op, target } = a;
      p = {
        kind: 'node',
        label: target,
        inputs: [],
        exact_arity: a.args.length,
        test: (n) => n.op === op && n.target === target,
      };
      memo.set(a, p);
      p.inputs = a.args.map(element);
    }
    return p;
  };
  return element(root) as PatternNode;
}

/**
 * torch.fx.replace_pattern: finds every match of `pattern` (a function of tensors, traced) in
 * gm's graph and swaps in `replacement` (same parameters); returns the matches replaced.
 */
export function replace_pattern(
  gm: GraphModule,
  pattern: (...args: never[]) => unknown,
  replacement: (...args: never[]) => unknown,
): Match[] {
  const pg = trace_function(pattern);
  const rg = trace_function(replacement);
  const p_params = pg.find_nodes({ op: 'placeholder' }).map((n) => n.name);
  const r_params = rg.find_nodes({ op: 'placeholder' });
  if (p_params.length !== r_params.length) {
    throw new Error(
      `replace_pattern: pattern takes ${p_params.length} inputs but replacement takes ${r_params.length}`,
    );
  }
  const matches = find_matches(gm, graph_to_pattern(pg));
  const replaced = new Map<Node, Node>();
  for (const m of matches) {
    refresh_bindings(m, replaced);
    const value = gm.graph.inserting_before(m.root, () => {
      const remap = new Map<Node, Node>();
      r_params.forEach((ph, i) => {
        const bound = m.named.get(p_params[i]);
        if (!(bound instanceof Node))
          throw new Error(
            `replace_pattern: input '${p_params[i]}' matched a constant, which cannot replace a placeholder`,
          );
        remap.set(ph, bound);
      });
      const { output } = gm.graph.graph_copy(rg, remap);
      return output;
    });
    if (!(value instanceof Node)) throw new Error('replace_pattern: the replacement must return one value');
    m.root.replace_all_uses_with(value);
    replaced.set(m.root, value);
    erase_matched(gm.graph, m.nodes);
  }
  lint(gm.graph, gm);
  gm.recompile();
  return matches;
}
