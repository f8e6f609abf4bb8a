/**
 * Turns emitted statements into a callable once per recompile. The statement text carries no
 * type annotations (emit.ts writes plain expressions), so it runs as JavaScript without a
 * TypeScript emit on the hot path; function ops are bound from the dispatch registry here.
 * Where `new Function` is forbidden (a Content-Security-Policy without 'unsafe-eval'), the forward runs
 * the graph through the Interpreter instead: the same calls in the same order, so the same bits.
 */
import { release_storage } from '../../runtime/tensor/buffer_pool.js';
import { lookup_function } from '../../runtime/tensor/dispatch.js';
import type { GraphModule } from '../ir/graph_module.js';
import { Interpreter } from '../ir/interpreter.js';
import type { Node } from '../ir/node.js';
import { CodegenError, type EmittedForward } from './emit.js';

// biome-ignore lint/suspicious/noExplicitAny: the compiled forward takes whatever the graph's placeholders take
export type CompiledForward = (this: unknown, ...args: any[]) => unknown;

/** The compiled forward plus what maps a runtime error back to a node. */
export interface CompiledGraph {
  fn: CompiledForward;
  /** Line (1-based, in the JS text) of each statement's node. */
  line_to_node: Map<number, Node>;
  source: string;
  /** Whether the forward calls __fxq_release (then it must run under a pool only when releasing is safe). */
  releases: boolean;
}

type Namespace = { [key: string]: unknown };

/** Builds the namespace objects (`F`, `fxq`, `quantized`…) generated code calls ops through. */
export function bind_functions(names: Iterable<string>, taken: ReadonlySet<string>): Map<string, Namespace> {
  const roots = new Map<string, Namespace>();
  for (const name of names) {
    const fn = lookup_function(name);
    if (!fn) throw new CodegenError(null, `function '${name}' is not registered (see runtime/tensor/dispatch.ts)`);
    const parts = name.includes('.') ? name.split('.') : ['fxq', name];
    if (taken.has(parts[0])) {
      throw new CodegenError(
        null,
        `a node is named '${parts[0]}', which the generated code needs for calling '${name}'; rename the node`,
      );
    }
    let ns = roots.get(parts[0]);
    if (!ns) {
      ns = Object.create(null) as Namespace;
      roots.set(parts[0], ns);
    }
    for (const p of parts.slice(1, -1)) {
      let next = ns[p] as Namespace | undefined;
      if (!next) {
        next = Object.create(null) as Namespace;
        ns[p] = next;
      }
      ns = next;
    }
    ns[parts[parts.length - 1]] = fn;
  }
  return roots;
}

/** The forward's parameter list, shared by the JS and TS renderings. */
export function param_list(emitted: EmittedForward, typed: boolean): string {
  return emitted.params
    .map((p) => (p.default_expr !== undefined ? `${p.name} = ${p.default_expr}` : typed ? `${p.name}: Tensor` : p.name))
    .join(', ');
}

/** How GraphModules run their forward: 'auto' compiles with `new Function` where allowed; 'interpreter' never does. */
export type ForwardMode = 'auto' | 'interpreter';

let forward_mode: ForwardMode = 'auto';
let eval_allowed: boolean | null = null;

/**
 * Chooses how GraphModules compiled from now on (construction, recompile) run their forward. 'interpreter'
 * is what a page under a strict CSP gets automatically; forcing it elsewhere is for testing and measuring.
 */
export function set_forward_mode(mode: ForwardMode): void {
  if (mode !== 'auto' && mode !== 'interpreter')
    throw new Error(`set_forward_mode: expected 'auto' or 'interpreter', got ${JSON.stringify(mode)}`);
  forward_mode = mode;
}

/** Whether generated code may be compiled here (probed once; false under a CSP without 'unsafe-eval'). */
export function code_generation_allowed(): boolean {
  if (eval_allowed === null) {
    try {
      eval_allowed = new Function('return 1')() === 1;
    } catch {
      eval_allowed = false;
      console.info(
        "fxq: compiling code from strings is not allowed here (a Content-Security-Policy without 'unsafe-eval', " +
          'or node --disallow-code-generation-from-strings): GraphModules run their graph through the Interpreter ' +
          'instead (same results, slower).',
      );
    }
  }
  return eval_allowed;
}

/** The eval-free forward: runs the GraphModule (`this`) node by node. */
function interpreted_forward(this: unknown, ...args: unknown[]): unknown {
  return new Interpreter(this as GraphModule).run(...args);
}

