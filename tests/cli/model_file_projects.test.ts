// Model files of every extension in real temporary projects ("type": "module" and "type": "commonjs",
// fxq installed as node_modules/fxq, re-exporting this checkout), loaded by the real `fxq dump`; the wrong module system
// for an extension fails with a message that says what to rename.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fxq, make_project } from './_spawn.js';

const root = mkdtempSync(join(tmpdir(), 'fxq-projects-'));
afterAll(() => process.env.KEEP || rmSync(root, { recursive: true, force: true }));

// the same model written with import/export (TypeScript, then JavaScript) and with require
const TS = `import { nn, randn, type Tensor } from 'fxq';
import { Head } from './head';
class RgbNet extends nn.Module {
  conv = new nn.Conv2d(3, 4, 3);
  head = new Head();
  forward(x: Tensor): Tensor { return this.head.forward(this.conv.forward(x)); }
}
export default function create(): RgbNet { return new RgbNet(); }
export function example_inputs(): Tensor[] { return [randn([1, 3, 8, 8])]; }
`;
// an extensionless relative import, as TypeScript in a commonjs project writes them
const HEAD = `import { flatten, nn, type Tensor } from 'fxq';
export class Head extends nn.Module {
  fc = new nn.Linear(144, 5);
  forward(x: Tensor): Tensor { return this.fc.forward(flatten(x, 1)); }
}
`;
const ESM_JS = `import { flatten, nn, randn } from 'fxq';
class RgbNet extends nn.Module {
  conv = new nn.Conv2d(3, 4, 3);
  fc = new nn.Linear(144, 5);
  forward(x) { return this.fc.forward(flatten(this.conv.forward(x), 1)); }
}
export default function create() { return new RgbNet(); }
export function example_inputs() { return [randn([1, 3, 8, 8])]; }
`;
const CJS_JS = `const { flatten, nn, randn } = require('fxq');
class RgbNet extends nn.Module {
  conv = new nn.Conv2d(3, 4, 3);
  fc = new nn.Linear(144, 5);
  forward(x) { return this.fc.forward(flatten(this.conv.forward(x), 1)); }
}
module.exports = { default: () => new RgbNet(), example_inputs: () => [randn([1, 3, 8, 8])] };
`;

// TypeScript in a commonjs project often uses CommonJS's names: they work although it loads as ESM
const CJS_NAMES_TS = `import { nn, randn, type Tensor } from 'fxq';
const { readFileSync } = require('node:fs');
const config = JSON.parse(readFileSync(__dirname + '/config.json', 'utf8')) as { width: number };
class Wide extends nn.Module {
  fc = new nn.Linear(config.width, 2);
  forward(x: Tensor): Tensor { return this.fc.forward(x); }
}
export default function create(): Wide { return new Wide(); }
export function example_inputs(): Tensor[] { return [randn([1, config.width])]; }
`;

function project(type: 'module' | 'commonjs'): string {
  const dir = join(root, type);
  make_project(dir, type);
  writeFileSync(join(dir, 'head.ts'), HEAD);
  // distinct base names: tsx resolves x.js to x.ts (and x.cjs to x.cts) when both exist
  writeFileSync(join(dir, 'a.ts'), TS);
  writeFileSync(join(dir, 'b.mts'), TS.replace("'./head'", "'./head.js'"));
  writeFileSync(join(dir, 'c.js'), type === 'module' ? ESM_JS : CJS_JS);
  writeFileSync(join(dir, 'd.mjs'), ESM_JS);
  writeFileSync(join(dir, 'e.cjs'), CJS_JS);
  writeFileSync(join(dir, 'wrong.js'), type === 'module' ? CJS_JS : ESM_JS);
  writeFileSync(join(dir, 'f.cts'), TS);
  writeFileSync(join(dir, 'g.ts'), CJS_NAMES_TS);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ width: 7 }));
  writeFileSync(join(dir, 'h.ts'), `const here: string = __dirname;\n${ESM_JS}`);
  return dir;
}

const dirs = { module: project('module'), commonjs: project('commonjs') };
const dump = (type: 'module' | 'commonjs', file: string) => fxq(['dump', file, '--format', 'code'], dirs[type]);

describe('model files load in module and commonjs projects', () => {
  for (const type of ['module', 'commonjs'] as const)
    it(`"type": "${type}": .ts, .mts, .js, .mjs, .cjs`, async () => {
      const files = ['a.ts', 'b.mts', 'c.js', 'd.mjs', 'e.cjs'];
      const runs = await Promise.all(files.map((f) => dump(type, f)));
      for (const [i, r] of runs.entries()) {
        expect(r.code, `${type} ${files[i]}: ${r.stderr}`).toBe(0);
        // the model really ran: traced and shape-propagated through fxq's modules
        expect(r.stdout).toMatch(/this\.(head\.fc|fc)\.forward/);
        expect(r.stderr).toContain('tracing RgbNet');
      }
    });

  it('a .ts file of a commonjs project may use require, __dirname and __filename', async () => {
    const r = await dump('commonjs', 'g.ts');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('tracing Wide');
    expect(r.stdout).toContain('this.fc.forward');
  });

  it('the wrong module system for an extension says what to rename', async () => {
    const [esm_in_cjs, cjs_in_esm, cts, dirname_in_esm] = await Promise.all([
      dump('commonjs', 'wrong.js'),
      dump('module', 'wrong.js'),
      dump('commonjs', 'f.cts'),
      dump('module', 'h.ts'),
    ]);
    expect(dirname_in_esm.code).toBe(2);
    expect(dirname_in_esm.stderr).toMatch(
      /h\.ts is an ES module \(.*"type": "module"\), which has no __dirname \/ __filename: use import\.meta\.dirname/,
    );
    expect(esm_in_cjs.code).toBe(2);
    expect(esm_in_cjs.stderr).toMatch(
      /wrong\.js uses import\/export but is loaded as CommonJS \(.*package\.json has "type": "commonjs"\): rename it to \.mjs or \.ts, or set "type": "module"/,
    );
    expect(cjs_in_esm.code).toBe(2);
    expect(cjs_in_esm.stderr).toMatch(
      /wrong\.js uses require\/module\.exports but is loaded as an ES module \(.*"type": "module"\): rename it to \.cjs/,
    );
    expect(cts.code).toBe(2);
    expect(cts.stderr).toMatch(
      /f\.cts: expected one of \.ts, \.mts, \.js, \.mjs, \.cjs \(\.cts is not supported: rename it to \.ts or \.mts\)/,
    );
  });
});
