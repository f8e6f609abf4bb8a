/**
 * The readable TypeScript module behind `gm.code`, written with ts-morph: a type header (the
 * ops and submodules the forward uses, typed against the repo's own classes) and the forward,
 * one statement per node. ts-morph is loaded on first use — it costs ~1 s to import, and
 * running a GraphModule never needs it. It is Node-only (found through process.getBuiltinModule, so
 * this file bundles for browsers) and an optional peer dependency of the package; without it `gm.code` is
 * the plain JavaScript forward with a note.
 */
import * as functional_ns from '../../runtime/nn/functional/index.js';
import * as nn from '../../runtime/nn/index.js';
import { Module } from '../../runtime/nn/module.js';
import * as quant_ns from '../../runtime/quant/qtensor.js';
import * as quantized_functional_ns from '../../runtime/quantized/functional/index.js';
import { lookup_function } from '../../runtime/tensor/dispatch.js';
import * as tensor_ns from '../../runtime/tensor/index.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { param_list } from './compile.js';
import type { EmittedForward } from './emit.js';
import { banner, render_plain_source, type SourceOptions } from './source_plain.js';

export type { SourceOptions } from './source_plain.js';

type TsMorph = typeof import('ts-morph');
let ts_morph: TsMorph | null = null;
let project: import('ts-morph').Project | null = null;

type NodeModuleApi = typeof import('node:module');

/** Node's `module` built-in, or null outside Node (browsers, workers). */
function node_module_api(): NodeModuleApi | null {
  const proc = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  return (proc?.getBuiltinModule?.('node:module') as NodeModuleApi | undefined) ?? null;
}

let ts_morph_found: boolean | null = null;

/**
 * Whether the typed rendering is available here: Node, with ts-morph installed (an optional peer dependency of
 * the package: ~16 MB, half of a consumer's install, for gm.code only).
 */
export function typed_source_available(): boolean {
  if (ts_morph_found === null) {
    const api = node_module_api();
    try {
      ts_morph_found = api !== null && api.createRequire(import.meta.url).resolve('ts-morph') !== '';
    } catch {
      ts_morph_found = false;
    }
  }
  return ts_morph_found;
}

function load(): { morph: TsMorph; project: import('ts-morph').Project } {
  if (!ts_morph) {
    const api = node_module_api();
    if (!api) throw new Error('gm.code: the typed TypeScript rendering needs ts-morph, which runs only in Node');
    ts_morph = api.createRequire(import.meta.url)('ts-morph') as TsMorph;
  }
  if (!project) {
    project = new ts_morph.Project({
      useInMemoryFileSystem: true,
      manipulationSettings: { indentationText: ts_morph.IndentationText.TwoSpaces },
    });
  }
  return { morph: ts_morph, project };
}

interface TypeTree {
  leaf?: string;
  children: Map<string, TypeTree>;
}

function child(t: TypeTree, key: string): TypeTree {
  let c = t.children.get(key);
  if (!c) {
    c = { children: new Map() };
    t.children.set(key, c);
  }
  return c;
}

/**
 * The type of a registered op as the package root exports it (`typeof fxq_types.F.relu`), checked
 * by identity so the type is the function's own; 'Op' when the root does not export it. The int8 ops
 * ('quantized.add_relu') are the root's `nn.quantized.functional` namespace.
 */
function function_type(name: string): string {
  const fn = lookup_function(name);
  const [head, ...rest] = name.split('.');
  const is = (ns: object, key: string) => (ns as Record<string, unknown>)[key] === fn;
  if (rest.length === 0 && (is(tensor_ns, head) || is(quant_ns, head))) return `typeof fxq_types.${head}`;
  if (head === 'F' && rest.length === 1 && is(functional_ns, rest[0])) return `typeof fxq_types.F.${rest[0]}`;
  if (head === 'quantized' && rest.length === 1 && is(quantized_functional_ns, rest[0]))
    return `typeof fxq_types.nn.quantized.functional.${rest[0]}`;
  return 'Op';
}

let module_paths: Map<unknown, string> | null = null;

/**
 * Every Module class the root's `nn` namespace exports, by its shortest path ('nn.Conv2d',
 * 'nn.intrinsic.quantized.ConvReLU2d', 'nn.quantized.dynamic.LSTM'), found breadth first once.
 */
