import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';

const repo = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'fxq-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs main() in-process, capturing stderr; returns [exit code, stderr]. */
async function run(args: string[]): Promise<[number, string]> {
  let err = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    return [await main(args), err];
  } finally {
    spy.mockRestore();
  }
}

describe('fxq dump', () => {
  it('bin/fxq.mjs writes a valid SVG of FmnistResNet', () => {
    const out = join(dir, 'resnet.svg');
    const stderr = execFileSync(
      'node',
      [join(repo, 'bin/fxq.mjs'), 'dump', 'examples/models/fmnist_resnet.ts', '--format', 'svg', '--out', out],
      {
        cwd: repo,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    void stderr;
    const svg = readFileSync(out, 'utf8');
    expect(svg).toMatch(/^<\?xml[^>]*\?>/);
    expect(svg).toMatch(/<svg [^>]*viewBox=/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('layer2_downsample_0');
    expect((svg.match(/<g id="node\d+" class="node">/g) ?? []).length).toBe(33);
    expect((svg.match(/<g id="edge\d+" class="edge">/g) ?? []).length).toBe(35);
  });

  it('--format table prints every node with op, target and args', async () => {
    const out = join(dir, 'cnn.txt');
    const [code, err] = await run(['dump', 'examples/models/fmnist_cnn.ts', '--format', 'table', '--out', out]);
    expect(code).toBe(0);
    expect(err).toContain('fxq: tracing FmnistCNN');
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^opcode\s+name\s+target\s+args\s+kwargs$/);
    expect(lines).toHaveLength(2 + 14);
    expect(lines).toContain('call_function  flatten  flatten  (%pool2, 1)  {}');
  });

  it('--format json and code write the graph with shapes and the generated forward', async () => {
    const json = join(dir, 'lstm.json');
    expect((await run(['dump', 'examples/models/fmnist_lstm.ts', '-f', 'json', '-o', json]))[0]).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8'));
    expect(j.nodes.find((n: { name: string }) => n.name === 'fc').meta.shape).toEqual([1, 10]);
    const code = join(dir, 'lstm.ts');
    expect((await run(['dump', 'examples/models/fmnist_lstm.ts', '-f', 'code', '-o', code]))[0]).toBe(0);
    expect(readFileSync(code, 'utf8')).toContain('const lstm = this.lstm.forward(reshape);');
  });

  it('exits 2 with a clear message for a bad path or a file without the expected exports', async () => {
    const [c1, e1] = await run(['dump', 'examples/models/no_such_model.ts']);
    expect(c1).toBe(2);
    expect(e1).toContain('fxq: model file not found: examples/models/no_such_model.ts');
    const [c2, e2] = await run(['dump', 'tests/cli/fixtures/no_exports.ts']);
    expect(c2).toBe(2);
    expect(e2).toContain('must export a default export (a factory returning the nn.Module) and example_inputs()');
    const [c3, e3] = await run([
      'dump',
      'examples/models/fmnist_cnn.ts',
      '--weights',
      'x.safetensors',
      '-f',
      'text',
      '-o',
      join(dir, 'x'),
    ]);
    expect(c3).toBe(1);
    expect(e3).toMatch(/fxq: .*x\.safetensors/);
  });

  it('exits 1 naming the module when tracing fails', async () => {
    const [code, err] = await run(['dump', 'tests/cli/fixtures/control_flow.ts']);
    expect(code).toBe(1);
    expect(err).toContain("in module 'gate' (Gate)");
  });
});
