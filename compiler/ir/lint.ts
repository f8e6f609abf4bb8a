/**
 * Graph.lint as a function: structure (ownership, order, links), names and targets.
 * Every problem names the node, so a corrupted graph is easy to find.
 */
import { alg, Graph as DepGraph } from '@dagrejs/graphlib';
import type { Module } from '../../runtime/nn/module.js';
import type { Graph } from './graph.js';
import { is_valid_node_name } from './namespace.js';
import { for_each_node, type Node, OPCODES } from './node.js';
import { arity_problem, target_problem } from './targets.js';

/** A lint failure: `problems` lists every issue found, one line each. */
export class GraphLintError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`graph lint failed:\n  ${problems.join('\n  ')}`);
    this.name = 'GraphLintError';
    this.problems = problems;
  }
}

/**
 * Checks the graph; throws GraphLintError listing all problems. With `root`, call_module and
 * get_attr targets must resolve in it.
 */
export function lint(graph: Graph, root?: Module): void {
  const problems: string[] = [];
  const nodes = graph.nodes;
  const position = new Map<Node, number>();
  const names = new Map<string, Node>();
  for (const [i, n] of nodes.entries()) position.set(n, i);
  const dep = new DepGraph({ directed: true });

  nodes.forEach((n, i) => {
    const where = `node '${n.name}' (#${i}, ${n.op})`;
    if (n.graph !== graph) problems.push(`${where} belongs to another graph`);
    if (!OPCODES.includes(n.op)) problems.push(`${where} has unknown op '${n.op}'`);
    if (!is_valid_node_name(n.name)) problems.push(`${where}: name is not a valid, non-reserved identifier`);
    const dup = names.get(n.name);
    if (dup) problems.push(`${where}: duplicate name (also node #${position.get(dup)})`);
    names.set(n.name, n);
    dep.setNode(n.name);
    const check_input = (input: Node): void => {
      const p = position.get(input);
      if (p === undefined)
        problems.push(`${where} uses '${input.name}', which is not in the graph (erased or foreign)`);
      else if (p >= i) problems.push(`${where} uses '${input.name}' before it is defined (#${p})`);
      if (!input.users.has(n)) problems.push(`${where} uses '${input.name}' but is missing from its users`);
      dep.setEdge(input.name, n.name);
    };
    for (const a of n.args) for_each_node(a, check_input);
    for (const a of Object.values(n.kwargs)) for_each_node(a, check_input);
    for (const u of n.users) {
      if (!position.has(u)) problems.push(`${where} lists user '${u.name}', which is not in the graph (dangling user)`);
      else if (!u.all_input_nodes.includes(n)) problems.push(`${where} lists user '${u.name}', which does not use it`);
    }
    const bad_target = target_problem(n, root);
    if (bad_target) problems.push(`${where}: ${bad_target}`);
    const bad_arity = arity_problem(n, root);
    if (bad_arity) problems.push(`${where}: ${bad_arity}`);
    if (n.op === 'output' && i !== nodes.length - 1) problems.push(`${where}: output must be the last node`);
  });
  const outputs = nodes.filter((n) => n.op === 'output');
  if (outputs.length !== 1) problems.push(`graph has ${outputs.length} output nodes; it needs exactly one`);
  if (!problems.length && !alg.isAcyclic(dep)) {
    const cycles = alg.findCycles(dep).map((c: string[]) => c.join(' -> '));
    problems.push(`graph has cycles: ${cycles.join('; ')}`);
  }
  if (problems.length) throw new GraphLintError(problems);
}
