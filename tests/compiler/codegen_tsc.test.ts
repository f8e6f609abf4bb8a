import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import create_cnn from '../../examples/models/fmnist_cnn.js';
import create_lstm from '../../examples/models/fmnist_lstm.js';
import create_resnet from '../../examples/models/fmnist_resnet.js';
import { F, fx, nn, type Tensor } from '../../index.js';

const repo = resolve(import.meta.dirname, '../..');

class Functional extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor, y: Tensor, scale = 2): Tensor[] {
    const [n] = x.shape;
    const h = F.relu(this.fc.forward(x.view(n, 4)));
    return [h.mul(scale).add(y, { alpha: 0.5 }), F.linear(h, this.fc.weight)];
  }
}

describe('generated code', () => {
  it('type-checks with the TypeScript compiler against the repo types', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fxq-codegen-'));
    try {
      const gms: [string, fx.GraphModule][] = [
        ['cnn', fx.symbolic_trace(create_cnn())],
        ['resnet', fx.symbolic_trace(create_resnet())],
        ['lstm', fx.symbolic_trace(create_lstm())],
        ['functional', fx.symbolic_trace(new Functional())],
      ];
      const files = gms.map(([name, gm]) => {
        const file = join(dir, `${name}.generated.ts`);
        writeFileSync(file, gm.code);
        return file;
      });
      // a negative control: the same code with one wrong call must be rejected, so the check has teeth
      const functional = gms[3][1].code;
      expect(functional).toContain('this.fc.forward(view)');
      const broken = join(dir, 'broken.generated.ts');
      writeFileSync(
        broken,
        functional
          .replace('this.fc.forward(view)', 'this.fc.forward(view, 2)')
          .replace('F.relu(fc)', 'F.relu(fc, "x", 3)'),
      );
      files.push(broken);
      const tsconfig = {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(repo, 'node_modules/@types')],
          paths: { fxq: [join(repo, 'index.ts')] },
        },
        files,
      };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
      let output = '';
      try {
        execFileSync(join(repo, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')], {
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (e) {
        output = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
      }
      // errors inside the repo's own files (other work in progress) are not this test's business
      const ours = output.split('\n').filter((l) => l.includes('.generated.ts'));
      expect(ours.filter((l) => !l.startsWith('broken.generated.ts') && !l.includes('/broken.generated.ts'))).toEqual(
        [],
      );
      expect(ours.filter((l) => l.includes('broken.generated.ts')).length).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads like hand-written code: one statement per node, named after the nodes', () => {
    const gm = fx.symbolic_trace(new Functional());
    const body = gm.code.slice(gm.code.indexOf('export function forward'));
    expect(body).toBe(
      [
        'export function forward(this: Self, x: Tensor, y: Tensor) {',
        '  const getattr = x.shape;',
        '  const getitem = getattr[0];',
        '  const view = x.view(getitem, 4);',
        '  const fc = this.fc.forward(view);',
        '  const relu = F.relu(fc);',
        '  const mul = relu.mul(2);',
        '  const add = mul.add(y, { alpha: 0.5 });',
        '  const fc_weight = this.fc.weight;',
        '  const linear = F.linear(relu, fc_weight);',
        '  return [add, linear];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('maps a runtime error back to the node that raised it', () => {
    const gm = fx.symbolic_trace(create_cnn());
    const bad = (globalThis as unknown as { Float32Array: typeof Float32Array }).Float32Array;
    const { tensor } = { tensor: (n: number) => ({ shape: [n], data: new bad(n) }) };
    expect(() => gm.forward(tensor(3))).toThrow(
      /\[fxq node 'conv1' of FmnistCNN: %conv1 .*call_module\[target=conv1\]/,
    );
  });
});
