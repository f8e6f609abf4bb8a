// `fxq report` through the real command line: a self-contained HTML file with every section, and the error paths.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BROKEN, fxq, SMALL, TINY } from './_spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fxq report', () => {
  it('writes one offline HTML file: summary, SQNR-coloured graph, both charts, histograms (--json)', async () => {
    const out = join(dir, 'r.html');
    const r = await fxq(['report', TINY, '--no-weights', ...SMALL, '--workers', '1', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.sensitivity.rows.length).toBe(3);
    expect(j.state_dict_bytes.int8).toBeLessThan(j.state_dict_bytes.fp32);
    const html = readFileSync(out, 'utf8');
    for (const id of ['summary', 'graph', 'layers', 'sensitivity', 'histograms'])
      expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain('id="sqnr-chart"');
    expect(html).toContain('id="sensitivity-chart"');
    expect(html.match(/class="node sqnr"/g)?.length).toBe(j.layers.length);
    // nothing to fetch: no scripts, no external URLs besides SVG namespaces
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect(html).toContain(`${(100 * j.int8_accuracy).toFixed(2)}%`);
  });

  it('reuses saved sensitivity results (--sensitivity-json) and can leave the section out', async () => {
    const sens = join(dir, 'sens.json');
    const s = await fxq(['sensitivity', TINY, '--no-weights', ...SMALL, '--workers', '1', '--layers', 'fc', '--json']);
    expect(s.code, s.stderr).toBe(0);
    writeFileSync(sens, s.stdout);
    const [a, b] = await Promise.all([
      fxq(['report', TINY, '--no-weights', ...SMALL, '--sensitivity-json', sens, '--out', join(dir, 'a.html')]),
      fxq(['report', TINY, '--no-weights', ...SMALL, '--no-sensitivity', '--out', join(dir, 'b.html')]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(readFileSync(join(dir, 'a.html'), 'utf8').match(/<g class="bar" data-label="fc"/g)?.length).toBe(2); // SQNR + sensitivity
    expect(readFileSync(join(dir, 'b.html'), 'utf8')).not.toContain('<section id="sensitivity">');
  });

  it('exits 2 on wrong arguments and a missing file, 1 on a model that fails to trace', async () => {
    const bad_json = join(dir, 'bad.json');
    writeFileSync(bad_json, '{"rows": 3}');
    const [no_out, bad_sens, missing, broken] = await Promise.all([
      fxq(['report', TINY]),
      fxq(['report', TINY, '--out', join(dir, 'x.html'), '--sensitivity-json', bad_json]),
      fxq(['report', 'void.ts', '--out', join(dir, 'y.html')]),
      fxq(['report', BROKEN, '--out', join(dir, 'z.html'), ...SMALL, '--no-sensitivity']),
    ]);
    expect(no_out.code).toBe(2);
    expect(no_out.stderr).toMatch(/--out <file.html> is required/);
    expect(bad_sens.code).toBe(2);
    expect(bad_sens.stderr).toMatch(/bad\.json: not the output of 'fxq sensitivity --json'/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/model file not found: void\.ts/);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/symbolic trace of Net: in module 'gate'/);
  });
});