function module_class_paths(): Map<unknown, string> {
  if (module_paths) return module_paths;
  module_paths = new Map();
  const queue: [object, string, number][] = [[nn, 'nn', 0]];
  const seen = new Set<object>();
  while (queue.length > 0) {
    const [ns, path, depth] = queue.shift() as [object, string, number];
    if (seen.has(ns)) continue;
    seen.add(ns);
    for (const [k, v] of Object.entries(ns)) {
      if (typeof v === 'function' && v.prototype instanceof Module) {
        if (!module_paths.has(v)) module_paths.set(v, `${path}.${k}`);
      } else if (depth < 4 && typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor)) {
        // a namespace (export * as x): its prototype depends on the loader, so any other plain object
        queue.push([v, `${path}.${k}`, depth + 1]);
      }
    }
  }
  return module_paths;
}

function type_of_value(v: unknown): string {
  if (v instanceof Module) {
    const path = module_class_paths().get(v.constructor);
    return path ?? '{ forward(...args: any[]): any }';
  }
  if (v instanceof Tensor) return 'Tensor';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return typeof v;
  return 'any';
}

function render_tree(t: TypeTree, indent: string): string {
  // digit-led buffer names (torch's `0_input_scale_0` in a Sequential) need quotes; identifiers and indices do not
  const key = (k: string) => (/^(?:[A-Za-z_$][A-Za-z0-9_$]*|[0-9]+)$/.test(k) ? k : JSON.stringify(k));
  const fields = [...t.children].map(([k, c]) => `${indent}  ${key(k)}: ${render_tree(c, `${indent}  `)};`);
  const obj = fields.length ? `{\n${fields.join('\n')}\n${indent}}` : '';
  if (t.leaf && obj) return `${t.leaf} & ${obj}`;
  return t.leaf ?? (obj || '{}');
}

/** The `this` type of the forward: every submodule and attribute it reads, by path. */
function self_type(paths: Iterable<string>, resolve: (path: string) => unknown): string {
  const root: TypeTree = { children: new Map() };
  for (const path of paths) {
    let t = root;
    for (const part of path.split('.')) {
      t = child(t, part);
    }
    t.leaf = type_of_value(resolve(path));
  }
  return render_tree(root, '');
}

/** Renders the generated module's full TypeScript text (Node), or the plain JavaScript forward elsewhere. */
export function render_source(
  emitted: EmittedForward,
  attr_paths: Iterable<string>,
  resolve: (path: string) => unknown,
  options: SourceOptions = {},
): string {
  if (!typed_source_available()) return render_plain_source(emitted, options);
  const { project } = load();
  const sf = project.createSourceFile('forward.ts', '', { overwrite: true });
  try {
    sf.addImportDeclaration({
      isTypeOnly: true,
      namedImports: ['Tensor', 'nn'],
      moduleSpecifier: options.import_from ?? 'fxq',
    });
    const namespaces = new Map<string, TypeTree>();
    let loose = false;
    let typed = false;
    for (const name of emitted.functions) {
      const parts = name.includes('.') ? name.split('.') : ['fxq', name];
      const tree: TypeTree = namespaces.get(parts[0]) ?? { children: new Map() };
      namespaces.set(parts[0], tree);
      let t = tree;
      for (const p of parts.slice(1)) t = child(t, p);
      t.leaf = function_type(name);
      if (t.leaf === 'Op') loose = true;
      else typed = true;
    }
    if (typed)
      sf.addImportDeclaration({
        isTypeOnly: true,
        namespaceImport: 'fxq_types',
        moduleSpecifier: options.import_from ?? 'fxq',
      });
    // ops the package root exports are typed by their real signatures; others (not exported there) loosely
    if (loose) sf.addTypeAlias({ name: 'Op', type: '(...args: any[]) => any' });
    for (const [root, tree] of namespaces) sf.addStatements(`declare const ${root}: ${render_tree(tree, '')};`);
    // as statement text, not a type-alias structure: the writer would re-indent the nested lines
    sf.addStatements(`type Self = ${self_type(attr_paths, resolve)};`);
    sf.addFunction({
      isExported: true,
      name: 'forward',
      parameters: [{ name: 'this', type: 'Self' }],
      statements: emitted.statements,
    });
    // ts-morph has no structure for defaults on untyped params; set the list as text once
    const fn = sf.getFunctionOrThrow('forward');
    const list = ['this: Self', param_list(emitted, true)].filter((s) => s).join(', ');
    fn.getParameters()[0].replaceWithText(list);
    return banner(options) + sf.getFullText();
  } finally {
    project.removeSourceFile(sf);
  }
}
