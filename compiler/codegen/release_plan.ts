/**
 * Which values a GraphModule's compiled forward releases to the buffer pool (runtime/tensor/buffer_pool.ts), and
 * after which statement: torch.fx's codegen sets each value to None after its last use; here the value's storage
 * is also handed back, but only when the graph proves nothing can still reach it.
 *
 * Contract: a node's value is released right after the statement of its last user when
 * 1. its producer is a storage op (its result is new storage, never an input's): a module whose class declares
 *    `returns_new_storage`, or a function / method of STORAGE_FUNCTIONS / STORAGE_METHODS,
 * 2. every user is a storage op too (reads its inputs, keeps no reference to them), and none is the output.
 * Views (flatten, reshape), ops that may return their input (dequantize of a float tensor, Dropout in eval,
 * Identity), custom modules and observers are not storage ops, so what they touch is never released.
 * Modules are matched by their class when the forward is compiled; `checks` lets the forward confirm each
 * matched submodule is still the one compiled (a submodule can be reassigned without a recompile).
 * The Interpreter (pages whose CSP forbids compiling code) runs no releases: the same bits, fresh memory.
 */

import type { Module } from '../../runtime/nn/module.js';
import type { Node } from '../ir/node.js';

/**
 * Module classes whose forward returns new storage and keeps no reference to its input declare it on the class
 * itself, `static readonly returns_new_storage = true` (an own property: a subclass may override forward and must
 * declare it again). Looking it up here imports no class, so the inference bundle stays as it was.
 */
export function returns_new_storage(m: Module): boolean {
  const cls = m.constructor as unknown as Record<string, unknown>;
  return Object.hasOwn(cls, 'returns_new_storage') && cls.returns_new_storage === true;
}

/** call_function targets (and call_method names) with the same property. */
export const STORAGE_FUNCTIONS: ReadonlySet<string> = new Set([
  'add',
  'mul',
  'F.relu',
  'quantize_per_tensor',
  'quantized.add',
  'quantized.add_relu',
  'quantized.mul',
]);
export const STORAGE_METHODS: ReadonlySet<string> = new Set(['add', 'mul', 'relu']);

/** One link of a submodule's path: `owner[key]` must still be `value`, its forward still its class's. */
export interface ModuleCheck {
  owner: object;
  key: string;
  value: Module;
  forward: Module['forward'];
}

export interface ReleasePlan {
  /** Statement index → the values to release after it (node names). */
  after: Map<number, string[]>;
  /** What the forward verifies before releasing (empty plan: nothing to verify). */
  checks: ModuleCheck[];
}

function storage_op(node: Node, root: Module, used: Map<string, Module>): boolean {
  if (node.op === 'call_function') return STORAGE_FUNCTIONS.has(node.target);
  if (node.op === 'call_method') return STORAGE_METHODS.has(node.target);
  if (node.op !== 'call_module') return false;
  let m: Module;
  try {
    m = root.get_submodule(node.target);
  } catch {
    return false;
  }
  if (!returns_new_storage(m)) return false;
  // an instance's own forward (a patched module) may return its input
  if (Object.hasOwn(m, 'forward')) return false;
  used.set(node.target, m);
  return true;
}

/** The release plan of `nodes` (emitted in order; `statement_of` maps a node to its statement index). */
export function plan_releases(
  nodes: readonly Node[],
  statement_of: ReadonlyMap<Node, number>,
  root: Module,
): ReleasePlan {
  const used = new Map<string, Module>();
  const is_storage = new Map<Node, boolean>();
  const storage = (n: Node) => {
    let v = is_storage.get(n);
    if (v === undefined) {
      v = storage_op(n, root, used);
      is_storage.set(n, v);
    }
    return v;
  };
  const after = new Map<number, string[]>();
  const relied = new Set<string>();
  for (const node of nodes) {
    if (node.users.size === 0 || !storage(node)) continue;
    let last = -1;
    let ok = true;
    const targets: string[] = [];
    for (const u of node.users) {
      if (u.op === 'output' || !storage(u)) {
        ok = false;
        break;
      }
      if (u.op === 'call_module') targets.push(u.target);
      last = Math.max(last, statement_of.get(u) ?? -1);
    }
    if (!ok || last < 0) continue;
    if (node.op === 'call_module') targets.push(node.target);
    for (const t of targets) relied.add(t);
    const list = after.get(last);
    if (list) list.push(node.name);
    else after.set(last, [node.name]);
  }
  return {
    after,
    checks: module_checks(
      root,
      [...relied].map((p) => [p, used.get(p) as Module]),
    ),
  };
}

/**
 * The links from `root` to each relied-on submodule and on to everything under it (a fused module's forward runs
 * its children: a child swapped for one that keeps its input must stop the releases too), each once.
 */
function module_checks(root: Module, modules: [string, Module][]): ModuleCheck[] {
  const checks: ModuleCheck[] = [];
  const seen = new Set<string>();
  const link = (owner: Module, key: string, at: string, value: Module) => {
    if (seen.has(at)) return;
    seen.add(at);
    checks.push({ owner, key, value, forward: value.forward });
  };
  const below = (m: Module, at: string) => {
    for (const [name, child] of m.named_children()) {
      link(m, name, `${at}.${name}`, child);
      below(child, `${at}.${name}`);
    }
  };
  for (const [path, m] of modules) {
    const parts = path.split('.');
    let owner: Module = root;
    for (let i = 0; i < parts.length; i++) {
      const at = parts.slice(0, i + 1).join('.');
      const value = root.get_submodule(at);
      link(owner, parts[i], at, value);
      owner = value;
    }
    below(m, path);
  }
  return checks;
}

/** Whether every relied-on submodule is still in place (run once per forward before it releases anything). */
export function checks_hold(checks: readonly ModuleCheck[]): boolean {
  for (const c of checks) {
    if ((c.owner as Record<string, unknown>)[c.key] !== c.value || c.value.forward !== c.forward) return false;
  }
  return true;
}
