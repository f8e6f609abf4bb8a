/** Eager semantics of the compiler's builtin call_function targets (see targets.ts). */
import { TRACEABLE_ATTRIBUTES } from './targets.js';

/** `obj[index]` as generated code spells it: negative indices count from the end (`.at`). */
export function getitem(obj: unknown, index: unknown): unknown {
  // an integer only: a string key would reach prototypes (`constructor`), as in a crafted graph
  if (typeof index !== 'number' || !Number.isInteger(index))
    throw new Error(`getitem: index ${JSON.stringify(index)} is not an integer`);
  if (index < 0) return (obj as { at(i: number): unknown }).at(index);
  return (obj as Record<string | number, unknown>)[index as number];
}

/** `obj.attr` for the attributes tracing records (shape, dtype, …). */
export function getattr(obj: unknown, attr: unknown): unknown {
  if (typeof attr !== 'string' || !TRACEABLE_ATTRIBUTES.has(attr))
    throw new Error(`getattr: attribute ${JSON.stringify(attr)} is not readable here`);
  return (obj as Record<string, unknown>)[attr];
}

/** Runs a builtin by name. */
export function run_builtin(name: string, args: readonly unknown[]): unknown {
  if (args.length !== 2) throw new Error(`${name} takes 2 arguments, got ${args.length}`);
  if (name === 'getitem') return getitem(args[0], args[1]);
  if (name === 'getattr') return getattr(args[0], args[1]);
  throw new Error(`'${name}' is not a builtin`);
}
