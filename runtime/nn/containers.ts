import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/**
 * What Sequential and ModuleList share: children registered under '0', '1', … with length, at and
 * append. Not exported: in torch the two are unrelated classes, so neither is an instance of the other.
 */
abstract class IndexedModules extends Module {
  constructor(modules: Module[]) {
    super();
    for (const [i, m] of modules.entries()) this.add_module(String(i), m);
  }
  get length(): number {
    return [...this.named_children()].length;
  }
  /** The child at `index` (negative counts from the end, as in Python). */
  at(index: number): Module {
    const kids = [...this.children()];
    const m = kids[index < 0 ? index + kids.length : index];
    if (!m) throw new Error(`${this.constructor.name}: index ${index} out of range for ${kids.length} modules`);
    return m;
  }
  /** Registers `m` under the next index. */
  append(m: Module): this {
    this.add_module(String(this.length), m);
    return this;
  }
}

/** Runs its children in order, each output feeding the next (children named '0', '1', …). */
export class Sequential extends IndexedModules {
  constructor(...modules: Module[]) {
    super(modules);
  }
  forward(x: Tensor): Tensor {
    let y: unknown = x;
    for (const m of this.children()) y = m.call(y);
    return y as Tensor;
  }
}

/** A list of modules registered under '0', '1', …; has no forward of its own. */
export class ModuleList extends IndexedModules {
  constructor(modules: Module[] = []) {
    super(modules);
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.children();
  }
}

/** Modules registered under string keys. */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.add_module(k, m);
  }
  get(key: string): Module {
    const m = [...this.named_children()].find(([k]) => k === key)?.[1];
    if (!m) throw new Error(`ModuleDict: no module under key '${key}'`);
    return m;
  }
  set(key: string, m: Module): void {
    this.add_module(key, m);
  }
  keys(): string[] {
    return [...this.named_children()].map(([k]) => k);
  }
}

/** Returns its input unchanged. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
