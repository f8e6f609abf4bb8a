/**
 * Contract: fuse(gm) — matches conv-bn-relu, conv-bn, conv-relu, linear-bn, linear-relu and bn-relu chains
 * (ReLU as nn.ReLU, F.relu, relu or .relu(); interior nodes with one user) and replaces each with one
 * call_module of the fused module (BN folded in eval, live ConvBn* in QAT); mutates and returns gm.
 *
 *   before:  conv1 = conv1(x);  bn1 = bn1(conv1);  relu1 = relu1(bn1);  pool1 = pool1(relu1)
 *   after:   conv1 = conv1(x);  pool1 = pool1(conv1)        // gm.conv1 = ConvReLU2d(Conv2d(BN folded), ReLU)
 *
 * The fused module sits at the first module's qualified name and the chain keeps that node (its
 * name and target), so module_name qconfig keys still address it; bn/relu submodules nothing calls
 * any more are deleted. Matching is compiler/pattern's engine, walking from the graph's end.
 */

import type { FusionRule } from '../../runtime/eager/fuser_method_mappings.js';
import type { GraphModule } from '../ir/graph_module.js';
import { lint } from '../ir/lint.js';
import { apply_rules, type RewriteRecord } from '../pattern/rewrite.js';
import { fusion_rewrite_rules } from './fusion_patterns.js';

/** Options of the fuse pass. */
export interface FuseOptions {
  /** Keep BatchNorm live (ConvBn2d, ConvBnReLU2d, LinearBn1d) for QAT. Default: gm.training. */
  is_qat?: boolean;
  /** Extra fusion rows (module types in forward order → fuser method), tried before the defaults. */
  additional_fuser_method_mapping?: readonly FusionRule[];
  /** Receives one record per fused chain (rule name and the node names it collapsed). */
  on_fused?: (records: RewriteRecord[]) => void;
}

/** Qualified names of the modules the graph calls or reads. */
function called_modules(gm: GraphModule): Set<string> {
  const out = new Set<string>();
  for (const n of gm.graph.nodes) if (n.op === 'call_module' || n.op === 'get_attr') out.add(n.target);
  return out;
}

/** 'a.b.c' → ['a', 'a.b', 'a.b.c']. */
function dotted_prefixes(path: string): string[] {
  const parts = path.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

/** Fuses module chains in `gm` in place (see the header); returns gm. */
export function fuse(gm: GraphModule, options: FuseOptions = {}): GraphModule {
  const rules = fusion_rewrite_rules({
    is_qat: options.is_qat ?? gm.training,
    additional_fuser_method_mapping: options.additional_fuser_method_mapping,
  });
  const called_before = called_modules(gm);
  const records = apply_rules(gm, rules);
  // delete exactly what fusion orphaned (bn, relu); other submodules of gm are the caller's business
  const called_after = called_modules(gm);
  // t is still used when a called path equals it, lies under it, or contains it (set lookups, not a scan)
  const under = new Set<string>();
  for (const u of called_after) for (const p of dotted_prefixes(u)) under.add(p);
  const still_used = (t: string): boolean => under.has(t) || dotted_prefixes(t).some((p) => called_after.has(p));
  for (const target of called_before) if (!still_used(target)) gm.delete_submodule(target);
  lint(gm.graph, gm);
  options.on_fused?.(records);
  return gm;
}
