/**
 * Per-node timing for the profiling benches (profile_nodes, its FmnistViT part): an Interpreter that times each
 * node, grouped by op.
 */
import { performance } from 'node:perf_hooks';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { Interpreter } from '../compiler/ir/interpreter.js';
import type { Node } from '../compiler/ir/node.js';
import { no_grad, type Tensor } from '../index.js';

export function cpu_ms(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/**
 * An Interpreter that adds each node's time to `times` (by node): process CPU time by default, which other jobs on
 * a loaded machine inflate far less than wall time (--wall for wall time).
 */
export class TimingInterpreter extends Interpreter {
  times = new Map<Node, number>();
  wall = false;
  run_node(node: Node): unknown {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const v = super.run_node(node);
    const ms = this.wall ? performance.now() - t0 : cpu_ms(c0);
    this.times.set(node, (this.times.get(node) ?? 0) + ms);
    return v;
  }
}

/** The op a node runs: its module's class, or its function / method name. */
export function op_of(gm: GraphModule, n: Node): string {
  if (n.op === 'call_module') return gm.get_submodule(n.target).constructor.name;
  if (n.op === 'call_function' || n.op === 'call_method') return String(n.target);
  return n.op;
}

/** Mean ms per call of each op group over `reps` interpreted calls (after one warm-up). */
export function profile(gm: GraphModule, x: Tensor, reps: number, wall: boolean): Map<string, number> {
  const it = new TimingInterpreter(gm);
  it.wall = wall;
  no_grad(() => it.run(x));
  it.times.clear();
  for (let r = 0; r < reps; r++) no_grad(() => it.run(x));
  const by_op = new Map<string, number>();
  for (const [n, ms] of it.times) by_op.set(op_of(gm, n), (by_op.get(op_of(gm, n)) ?? 0) + ms / reps);
  return by_op;
}
