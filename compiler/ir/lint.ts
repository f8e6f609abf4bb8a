/**
 * Graph.lint as a function: structure (ownership, order, links), names, targets, constants and
 * the kinds of values each node reads or calls. Every problem names the node, so a corrupted graph
 * is easy to find. Iterative throughout: a 100,000-node graph lints in one pass without recursion.
 */
import type { Module } from '../../runtime/nn/module.js';
import { constant_problem, key_problem } from './constants.js';
import type { Graph } from './graph.js';
import { is_valid_node_name } from './namespace.js';
import { Node, OPCODES } from './node.js';
import { arity_problem, target_problem } from './targets.js';
import { topological_order } from './topo.js';
import { kind_of, kind_problem, type ValueKind } from './value_kinds.js';

/** A lint failure: `problems` lists every issue found, one line each. */
export class GraphLintError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    const shown = problems.length > 50 ? [...problems.slice(0, 50), `… and ${problems.length - 50} more`] : problems;
    super(`graph lint failed:\n  ${shown.join('\n  ')}`);
    this.name = 'GraphLintError';
    this.problems = problems;
  }
}

const is_node = (v: unknown): boolean => v instanceof Node;

/**
 * Checks the graph; throws GraphLintError listing all problems. With `root`, call_module and
 * get_attr targets must resolve in it (get_attr to a tensor).
 */
export function lint(graph: Graph, root?: Module): void {
  const problems: string[] = [];
  const nodes = graph.nodes;
  const position = new Map<Node, number>();
  const names = new Map<string, Node>();
  const kinds = new Map<Node, ValueKind>();
  for (const [i, n] of nodes.entries()) position.set(n, i);
  let out_of_order = false;

  for (const [i, n] of nodes.entries()) {
    const where = `node '${n.name}' (#${i}, ${n.op})`;
    if (n.graph !== graph) problems.push(`${where} belongs to another graph`);
    if (!OPCODES.includes(n.op)) problems.push(`${where} has unknown op '${n.op}'`);
    if (!is_valid_node_name(n.name)) problems.push(`${where}: name is not a valid, non-reserved identifier`);
    const dup = names.get(n.name);
    if (dup) problems.push(`${where}: duplicate name (also node #${position.get(dup)})`);
    names.set(n.name, n);
    const bad_key = Object.keys(n.kwargs)
      .map(key_problem)
      .find((p) => p !== null);
    const bad_constant = bad_key
      ? `kwargs: ${bad_key}`
      : constant_problem(
          [
            ...n.args.map((a, k): [string, unknown] => [`args[${k}]`, a]),
            ...Object.entries(n.kwargs).map(([k, v]): [string, unknown] => [`kwargs.${k}`, v]),
          ],
          {
            allow_objects: n.op !== 'placeholder',
            allow_nodes: n.op !== 'placeholder',
            is_node,
          },
        );
    if (bad_constant) {
      problems.push(`${where}: ${bad_constant}`);
      continue; // the walks below recurse into constants: only bounded ones may reach them
    }
    for (const input of n.all_input_nodes) {
      const p = position.get(input);
      if (p === undefined)
        problems.push(`${where} uses '${input.name}', which is not in the graph (erased or foreign)`);
      else if (p >= i) {
        problems.push(`${where} uses '${input.name}' before it is defined (#${p})`);
        out_of_order = true;
      }
      if (!input.users.has(n)) problems.push(`${where} uses '${input.name}' but is missing from its users`);
    }
    for (const u of n.users) {
      if (!position.has(u)) problems.push(`${where} lists user '${u.name}', which is not in the graph (dangling user)`);
      else if (!u.all_input_nodes.includes(n)) problems.push(`${where} lists user '${u.name}', which does not use it`);
    }
    const bad_target = target_problem(n, root);
    if (bad_target) problems.push(`${where}: ${bad_target}`);
    const bad_arity = arity_problem(n, root);
    if (bad_arity) problems.push(`${where}: ${bad_arity}`);
    if (!bad_target && !bad_arity) {
      const bad_kind = kind_problem(n, kinds, root);
      if (bad_kind) problems.push(`${where}: ${bad_kind}`);
    }
    kinds.set(n, kind_of(n, kinds));
    if (n.op === 'output' && i !== nodes.length - 1) problems.push(`${where}: output must be the last node`);
  }
  const outputs = nodes.filter((n) => n.op === 'output');
  if (outputs.length !== 1) problems.push(`graph has ${outputs.length} output nodes; it needs exactly one`);
  // every edge going forward in position makes the graph acyclic; when some go backward, name the cycle
  if (out_of_order) {
    const { cyclic } = topological_order(nodes);
    if (cyclic.length) {
      const shown = cyclic.slice(0, 20).map((c) => c.name);
      problems.push(
        `graph has cycles through ${cyclic.length} node(s): ${shown.join(', ')}${cyclic.length > 20 ? ', …' : ''}`,
      );
    }
  }
  if (problems.length) throw new GraphLintError(problems);
}
