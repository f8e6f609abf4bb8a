/**
 * Imports a user's model file whatever its extension and its package's "type". TypeScript files
 * written with import/export (the only way fxq model files are written) load as ES modules even in a
 * "type": "commonjs" project: tsx would otherwise compile them to CommonJS, whose require('fxq')
 * re-enters fxq's ES module graph ("Cannot require() ES Module … in a cycle") or loads a second copy
 * of fxq (nn.Module instanceof fails). `.js` follows the package type, `.mjs` / `.cjs` their own.
 */
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The extensions a model file may have. */
export const MODEL_FILE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'] as const;

// Loader hooks (they run before tsx's, which registered first): a .ts/.tsx file outside node_modules that
// the package type would make CommonJS is given the 'module' format instead, and, as CommonJS code expects
// them, gets __filename / __dirname / require when its source uses them (defined on its first line, so
// line numbers in stack traces stay right).
const HOOK = `const forced = new Set();
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.format === 'commonjs' && /\\.tsx?$/.test(r.url.split('?')[0]) && !r.url.includes('/node_modules/')) {
    forced.add(r.url);
    return { ...r, format: 'module' };
  }
  return r;
}
const declares = (src, name) => new RegExp('\\\\b(const|let|var|function|class)\\\\s+' + name + '\\\\b').test(src);
export async function load(url, context, next) {
  const r = await next(url, context);
  if (!forced.has(url) || r.source == null) return r;
  let src = typeof r.source === 'string' ? r.source : new TextDecoder().decode(r.source);
  const u = JSON.stringify(url);
  const pre = [];
  if (/\\b(__filename|__dirname)\\b/.test(src) && !declares(src, '__filename') && !declares(src, '__dirname'))
    pre.push('import { fileURLToPath as __fxq_fp } from "node:url"; const __filename = __fxq_fp(' + u + '), __dirname = __fxq_fp(new URL(".", ' + u + ')).replace(/[\\\\\\\\/]$/, "");');
  if (/\\brequire\\s*[(.]/.test(src) && !declares(src, 'require'))
    pre.push('import { createRequire as __fxq_cr } from "node:module"; const require = __fxq_cr(' + u + ');');
  if (!pre.length) return r;
  // after a shebang line, else on the first line (so later line numbers stay right)
  const at = src.startsWith('#!') ? src.indexOf('\\n') + 1 : 0;
  return { ...r, source: src.slice(0, at) + pre.join(' ') + ' ' + src.slice(at) };
}`;

let hooked = false;

/** The "type" of the nearest package.json above `file` ('commonjs' when none says 'module'). */
export function package_type(file: string): { type: 'module' | 'commonjs'; pkg?: string } {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    try {
      const type = (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type;
      return { type: type === 'module' ? 'module' : 'commonjs', pkg };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return { type: 'commonjs', pkg };
    }
    if (dirname(dir) === dir) return { type: 'commonjs' };
  }
}

/** Why a model file failed to load, with what to rename when the module system is the cause. */
function explain(abs: string, shown: string, e: Error): string {
  const ext = abs.slice(abs.lastIndexOf('.'));
  const { type, pkg } = package_type(abs);
  const where = pkg ? `${pkg} has "type": "${type}"` : 'no package.json sets "type": "module"';
  const msg = e.message;
  if (/Cannot use import statement outside a module|Unexpected token 'export'/.test(msg))
    return `${shown} uses import/export but is loaded as CommonJS (${where}): rename it to .mjs or .ts, or set "type": "module"`;
  if (/(__dirname|__filename) is not defined in ES module scope/.test(msg))
    return `${shown} is an ES module (${ext === '.js' || ext === '.ts' ? where : `${ext} is always ESM`}), which has no __dirname / __filename: use import.meta.dirname / import.meta.filename`;
  if (
    /require is not defined in ES module scope|module is not defined in ES module scope|exports is not defined/.test(
      msg,
    )
  )
    return `${shown} uses require/module.exports but is loaded as an ES module (${ext === '.js' ? where : `${ext} is always ESM`}): rename it to .cjs, or write it with import/export`;
  return `cannot load model file ${shown}: ${msg}`;
}

/** Imports `abs` (an absolute path); a CommonJS file's module.exports is returned as the namespace. */
export async function import_module(abs: string, shown = abs): Promise<Record<string, unknown>> {
  if (!hooked) {
    register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
    hooked = true;
  }
  const cjs = abs.endsWith('.cjs') || (abs.endsWith('.js') && package_type(abs).type === 'commonjs');
  // require('fxq') is require(esm), which bypasses the loader hooks: with fxq's entry already in the
  // ES module cache it gets that same instance (one nn.Module class, one backend registry)
  if (cjs) await import('../../index.js');
  let ns: Record<string, unknown>;
  try {
    ns = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    throw Object.assign(new Error(explain(abs, shown, e as Error)), { cause: e });
  }
  // CommonJS: `default` is module.exports; its own properties are the exports (a named
  // `exports.default = create` becomes module.exports.default)
  const d = ns.default;
  if (cjs && d !== null && typeof d === 'object') return d as Record<string, unknown>;
  // module.exports = create; module.exports.example_inputs = …
  if (cjs && typeof d === 'function') return { ...(d as unknown as Record<string, unknown>), default: d };
  return ns;
}
