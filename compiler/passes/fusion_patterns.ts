/**
 * The FX side of the fusion rule table: each row of DEFAULT_OP_LIST_TO_FUSER_METHOD (module types in
 * forward order → fuser method) becomes graph patterns for compiler/pattern's engine. A trailing
 * ReLU matches four spellings — the nn.ReLU module, F.relu, relu(x) and x.relu() — as one row.
 */

import {
  DEFAULT_OP_LIST_TO_FUSER_METHOD,
  type FusionRule,
  format_types,
  type ModuleClass,
} from '../../runtime/eager/fuser_method_mappings.js';
import { ReLU } from '../../runtime/nn/layers/activation.js';
import type { Module } from '../../runtime/nn/module.js';
import { RELU_FORMS } from '../../runtime/quantized/op_catalogue/index.js';
import type { Graph } from '../ir/graph.js';
import type { GraphModule } from '../ir/graph_module.js';
import type { Node } from '../ir/node.js';
import type { Match, PatternElement, PatternNode } from '../pattern/match.js';
import type { RewriteRule } from '../pattern/rewrite.js';

/** How a ReLU may appear in a traced graph besides an nn.ReLU module: the catalogue's relu spellings. */
type ReluSpelling = { op: 'call_function' | 'call_method'; target: string; label: string };
const RELU_SPELLINGS: readonly ReluSpelling[] = RELU_FORMS.flatMap((f): ReluSpelling[] => {
  if (f.function) return [{ op: 'call_function', target: f.function, label: f.function }];
  if (f.method) return [{ op: 'call_method', target: f.method, label: `.${f.method}()` }];
  return [];
});

/** A call_module node whose module's class is exactly `cls` (subclasses, e.g. QAT modules, do not match). */
function exact_module(cls: ModuleClass, inputs: PatternElement[]): PatternNode {
  return {
    kind: 'node',
    label: cls.name,
    inputs,
    test: (n: Node, gm: GraphModule) => {
      if (n.op !== 'call_module') return false;
      try {
        return gm.get_submodule(n.target).constructor === cls;
      } catch {
        return false;
      }
    },
  };
}

function op_node(op: 'call_function' | 'call_method', target: string, label: string, inputs: PatternElement[]) {
  const p: PatternNode = { kind: 'node', label, inputs, test: (n: Node) => n.op === op && n.target === target };
  return p;
}

/** One compiled spelling of a row: its pattern (root = the last op) and a readable name. */
interface Spelling {
  name: string;
  pattern: PatternNode;
}

/** Every graph spelling of a row: the chain types[0] → … → types[last], the last op first. */
function spellings(types: readonly ModuleClass[]): Spelling[] {
  const chain = (upto: number): PatternNode => {
    const inputs: PatternElement[] = upto === 0 ? [] : [chain(upto - 1)];
    return exact_module(types[upto], inputs);
  };
  const last = types.length - 1;
  const base = format_types(types);
  const out: Spelling[] = [{ name: base, pattern: chain(last) }];
  if (types[last] === ReLU && last > 0) {
    for (const s of RELU_SPELLINGS) {
      out.push({
        name: `${format_types(types.slice(0, last))} → ${s.label}`,
        pattern: op_node(s.op, s.target, s.label, [chain(last - 1)]),
      });
    }
  }
  return out;
}

/** The matched ops in forward order (the engine lists a match root first). */
function forward_order(m: Match): Node[] {
  return [...m.nodes].reverse();
}

/** The module a matched node stands for: its submodule, or a new nn.ReLU for a functional relu (as torch). */
function module_of(n: Node, gm: GraphModule): Module {
  if (n.op === 'call_module') return gm.get_submodule(n.target);
  const relu = new ReLU();
  relu.training = gm.training;
  return relu;
}

/** How many call_module/get_attr nodes reach each module path (a node at 'a.b.w' counts for 'a' and 'a.b'). */
const path_uses = new WeakMap<Graph, { version: number; counts: Map<string, number> }>();

function uses_of(graph: Graph): Map<string, number> {
  const cached = path_uses.get(graph);
  if (cached && cached.version === graph._version) return cached.counts;
  const counts = new Map<string, number>();
  for (const n of graph.nodes) {
    if (n.op !== 'call_module' && n.op !== 'get_attr') continue;
    let at = n.target.indexOf('.');
    for (; at >= 0; at = n.target.indexOf('.', at + 1)) {
      const prefix = n.target.slice(0, at);
      counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    }
    counts.set(n.target, (counts.get(n.target) ?? 0) + 1);
  }
  path_uses.set(graph, { version: graph._version, counts });
  return counts;
}

/** The first module is replaced in place, so it must be called from this match only (counted once per graph edit). */
function first_module_unshared(m: Match, gm: GraphModule): boolean {
  const first = forward_order(m)[0];
  const own = first.op === 'call_module' || first.op === 'get_attr' ? 1 : 0;
  return (uses_of(gm.graph).get(first.target) ?? 0) <= own;
}

/** Options of the fusion rules. */
export interface FusionRuleOptions {
  /** QAT fusion (BatchNorm kept live in ConvBn2d, …) instead of folding BN into the weights. */
  is_qat: boolean;
  /** Extra table rows, tried before the defaults. */
  additional_fuser_method_mapping?: readonly FusionRule[];
}

/**
 * The rewrite rules for apply_rules: for each table row and spelling, a match calls the row's
 * fuser method on the matched modules, installs the result at the first module's qualified name,
 * and the chain collapses into that first call_module node (the later nodes are erased).
 */
export function fusion_rewrite_rules(options: FusionRuleOptions): RewriteRule[] {
  const rows = [...(options.additional_fuser_method_mapping ?? []), ...DEFAULT_OP_LIST_TO_FUSER_METHOD];
  const rules: RewriteRule[] = [];
  for (const row of rows) {
    for (const s of spellings(row.types)) {
      rules.push({
        name: s.name,
        pattern: s.pattern,
        constraint: first_module_unshared,
        replace: (m, gm) => {
          const nodes = forward_order(m);
          const first = nodes[0];
          let fused: Module;
          try {
            fused = row.fuser_method(options.is_qat, ...nodes.map((n) => module_of(n, gm)));
          } catch (e) {
            throw new Error(
              `fuse: fusing nodes ${nodes.map((n) => `'${n.name}'`).join(' → ')} (${s.name}): ${(e as Error).message}`,
            );
          }
          gm.add_submodule(first.target, fused);
          return first;
        },
      });
    }
  }
  return rules;
}
