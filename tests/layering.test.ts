/**
 * The import graph keeps its layers one-way: the compiler's passes (compiler/passes) never reach back into the FX front end
 * (compiler/quantize_fx), runtime/quant never reaches runtime/eager, runtime never imports the compiler,
 * and no module outside runtime/backends branches on a backend's name.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['compiler', 'runtime', 'tools', 'cli'];

function ts_files(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'build' || name === 'assembly') continue;
    if (statSync(p).isDirectory()) out = out.concat(ts_files(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const files = SOURCE_DIRS.flatMap((d) => ts_files(join(root, d)));
const rel = (p: string): string => relative(root, p).split('\\').join('/');
const source = new Map(files.map((f) => [rel(f), readFileSync(f, 'utf8')]));

/** The repo files each file imports (static, re-export and dynamic imports of relative paths). */
const imports = new Map<string, string[]>();
for (const [file, text] of source) {
  const deps: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
    const target = rel(resolve(root, dirname(file), m[1].replace(/\.js$/, '.ts')));
    if (source.has(target)) deps.push(target);
  }
  imports.set(file, deps);
}

/** Every file reachable from `start` through imports. */
function reachable(start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const f = stack.pop() as string;
    for (const d of imports.get(f) ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        stack.push(d);
      }
    }
  }
  return seen;
}

/** Files under `prefix` that reach a file under `forbidden`, each with one reached file. */
function violations(prefix: string, forbidden: string): string[] {
  const out: string[] = [];
  for (const f of source.keys()) {
    if (!f.startsWith(prefix)) continue;
    const hit = [...reachable(f)].find((d) => d.startsWith(forbidden));
    if (hit) out.push(`${f} → … → ${hit}`);
  }
  return out;
}

const passes_dir = 'compiler/passes/';

describe('import graph', () => {
  it('finds the sources', () => {
    expect(source.size).toBeGreaterThan(200);
    expect(source.has(`${passes_dir}insert_observers.ts`)).toBe(true);
    expect(imports.get('compiler/quantize_fx/prepare.ts')?.some((d) => d.startsWith(passes_dir))).toBe(true);
  });

  it('the passes never reach the FX front end (compiler/quantize_fx imports them, not the other way)', () => {
    expect(violations(passes_dir, 'compiler/quantize_fx/')).toEqual([]);
  });

  it('no import cycle runs through the passes: nothing they import leads back to them', () => {
    const outside = [...source.keys()].filter((f) => !f.startsWith(passes_dir));
    const leads_back = new Set(outside.filter((f) => [...reachable(f)].some((d) => d.startsWith(passes_dir))));
    const cycles: string[] = [];
    for (const f of source.keys()) {
      if (!f.startsWith(passes_dir)) continue;
      for (const d of reachable(f)) if (leads_back.has(d)) cycles.push(`${f} → … → ${d} → … → ${passes_dir}`);
    }
    expect(cycles).toEqual([]);
  });

  it('the IR, tracer, pattern engine and code generator never reach the passes', () => {
    for (const layer of ['compiler/ir/', 'compiler/trace/', 'compiler/pattern/', 'compiler/codegen/'])
      expect(violations(layer, passes_dir)).toEqual([]);
  });

  it('runtime/quant does not import runtime/eager', () => {
    expect(violations('runtime/quant/', 'runtime/eager/')).toEqual([]);
  });

  it('runtime imports neither the compiler nor the passes', () => {
    expect(violations('runtime/', 'compiler/')).toEqual([]);
  });
});

describe('backend names', () => {
  it('no module outside runtime/backends branches on a backend object’s name', () => {
    // `x.name === 'wasm'`, `'js' !== be.name`, `get_backend().name === …`: choosing code by backend identity
    const patterns = [
      /\.name\s*[!=]==?\s*['"](?:js|wasm)['"]/,
      /['"](?:js|wasm)['"]\s*[!=]==?\s*[\w.()]*\.name\b/,
      /\b(?:get_backend\(\)|be|backend)\.name\s*[!=]==?/,
    ];
    const hits: string[] = [];
    for (const [file, text] of source) {
      if (file.startsWith('runtime/backends/')) continue;
      text.split('\n').forEach((line, i) => {
        if (patterns.some((p) => p.test(line))) hits.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it('the pattern catches the branch it forbids', () => {
    const p = /\.name\s*[!=]==?\s*['"](?:js|wasm)['"]/;
    expect(p.test("if (be.name !== 'wasm' || !inst) return null;")).toBe(true);
    expect(p.test("if (backend === 'wasm') load_wasm_backend();")).toBe(false);
  });
});
