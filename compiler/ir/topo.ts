/**
 * Topological order of a node list by Kahn's algorithm: iterative, O(nodes + edges), so it scales
 * to graphs of any size (a recursive DFS overflows the stack near 6,000 nodes).
 */
import type { Node } from './node.js';

/** The nodes in an order where every input precedes its users, and the nodes left on cycles. */
export interface TopologicalOrder {
  order: Node[];
  /** Nodes on a cycle (or on a path between cycles); empty for a DAG. */
  cyclic: Node[];
}

/** Orders `nodes` (inputs outside the list are ignored); ready nodes go first-come, first-served. */
export function topological_order(nodes: readonly Node[]): TopologicalOrder {
  const index = new Map<Node, number>();
  for (const [i, n] of nodes.entries()) index.set(n, i);
  const pending = new Int32Array(nodes.length);
  const users: number[][] = nodes.map(() => []);
  for (const [i, n] of nodes.entries()) {
    for (const input of n.all_input_nodes) {
      const j = index.get(input);
      if (j === undefined) continue;
      pending[i]++;
      users[j].push(i);
    }
  }
  const queue: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (pending[i] === 0) queue.push(i);
  const order: Node[] = [];
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head];
    order.push(nodes[i]);
    for (const u of users[i]) if (--pending[u] === 0) queue.push(u);
  }
  if (order.length === nodes.length) return { order, cyclic: [] };
  // what is left is on a cycle or downstream of one: peel off, backwards, nodes no remaining node uses
  const left = new Uint8Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) if (pending[i] > 0) left[i] = 1;
  const fanout = new Int32Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) if (left[i]) for (const u of users[i]) if (left[u]) fanout[i]++;
  const sinks: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (left[i] && fanout[i] === 0) sinks.push(i);
  while (sinks.length) {
    const i = sinks.pop() as number;
    left[i] = 0;
    for (const input of nodes[i].all_input_nodes) {
      const j = index.get(input);
      if (j !== undefined && left[j] && --fanout[j] === 0) sinks.push(j);
    }
  }
  return { order, cyclic: nodes.filter((_, i) => left[i] === 1) };
}