/**
 * Above this many statements the body is split into chunks: one function holding 100,000+ `const`s
 * needs a register per value, a stack frame over V8's ~1 MB limit ("Maximum call stack size
 * exceeded" on entry). Chunked, the values live in the outer function's context (heap), each chunk
 * is an arrow function (same `this`) with a small frame.
 */
export const CHUNK_THRESHOLD = 4096;
const CHUNK_SIZE = 1024;
const CONST_RE = /^const ([A-Za-z_$][A-Za-z0-9_$]*) = /;

/** The body lines and, for each statement, its index among the lines. */
function body_lines(statements: readonly string[]): { lines: string[]; at: number[] } {
  if (statements.length <= CHUNK_THRESHOLD)
    return { lines: statements.map((s) => `  ${s}`), at: statements.map((_, i) => i) };
  const names: string[] = [];
  const lines: string[] = [];
  const at: number[] = [];
  const last = statements.length - 1;
  for (const [i, s] of statements.entries()) {
    if (i === last && s.startsWith('return ')) break;
    const m = CONST_RE.exec(s);
    if (!m) throw new CodegenError(null, `cannot chunk statement ${i}: ${s.slice(0, 80)}`);
    names.push(m[1]);
  }
  lines.push(`  let ${names.join(', ')};`);
  for (let c = 0; c < names.length; c += CHUNK_SIZE) {
    lines.push('  (() => {');
    for (let i = c; i < Math.min(names.length, c + CHUNK_SIZE); i++) {
      at.push(lines.length);
      lines.push(`    ${statements[i].slice('const '.length)}`);
    }
    lines.push('  })();');
  }
  if (names.length < statements.length) {
    at.push(lines.length);
    lines.push(`  ${statements[last]}`);
  }
  return { lines, at };
}

/** What the generated code calls to release a value's storage after its last use (release_plan.ts). */
export const RELEASE_FN = '__fxq_release';

/**
 * Compiles the statements into a function whose `this` is the GraphModule. `releases` (statement index → node
 * names, from plan_releases) appends `__fxq_release(value, result)` calls after those statements.
 */
export function compile_forward(emitted: EmittedForward, releases?: ReadonlyMap<number, string[]>): CompiledGraph {
  const node_names = new Set(emitted.nodes.map((n) => n.name));
  for (const p of emitted.params) node_names.add(p.name);
  const roots = bind_functions(emitted.functions, node_names);
  const root_names = [...roots.keys()];
  // "return function forward(...) {" is line 3 of the Function body V8 builds (after "function anonymous(...\n) {")
  const header = `"use strict";\nreturn function forward(${param_list(emitted, false)}) {`;
  const release = releases !== undefined && releases.size > 0 && !node_names.has(RELEASE_FN) && !roots.has(RELEASE_FN);
  const statements = release
    ? emitted.statements.map((s, i) => {
        const names = releases?.get(i);
        if (!names) return s;
        const result = emitted.nodes[i].name;
        return `${s} ${names.map((v) => `${RELEASE_FN}(${v}, ${result});`).join(' ')}`;
      })
    : emitted.statements;
  const { lines, at } = body_lines(statements);
  const source = `${header}\n${lines.join('\n')}\n};`;
  const line_to_node = new Map<number, Node>();
  const first_line = 3 + header.split('\n').length;
  for (const [i, n] of emitted.nodes.entries()) line_to_node.set(first_line + at[i], n);
  if (forward_mode === 'interpreter' || !code_generation_allowed())
    return { fn: interpreted_forward, line_to_node: new Map(), source, releases: false };
  let factory: (...ns: unknown[]) => CompiledForward;
  try {
    factory = new Function(...root_names, RELEASE_FN, source) as typeof factory;
  } catch (e) {
    throw new CodegenError(null, `generated code does not compile: ${(e as Error).message}\n${source.slice(0, 4000)}`);
  }
  return {
    fn: factory(...root_names.map((r) => roots.get(r)), release_storage),
    line_to_node,
    source,
    releases: release,
  };
}

/** The node whose statement raised `error` inside compiled code, if the stack shows it. */
export function node_of_error(error: unknown, compiled: CompiledGraph): Node | null {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  for (const line of stack.split('\n')) {
    if (!line.includes('forward')) continue;
    const m = /<anonymous>:(\d+):\d+/.exec(line);
    if (m) return compiled.line_to_node.get(Number(m[1])) ?? null;
  }
  return null;
}
