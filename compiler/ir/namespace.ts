/**
 * The one place node names come from: readable (derived from targets), unique within a graph,
 * valid identifiers, and never a reserved word or a name generated code binds itself.
 */

/** JavaScript/TypeScript reserved and strict-mode words, plus globals generated code must not shadow. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'debugger',
  'default',
  'delete',
  'do',
  'else',
  'enum',
  'export',
  'extends',
  'false',
  'finally',
  'for',
  'function',
  'if',
  'import',
  'in',
  'instanceof',
  'new',
  'null',
  'return',
  'super',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'typeof',
  'var',
  'void',
  'while',
  'with',
  'yield',
  'let',
  'static',
  'implements',
  'interface',
  'package',
  'private',
  'protected',
  'public',
  'await',
  'async',
  'arguments',
  'eval',
  'undefined',
  'NaN',
  'Infinity',
  'of',
  'type',
  'declare',
  'any',
  'unknown',
  'never',
  'object',
  'symbol',
  'globalThis',
  'Object',
  'Array',
  'Math',
  'Number',
  'String',
  'Function',
  'Error',
  'Symbol',
  'constructor',
  'prototype',
  '__proto__',
  // names bound by generated code (namespaces of registered ops, types in the header)
  'fxq',
  'F',
  'quantized',
  'nn',
  'torch',
  'Tensor',
  'Module',
  'Op',
  'Self',
  'exports',
  'require',
  'module',
]);

/**
 * Python builtins torch.fx's namespace never binds a node to (_is_illegal_name): the first candidate gets a
 * suffix, as in torch's graphs (`getattr_1 = x.shape`).
 */
const PY_BUILTIN_NAMES: ReadonlySet<string> = new Set(['getattr']);

/** What a name must look like to be emitted as a variable: an ASCII identifier. */
export const IDENTIFIER_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** True when `name` may be a node (variable) name in generated code. */
export function is_valid_node_name(name: string): boolean {
  return IDENTIFIER_RE.test(name) && !RESERVED_NAMES.has(name);
}

/** Turns a target ('layer1.conv1', 'F.relu', 'add') into a readable candidate name. */
export function candidate_from_target(op: string, target: string): string {
  if (op === 'call_function' || op === 'call_method') {
    const dot = target.lastIndexOf('.');
    return dot < 0 ? target : target.slice(dot + 1);
  }
  return target.replace(/\./g, '_');
}

/** Hands out unique identifiers: 'relu', 'relu_1', 'relu_2', …; escapes reserved words and bad characters. */
export class Namespace {
  private readonly used = new Set<string>();
  private readonly next_suffix = new Map<string, number>();

  /** A fresh name based on `candidate`; never returns the same name twice. */
  create_name(candidate: string): string {
    let base = candidate.replace(/[^A-Za-z0-9_$]/g, '_');
    if (base === '' || /^[0-9]/.test(base)) base = `_${base}`;
    if (RESERVED_NAMES.has(base)) base = `${base}_`;
    let name = base;
    if (PY_BUILTIN_NAMES.has(name)) name = this.bump(base);
    else if (this.used.has(name)) {
      // FX strips an existing numeric suffix so a clash on 'add_1' yields 'add_2', not 'add_1_1'
      const m = /^(.*[^_])_(\d+)$/.exec(base);
      name = this.bump(m ? m[1] : base);
    }
    this.used.add(name);
    return name;
  }

  private bump(base: string): string {
    let i = this.next_suffix.get(base) ?? 1;
    while (this.used.has(`${base}_${i}`)) i++;
    this.next_suffix.set(base, i + 1);
    return `${base}_${i}`;
  }

  /** Marks an existing name as taken (loading a graph); false if it already was. */
  claim(name: string): boolean {
    if (this.used.has(name)) return false;
    this.used.add(name);
    return true;
  }

  /** Frees a name (erased node) so it can be handed out again. */
  release(name: string): void {
    this.used.delete(name);
  }

  has(name: string): boolean {
    return this.used.has(name);
  }
}
