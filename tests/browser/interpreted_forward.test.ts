// Where `new Function` is forbidden (a strict CSP; here node --disallow-code-generation-from-strings), GraphModules
// run through the Interpreter automatically, with one notice and bit-identical outputs.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fx, Generator, load_wasm_backend, nn, randn, set_backend, type Tensor } from '../../index.js';
import { build_small_int8 } from './fixtures/small_int8.js';

const hex = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

afterEach(() => {
  fx.set_forward_mode('auto');
  set_backend('js');
});

describe('eval-free forward (Interpreter fallback)', () => {
  it('forced interpreter mode gives the compiled forward’s bytes on js and wasm', () => {
    load_wasm_backend();
    for (const backend of ['js', 'wasm'] as const) {
      set_backend(backend);
      const { model, inputs, logits } = build_small_int8();
      fx.set_forward_mode('interpreter');
      model.recompile();
      const interpreted = Float32Array.from((model.forward(inputs) as Tensor).data as Float32Array);
      expect(hex(interpreted)).toBe(hex(logits));
      // and a real difference in a logit would show: the check compares bytes, not rounded values
      expect(logits.some((v) => v !== 0)).toBe(true);
    }
  });

  it('under --disallow-code-generation-from-strings the fallback is automatic, says so once, same bytes', () => {
    set_backend('js');
    const { logits } = build_small_int8();
    const out = execFileSync(
      process.execPath,
      [
        '--disallow-code-generation-from-strings',
        '--import',
        'tsx',
        resolve(import.meta.dirname, 'fixtures/forbidden_eval.ts'),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = out.trim().split('\n');
    const notices = lines.filter((l) => l.startsWith('fxq: compiling code from strings is not allowed'));
    expect(notices).toHaveLength(1);
    expect(JSON.parse(lines[lines.length - 1]).hex).toBe(hex(logits));
  }, 60_000);

  it('the Interpreter drops each value after its last use (torch garbage_collect_values), keeping outputs', () => {
    class Chain extends nn.Module {
      forward(x: Tensor): Tensor {
        let y = x;
        for (let i = 0; i < 6; i++) y = y.relu().add(x); // x stays live to the end; each y dies at the next add
        return y;
      }
    }
    const gm = fx.symbolic_trace(new Chain());
    const live = (gc: boolean): number[] => {
      const sizes: number[] = [];
      class Probe extends fx.Interpreter {
        run_node(node: fx.Node): unknown {
          sizes.push(this.env.size);
          return super.run_node(node);
        }
      }
      const x = randn([3], { generator: new Generator(1) });
      const out = new Probe(gm, gc).run(x) as Tensor;
      expect([...out.data]).toEqual([...(gm.forward(x) as Tensor).data]);
      return sizes;
    };
    expect(Math.max(...live(true))).toBeLessThanOrEqual(3); // x, the current y, the relu in between
    expect(Math.max(...live(false))).toBe(gm.graph.nodes.length - 1); // everything but the output
  });

  it('set_forward_mode refuses an unknown mode', () => {
    expect(() => fx.set_forward_mode('never' as fx.ForwardMode)).toThrow(/expected 'auto' or 'interpreter'/);
  });
});
