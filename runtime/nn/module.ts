import type { Tensor } from '../tensor/tensor.js';
import { Tensor as TensorClass } from '../tensor/tensor.js';
import { Parameter } from './parameter.js';

/** What `load_state_dict` reports, as torch's `_IncompatibleKeys`. */
export interface IncompatibleKeys {
  missing_keys: string[];
  unexpected_keys: string[];
}

type Slots = Record<string, unknown>;

/**
 * Base class of all layers, PyTorch style: submodules and parameters are registered by plain
 * assignment (`this.fc = new Linear(...)`, found in assignment order), buffers by `register_buffer`.
 * Subclasses define `forward`; callers call `forward` directly so the tracer can intercept it.
 */
export class Module {
  training = true;
  private readonly _buffer_names = new Set<string>();
  private readonly _non_persistent = new Set<string>();

  /** The computation. Subclasses narrow the signature, e.g. `forward(x: Tensor): Tensor`. */
  forward(..._args: never[]): unknown {
    throw new Error(`${this.constructor.name} has no forward()`);
  }

  /** Calls forward with untyped arguments: for generic code (interpreter, tracer, tools). */
  call(...args: unknown[]): unknown {
    return (this.forward as (...a: unknown[]) => unknown).apply(this, args);
  }

  /** Registers a tensor that is state but not a parameter (running stats, observer min/max). */
  register_buffer(name: string, value: Tensor | null, persistent = true): void {
    (this as unknown as Slots)[name] = value;
    this._buffer_names.add(name);
    if (!persistent) this._non_persistent.add(name);
    else this._non_persistent.delete(name);
  }

  register_parameter(name: string, value: Parameter | null): void {
    (this as unknown as Slots)[name] = value;
  }

  add_module(name: string, module: Module | null): void {
    (this as unknown as Slots)[name] = module;
  }

  *named_children(): Generator<[string, Module]> {
    for (const [k, v] of Object.entries(this)) if (v instanceof Module) yield [k, v];
  }
  *children(): Generator<Module> {
    for (const [, m] of this.named_children()) yield m;
  }

