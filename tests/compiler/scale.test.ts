import { describe, expect, it } from 'vitest';
import { fx, randn, type Tensor } from '../../index.js';

describe('scale', () => {
  // The < 1 s figure is measured by `npm run bench -- compiler`; this test guards against blow-ups
  // (a quadratic pass) with a bound loose enough for a loaded CI machine.
  it('traces and recompiles a 1,000-node model without blowing up', () => {
    const model = new fx.SyntheticChain(1000);
    // warm up on a small model, as a long-running process would be (ts-morph's one-time import included)
    void fx.symbolic_trace(new fx.SyntheticChain(50)).code;
    const t0 = performance.now();
    const gm = fx.symbolic_trace(model); // traces and compiles the forward once
    gm.recompile();
    const t1 = performance.now();
    void gm.code; // the TypeScript source, rendered with ts-morph
    const t2 = performance.now();
    expect(gm.graph.length).toBe(1000);
    expect(t1 - t0).toBeLessThan(10_000);
    expect(t2 - t0).toBeLessThan(15_000);
    const x = randn([2, 8]);
    const a = gm.forward(x) as Tensor;
    const b = model.forward(x);
    expect(a.data.every((v, i) => Object.is(v, b.data[i]))).toBe(true);
    // every node got its own statement; names stay unique and readable
    const body = gm.code.slice(gm.code.indexOf('export function forward'));
    expect(body.split('\n').filter((l) => l.trim().startsWith('const '))).toHaveLength(998);
    expect(body).toContain('const layers_249 = this.layers[249].forward(');
  });
});
