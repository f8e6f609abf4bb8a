import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Runs its children in order, each output feeding the next (children named '0', '1', …). */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.add_module(String(i), m));
  }
  get length(): number {
    return [...this.named_children()].length;
  }
  at(index: number): Module {
    const kids = [...this.children()];
    const m = kids[index < 0 ? index + kids.length : index];
    if (!m) throw new Error(`Sequential: index ${index} out of range for ${kids.length} modules`);
    return m;
  }
  append(m: Module): this {
    this.add_module(String(this.length), m);
    return this;
  }
  forward(x: Tensor): Tensor {
    let y: unknown = x;
    for (const m of this.children()) y = m.call(y);
    return y as Tensor;
  }
}

/** A list of modules registered under '0', '1', …; has no forward of its own. */
export class ModuleList extends Module {
  constructor(modules: Module[] = []) {
    super();
    modules.forEach((m, i) => this.add_module(String(i), m));
  }
  get length(): number {
    return [...this.named_children()].length;
  }
  at(index: number): Module {
    const kids = [...this.children()];
    const m = kids[index < 0 ? index + kids.length : index];
    if (!m) throw new Error(`ModuleList: index ${index} out of range for ${kids.length} modules`);
    return m;
  }
  append(m: Module): this {
    this.add_module(String(this.length), m);
    return this;
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