  /** Every module in the tree (this one first, as ''), each once, with dotted qualified names. */
  *named_modules(prefix = '', memo: Set<Module> = new Set()): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [name, child] of this.named_children()) {
      yield* child.named_modules(prefix ? `${prefix}.${name}` : name, memo);
    }
  }
  *modules(): Generator<Module> {
    for (const [, m] of this.named_modules()) yield m;
  }

  /** This module's own parameters (not its children's), in assignment order. */
  *_own_parameters(): Generator<[string, Parameter]> {
    for (const [k, v] of Object.entries(this)) if (v instanceof Parameter) yield [k, v];
  }
  *_own_buffers(): Generator<[string, Tensor]> {
    for (const name of this._buffer_names) {
      const v = (this as unknown as Slots)[name];
      if (v instanceof TensorClass) yield [name, v];
    }
  }

  *named_parameters(prefix = '', recurse = true): Generator<[string, Parameter]> {
    const seen = new Set<Tensor>();
    const mods: Iterable<[string, Module]> = recurse ? this.named_modules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k, p] of m._own_parameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [mp ? `${mp}.${k}` : k, p];
      }
    }
  }
  *parameters(recurse = true): Generator<Parameter> {
    for (const [, p] of this.named_parameters('', recurse)) yield p;
  }
  *named_buffers(prefix = '', recurse = true): Generator<[string, Tensor]> {
    const mods: Iterable<[string, Module]> = recurse ? this.named_modules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) for (const [k, b] of m._own_buffers()) yield [mp ? `${mp}.${k}` : k, b];
  }
  *buffers(recurse = true): Generator<Tensor> {
    for (const [, b] of this.named_buffers('', recurse)) yield b;
  }

  /** Parameters then persistent buffers of each module, depth first, as torch orders them. */
  state_dict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [mp, m] of this.named_modules()) {
      const pre = mp ? `${mp}.` : '';
      for (const [k, p] of m._own_parameters()) out[pre + k] = p;
      for (const [k, b] of m._own_buffers()) if (!m._non_persistent.has(k)) out[pre + k] = b;
      m._extra_state(pre, out);
    }
    return out;
  }

  /** Hook for modules whose state is not plain parameters/buffers (e.g. packed int8 weights). */
  _extra_state(_prefix: string, _out: Record<string, Tensor>): void {}
  /** Loads what `_extra_state` wrote; returns the keys it consumed. */
  _load_extra_state(_prefix: string, _sd: Record<string, Tensor>): string[] {
    return [];
  }

  /**
   * Copies tensors into the existing parameters and buffers (shapes must match; as in PyTorch, a
   * shape-[1] tensor loads into a 0-dim one, e.g. an old checkpoint's num_batches_tracked).
   * strict: any missing or unexpected key is an error naming them, and nothing is copied.
   * Keys are compared as own properties, so names such as "constructor" or "toString" are ordinary keys.
   */
  load_state_dict(state_dict: Record<string, Tensor>, strict = true): IncompatibleKeys {
    const own = new Map(Object.entries(this.state_dict()));
    const given = new Map(Object.entries(state_dict));
    const missing = [...own.keys()].filter((k) => !given.has(k));
    const extra_consumed = new Set<string>();
    for (const [mp, m] of this.named_modules()) {
      for (const k of m._load_extra_state(mp ? `${mp}.` : '', state_dict)) extra_consumed.add(k);
    }
    const unexpected = [...given.keys()].filter((k) => !own.has(k) && !extra_consumed.has(k));
    if (strict && (missing.length || unexpected.length)) {
      const parts = [];
      if (missing.length) parts.push(`missing keys: ${missing.map((k) => JSON.stringify(k)).join(', ')}`);
      if (unexpected.length) parts.push(`unexpected keys: ${unexpected.map((k) => JSON.stringify(k)).join(', ')}`);
      throw new Error(`load_state_dict for ${this.constructor.name}: ${parts.join('; ')}`);
    }
    // validate every shape before copying anything, so a bad state_dict leaves the model untouched
    const copies: [Tensor, Tensor][] = [];
    for (const [k, dst] of own) {
      const src = given.get(k);
      if (!src || extra_consumed.has(k)) continue; // loaded by the module's own _load_extra_state
      if (!(src instanceof TensorClass)) {
        throw new Error(`load_state_dict for ${this.constructor.name}: "${k}" is not a Tensor`);
      }
      const same = src.shape.length === dst.shape.length && src.shape.every((d, i) => d === dst.shape[i]);
      // torch's _load_from_state_dict: a [1] tensor is accepted for a 0-dim parameter or buffer
      const scalar_from_1 = dst.shape.length === 0 && src.shape.length === 1 && src.shape[0] === 1;
      if (!same && !scalar_from_1) {
        throw new Error(
          `load_state_dict for ${this.constructor.name}: size mismatch for "${k}": checkpoint has shape [${src.shape.join(', ')}], model has [${dst.shape.join(', ')}]`,
        );
      }
      copies.push([dst, src]);
    }
    for (const [dst, src] of copies) dst.data.set(src.data);
    return { missing_keys: missing, unexpected_keys: unexpected };
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Calls `fn` on every submodule (children first) and on this module, as torch's apply. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  zero_grad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  requires_grad_(flag = true): this {
    for (const p of this.parameters()) p.requires_grad = flag;
    return this;
  }

  /** The submodule at a dotted path ('' is this module); an error names the first missing part. */
  get_submodule(target: string): Module {
    if (target === '') return this;
    let m: Module = this;
    const parts = target.split('.');
    for (let i = 0; i < parts.length; i++) {
      const next = (m as unknown as Slots)[parts[i]];
      if (!(next instanceof Module)) {
        throw new Error(
          `get_submodule('${target}'): ${m.constructor.name} at '${parts.slice(0, i).join('.') || '<root>'}' has no submodule '${parts[i]}'`,
        );
      }
      m = next;
    }
    return m;
  }

  /** Replaces (or adds) the submodule at a dotted path; the parent must exist. */
  set_submodule(target: string, module: Module): void {
    const dot = target.lastIndexOf('.');
    const parent = dot < 0 ? this : this.get_submodule(target.slice(0, dot));
    (parent as unknown as Slots)[target.slice(dot + 1)] = module;
  }

  /** Any attribute at a dotted path (parameter, buffer, module or plain value). */
  get_attr(target: string): unknown {
    const dot = target.lastIndexOf('.');
    const owner = dot < 0 ? this : this.get_submodule(target.slice(0, dot));
    const name = target.slice(dot + 1);
    if (!(name in owner))
      throw new Error(`get_attr('${target}'): ${owner.constructor.name} has no attribute '${name}'`);
    return (owner as unknown as Slots)[name];
  }

  /** One line of the module's settings, shown by toString (torch's extra_repr). */
  extra_repr(): string {
    return '';
  }

  /** torch's Module.__repr__: the extra_repr inline when it is the only line, else one line each, indented. */
  toString(): string {
    const extra = this.extra_repr();
    const lines = [
      ...(extra ? extra.split('\n') : []),
      ...[...this.named_children()].map(([n, m]) => `(${n}): ${m.toString().split('\n').join('\n  ')}`),
    ];
    const head = `${this.constructor.name}(`;
    if (!lines.length) return `${head})`;
    if (lines.length === 1 && extra && !extra.includes('\n')) return `${head}${extra})`;
    return `${head}\n  ${lines.join('\n  ')}\n)`;
  }
}
