/**
 * Crafted quantized-model files (artifact_cases.ts), as an attacker would write them: each is refused
 * with an Error naming the file and the entry / key, through load_quantized(path), load_quantized(bytes)
 * (Node and browser-safe entries) and the CLI, and the canaries (a global, a file) stay untouched.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { load_quantized } from '../../compiler/artifact/node/index.js';
import { fetch_quantized, load_quantized as load_bytes } from '../../compiler/artifact/quantized_artifact.js';
import { parse_safetensors, serialize_safetensors } from '../../runtime/io/safetensors.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { fxq } from '../cli/_spawn.js';
import { crafted_cases, tiny_file, tiny_input, tiny_model } from './artifact_cases.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-crafted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const canary_file = join(dir, 'pwned.txt');
const CANARY = '__fxq_artifact_canary';
const payload = `globalThis.${CANARY} = 1; process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(canary_file)}, 'pwned'); return 'x';`;
const canary_untouched = () => !(CANARY in globalThis) && !existsSync(canary_file);

const base = tiny_file();
const cases = crafted_cases(base, payload).map(([name, bytes, re], i) => {
  const path = join(dir, `case_${String(i).padStart(2, '0')}.safetensors`);
  writeFileSync(path, bytes);
  return { name, bytes, re, path };
});

function refusal(f: () => unknown, name = ''): Error {
  try {
    const gm = f() as { forward?: (...a: unknown[]) => unknown };
    gm.forward?.(tiny_input()); // a file that loads must not run anything either
  } catch (e) {
    return e as Error;
  }
  throw new Error(`the crafted file loaded: ${name}`);
}

describe('crafted artifacts are refused before anything is built', () => {
  it('the base file loads and runs as the model it was saved from (path, bytes, Response)', async () => {
    const x = tiny_input();
    const path = join(dir, 'base.safetensors');
    writeFileSync(path, base);
    const want = [...(tiny_model().forward(x) as Tensor).data];
    expect([...(load_quantized(path).forward(x) as Tensor).data]).toEqual(want);
    expect([...((await fetch_quantized(new Response(new Uint8Array(base)))).forward(x) as Tensor).data]).toEqual(want);
    await expect(fetch_quantized(new Response('nope', { status: 404 }))).rejects.toThrow(/fetch_quantized .*HTTP 404/);
    await expect(fetch_quantized(new Response(new Uint8Array(cases[0].bytes)))).rejects.toThrow(cases[0].re);
  });

  it('reads a version-1 directory (manifest.json + weights.safetensors) through the same checks', () => {
    const x = tiny_input();
    const { tensors, metadata } = parse_safetensors(base);
    const v1 = { ...JSON.parse(metadata?.manifest ?? ''), version: 1 };
    const write_v1 = (name: string, man: unknown) => {
      const d = join(dir, name);
      mkdirSync(d);
      writeFileSync(join(d, 'manifest.json'), JSON.stringify(man));
      writeFileSync(join(d, 'model.ts'), '// not read');
      writeFileSync(join(d, 'weights.safetensors'), serialize_safetensors(tensors, { format: 'fxq.quantized' }));
      return d;
    };
    const good = write_v1('v1_good', v1);
    expect([...(load_quantized(good).forward(x) as Tensor).data]).toEqual([
      ...(tiny_model().forward(x) as Tensor).data,
    ]);
    const big = write_v1('v1_big', {
      ...v1,
      modules: [...v1.modules, { path: 'big', type: 'nn.quantized.Linear', args: [20000, 20000] }],
    });
    expect(() => load_quantized(big)).toThrow(/v1_big\/manifest\.json: module 'big' .*missing.*"big\.weight"/);
    const v2_in_v1 = write_v1('v1_wrong_version', { ...v1, version: 2 });
    expect(() => load_quantized(v2_in_v1)).toThrow(/v1_wrong_version\/manifest\.json: manifest version 2 is not 1/);
  });

  it(`refuses ${cases.length} crafted files through load_quantized(path) and (bytes), naming file and key`, () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(25);
    for (const c of cases) {
      const by_path = refusal(() => load_quantized(c.path), c.name);
      expect(by_path.message, c.name).toContain(c.path);
      expect(by_path.message, c.name).toMatch(c.re);
      const by_bytes = refusal(() => load_quantized(c.bytes, 'upload.safetensors'));
      expect(by_bytes.message, c.name).toContain('upload.safetensors');
      expect(by_bytes.message, c.name).toMatch(c.re);
      const browser = refusal(() => load_bytes(new Uint8Array(c.bytes).buffer));
      expect(browser.message, c.name).toMatch(c.re);
      expect(by_path.message.length, c.name).toBeLessThan(2000);
    }
    expect(canary_untouched()).toBe(true);
  });

  it('refuses them through `fxq eval` and `fxq bench` (exit 1, file and key on stderr); `fxq dump` prints a valid one', async () => {
    // three representative files here (each spawn costs seconds on a shared machine); all of them:
    // scripts/artifact_crafted_cli.ts
    const picked = cases.filter((c) => /^(amplification|truncated header|the issue exploit)/.test(c.name));
    expect(picked.length).toBe(3);
    const runs = await Promise.all(
      picked.flatMap((c) => [
        fxq(['eval', c.path, '--eval-images', '10']).then((r) => ({ c, r })),
        fxq(['bench', c.path, '--batch', '1', '--runs', '1']).then((r) => ({ c, r })),
      ]),
    );
    // the valid file dumps its saved forward (what `{ write_source: true }` would write)
    const path = join(dir, 'base.safetensors');
    writeFileSync(path, base);
    const dump = await fxq(['dump', path, '--format', 'code']);
    expect(dump.code, dump.stderr).toBe(0);
    expect(dump.stdout).toMatch(/const fc = this\.fc\.forward\(\w+\);/);
    for (const { c, r } of runs) {
      expect(r.code, `${c.name}: ${r.stderr}`).toBe(1);
      expect(r.stderr, c.name).toContain(c.path);
      expect(r.stderr, c.name).toMatch(c.re);
    }
    expect(canary_untouched()).toBe(true);
  });
});
