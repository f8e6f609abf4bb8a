/**
 * save_quantized / load_quantized: a converted GraphModule as a directory that loads without the original
 * model class —
 *   manifest.json       format, the graph (compiler/ir/serialize.ts JSON), each submodule's type and
 *                       constructor arguments (module_specs.ts), the root's own buffers
 *   model.ts            the generated TypeScript forward (for reading and diffing; loading uses the graph)
 *   weights.safetensors the state_dict, quantized tensors stored as their int8 representation
 * The directory is written atomically: a temp directory next to it, renamed into place.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { load_safetensors, save_safetensors } from '../../runtime/io/node/safetensors_file.js';
import { Module } from '../../runtime/nn/module.js';
import { int_repr } from '../../runtime/quant/qtensor.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { GraphModule } from '../ir/graph_module.js';
import type { Json } from '../ir/serialize.js';
import { spec_by_type, spec_of } from './module_specs.js';

/** The manifest.json of a saved quantized model. */
export interface QuantizedManifest {
  format: 'fxq.quantized';
  version: 1;
  class_name: string;
  graph: Json;
  modules: { path: string; type: string; args: Json[] }[];
  root_buffers: string[];
}

/** state_dict plus the root's non-persistent buffers (tracer constants), quantized tensors as int8/uint8. */
function tensors_of(gm: GraphModule): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(gm.state_dict())) out[k] = t.is_quantized ? int_repr(t) : t;
  for (const [k, t] of gm.named_buffers('', false)) if (!(k in out)) out[k] = t.is_quantized ? int_repr(t) : t;
  return out;
}

/** Writes `model` (a convert_fx result) to directory `dir` atomically (see the header). */
export function save_quantized(model: GraphModule, dir: string): void {
  if (!(model instanceof GraphModule))
    throw new Error(
      `save_quantized: expected a GraphModule from convert_fx, got ${(model as object)?.constructor?.name}`,
    );
  const modules = [...model.named_modules()]
    .filter(([p]) => p !== '')
    .map(([path, m]) => {
      const spec = spec_of(m, path);
      return { path, type: spec.type, args: spec.args(m) };
    });
  const manifest: QuantizedManifest = {
    format: 'fxq.quantized',
    version: 1,
    class_name: model.class_name,
    graph: model.to_json() as unknown as Json,
    modules,
    root_buffers: [...model.named_buffers('', false)].map(([k]) => k),
  };
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    mkdirSync(tmp);
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 1));
    writeFileSync(join(tmp, 'model.ts'), model.code);
    save_safetensors(tensors_of(model), join(tmp, 'weights.safetensors'), { format: 'fxq.quantized' });
    // swap: the old directory (if any) moves aside first, so `dir` is always either old or new, never partial
    const old = existsSync(dir) ? `${tmp}.old` : null;
    if (old) renameSync(dir, old);
    renameSync(tmp, dir);
    if (old) rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`save_quantized ${dir}: ${(e as Error).message}`);
  }
}

function read_manifest(dir: string): QuantizedManifest {
  const path = join(dir, 'manifest.json');
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`load_quantized: cannot read ${path}: ${(e as Error).message}`);
  }
  const man = m as QuantizedManifest;
  if (
    man?.format !== 'fxq.quantized' ||
    man.version !== 1 ||
    !Array.isArray(man.modules) ||
    !Array.isArray(man.root_buffers)
  )
    throw new Error(
      `load_quantized: ${path} is not an fxq quantized-model manifest (format 'fxq.quantized', version 1)`,
    );
  return man;
}

/**
 * Loads a directory written by save_quantized: rebuilds every submodule from the manifest, the graph from
 * its JSON (validated and linted), then loads weights.safetensors strictly. Runs on the current backend.
 */
export function load_quantized(dir: string): GraphModule {
  const man = read_manifest(dir);
  const tensors = load_safetensors(join(dir, 'weights.safetensors'));
  const built = new Map<string, Module>();
  // deepest first: fused modules and containers are built from their already-built children
  const entries = [...man.modules].sort((a, b) => b.path.split('.').length - a.path.split('.').length);
  for (const e of entries) {
    if (typeof e.path !== 'string' || !Array.isArray(e.args))
      throw new Error(`load_quantized: manifest module entry ${JSON.stringify(e).slice(0, 80)} is malformed`);
    const spec = spec_by_type(e.type, `load_quantized: module '${e.path}'`);
    const prefix = `${e.path}.`;
    const children: Record<string, Module> = {};
    for (const [p, m] of built)
      if (p.startsWith(prefix) && !p.slice(prefix.length).includes('.')) children[p.slice(prefix.length)] = m;
    let mod: Module;
    try {
      mod = spec.create(e.args, children);
    } catch (err) {
      throw new Error(`load_quantized: rebuilding '${e.path}' (${e.type}): ${(err as Error).message}`);
    }
    // plain parents (and Sequentials built empty) take their children by name
    for (const [k, c] of Object.entries(children))
      if ((mod as unknown as Record<string, unknown>)[k] !== c) mod.add_module(k, c);
    built.set(e.path, mod);
  }
  const root = new Module();
  for (const [p, m] of built) if (!p.includes('.')) root.add_module(p, m);
  for (const name of man.root_buffers) {
    const t = tensors[name];
    if (!(t instanceof Tensor)) throw new Error(`load_quantized: weights.safetensors has no root buffer "${name}"`);
    root.register_buffer(name, t);
  }
  const gm = GraphModule.from_json(man.graph, root);
  gm.class_name = man.class_name;
  const sd: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) if (!man.root_buffers.includes(k) || k in gm.state_dict()) sd[k] = t;
  try {
    gm.load_state_dict(sd);
  } catch (e) {
    throw new Error(`load_quantized ${join(dir, 'weights.safetensors')}: ${(e as Error).message}`);
  }
  gm.eval();
  return gm;
}
