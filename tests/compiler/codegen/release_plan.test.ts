/**
 * Activation reuse in compiled forwards (compiler/codegen/release_plan.ts + runtime/tensor/buffer_pool.ts):
 * bit-identical to fresh memory, never reusing storage anything can still reach.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { returns_new_storage, STORAGE_FUNCTIONS, STORAGE_METHODS } from '../../../compiler/codegen/release_plan.js';
import { convert_fx, fuse_fx, prepare_fx } from '../../../compiler/quantize_fx.js';
import create_resnet from '../../../examples/models/fmnist_resnet.js';
import * as fxq from '../../../index.js';
import { enable_grad, fx, Generator, nn, no_grad, quantization, randn, type Tensor } from '../../../index.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { type BufferPool, set_buffer_reuse } from '../../../runtime/tensor/buffer_pool.js';
import { has_method, lookup_function } from '../../../runtime/tensor/dispatch.js';

const pool_of = (gm: fx.GraphModule) => (gm as unknown as { _pool: BufferPool | null })._pool;
const releases = (gm: fx.GraphModule) =>
  ((gm as unknown as { _compiled: { source: string } })._compiled.source.match(/__fxq_release\(/g) ?? []).length;
const bits = (t: Tensor) => [...t.data];
const released = (gm: fx.GraphModule) =>
  [...(gm as unknown as { _compiled: { source: string } })._compiled.source.matchAll(/__fxq_release\((\w+),/g)].map(
    (m) => m[1],
  );

const BACKENDS = ['js', 'wasm'] as const;
let prev: (typeof BACKENDS)[number] = 'js';
beforeAll(() => {
  prev = get_backend().name as typeof prev;
  load_wasm_backend();
});
afterAll(() => {
  set_backend(prev);
  set_buffer_reuse(true);
});

function models(): [string, fx.GraphModule][] {
  const g = new Generator().manual_seed(7);
  const model = create_resnet().eval();
  const fp32 = fx.symbolic_trace(model);
  const prepared = prepare_fx(model, { '': quantization.get_default_qconfig('qnnpack') }, [randn([1, 1, 28, 28])]);
  no_grad(() => {
    for (let i = 0; i < 3; i++) prepared.call(randn([4, 1, 28, 28], { generator: g }));
  });
  class Mlp extends nn.Module {
    // per image row, wide enough that the int8 activations pass the pool's size floor
    fc1 = new nn.Linear(28, 1024);
    relu = new nn.ReLU();
    fc2 = new nn.Linear(1024, 1024);
    relu2 = new nn.ReLU();
    fc3 = new nn.Linear(1024, 10);
    forward(x: Tensor): Tensor {
      return this.fc3.forward(
        this.relu2.forward(this.fc2.forward(this.relu.forward(this.fc1.forward(x.flatten(1, 2))))),
      );
    }
  }
  const mlp = new Mlp().eval();
  const mlp_prepared = prepare_fx(mlp, { '': quantization.get_default_qconfig('qnnpack') }, [randn([1, 1, 28, 28])]);
  no_grad(() => mlp_prepared.call(randn([4, 1, 28, 28], { generator: g })));
  return [
    ['mlp fused', fuse_fx(mlp)],
    ['mlp int8', convert_fx(mlp_prepared)],
    ['fp32', fp32],
    ['fused', fuse_fx(model)],
    ['int8', convert_fx(prepared)],
  ];
}

describe.each(BACKENDS)('activation reuse on %s', (backend) => {
  it('gives the same bits as fresh memory, batch sizes changing, and never touches returned outputs', () => {
    set_backend(backend);
    const g = new Generator().manual_seed(11);
    for (const [kind, gm] of models()) {
      expect(releases(gm), kind).toBeGreaterThan(kind.startsWith('mlp') ? 0 : 5);
      const kept: [Tensor, number[]][] = [];
      for (const b of [2, 5, 2, 2, 1, 5]) {
        const x = randn([b, 1, 28, 28], { generator: g });
        set_buffer_reuse(false);
        const fresh = bits(no_grad(() => gm.call(x)) as Tensor);
        set_buffer_reuse(true);
        const out = no_grad(() => gm.call(x)) as Tensor;
        expect(bits(out), `${kind} batch ${b}`).toEqual(fresh);
        kept.push([out, fresh]);
      }
      // the outputs handed out earlier were never reused as storage
      for (const [out, fresh] of kept) expect(bits(out), kind).toEqual(fresh);
      if (backend === 'wasm') expect(pool_of(gm)?.size, kind).toBeGreaterThan(0);
    }
  });
});

describe('what is never released', () => {
  beforeAll(() => set_backend('wasm'));

  it('nothing while autograd records (the tape holds the inputs)', () => {
    const gm = (models().find(([kind]) => kind === 'fp32') as [string, fx.GraphModule])[1];
    const pool = pool_of(gm) as BufferPool;
    let given = 0;
    const give = pool.give.bind(pool);
    pool.give = (a) => {
      given++;
      give(a);
    };
    const x = randn([2, 1, 28, 28]);
    const want = bits(no_grad(() => gm.call(x)) as Tensor);
    expect(given).toBeGreaterThan(0); // the spy sees releases when they may happen
    given = 0;
    for (let i = 0; i < 2; i++) expect(bits(enable_grad(() => gm.call(x)) as Tensor)).toEqual(want);
    expect(given).toBe(0);
  });

  it('a value a view, a patched module or the output reads', () => {
    class Net extends nn.Module {
      conv1 = new nn.Conv2d(1, 4, 3, { padding: 1 });
      relu = new nn.ReLU();
      conv2 = new nn.Conv2d(4, 4, 3, { padding: 1 });
      forward(x: Tensor): Tensor[] {
        const b = this.conv2.forward(this.relu.forward(this.conv1.forward(x)));
        const c = this.conv2.forward(b);
        return [c.add(b).flatten(1), b];
      }
    }
    const net = new Net().eval();
    net.relu.forward = (t: Tensor) => t; // returns its input: neither conv1's output nor its own is released
    const gm = fx.symbolic_trace(net);
    // conv1: read by the patched relu; relu: patched; conv2 (b): read by the output; add: read by a view
    expect(released(gm)).toEqual(['conv2_1']);
    const x = randn([2, 1, 5, 5]);
    const want = no_grad(() => net.forward(x)).map(bits);
    for (let i = 0; i < 3; i++) expect((no_grad(() => gm.call(x)) as Tensor[]).map(bits)).toEqual(want);
  });

  it('after a relied-on submodule is replaced without a recompile', () => {
    const gm = fx.symbolic_trace(create_resnet().eval());
    const x = randn([2, 1, 28, 28]);
    no_grad(() => gm.call(x));
    const size = pool_of(gm)?.size ?? 0;
    expect(size).toBeGreaterThan(0);
    const kept: Tensor[] = [];
    const relu = (gm as unknown as { layer1: { relu1: nn.Module } }).layer1;
    relu.relu1 = new (class Keep extends nn.Module {
      forward(t: Tensor): Tensor {
        kept.push(t);
        return t.relu();
      }
    })();
    const snapshot = () => kept.map(bits);
    no_grad(() => gm.call(x));
    const seen = snapshot();
    no_grad(() => gm.call(randn([2, 1, 28, 28])));
    expect(kept.slice(0, seen.length).map(bits)).toEqual(seen);
  });
});

it('nothing after a child of a fused module is replaced without a recompile', () => {
  set_backend('wasm');
  const gm = fuse_fx(create_resnet().eval());
  const x = randn([2, 1, 28, 28]);
  no_grad(() => gm.call(x));
  const fused = gm.get_submodule('layer1.conv1') as nn.Module & Record<string, nn.Module>;
  expect(fused.constructor.name).toBe('ConvReLU2d');
  const kept: Tensor[] = [];
  const conv = fused['0'] as nn.Module & { forward(t: Tensor): Tensor };
  fused['0'] = new (class Keep extends nn.Module {
    forward(t: Tensor): Tensor {
      kept.push(t);
      return conv.forward(t);
    }
  })();
  no_grad(() => gm.call(x));
  const seen = kept.map(bits);
  no_grad(() => gm.call(randn([2, 1, 28, 28])));
  expect(kept.slice(0, seen.length).map(bits)).toEqual(seen);
});

describe('the ops a plan relies on return new storage', () => {
  const g = new Generator().manual_seed(3);
  const x4 = () => randn([1, 4, 3, 3], { generator: g });
  // each float class at a shape where handing back the input would be possible (1×1 windows, same-size pools)
  const float_cases: [nn.Module, string][] = [
    [new nn.Conv2d(4, 4, 1), 'Conv2d'],
    [new nn.Linear(3, 3), 'Linear'],
    [new nn.BatchNorm2d(4), 'BatchNorm2d'],
    [new nn.ReLU({ inplace: true }), 'ReLU'],
    [new nn.ReLU6({ inplace: true }), 'ReLU6'],
    [new nn.MaxPool2d(1), 'MaxPool2d'],
    [new nn.AvgPool2d(1), 'AvgPool2d'],
    [new nn.AdaptiveAvgPool2d([3, 3]), 'AdaptiveAvgPool2d'],
  ];

  it.each(float_cases.map(([m, name]) => [name, m] as const))('nn.%s', (name, m) => {
    expect(returns_new_storage(m), name).toBe(true);
    for (const backend of BACKENDS) {
      set_backend(backend);
      const x = x4();
      const y = no_grad(() => (m.eval() as nn.Module & { forward(t: Tensor): Tensor }).forward(x));
      expect(y.data.buffer, `${name} on ${backend}`).not.toBe(x.data.buffer);
    }
  });

  it('every class declaring it is a float case above or a fused / quantized class the models above run', () => {
    const declaring = new Set<unknown>();
    const seen = new Set<unknown>();
    const walk = (o: unknown, depth: number) => {
      if (depth > 4 || o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) return;
      seen.add(o);
      if (typeof o === 'function' && Object.hasOwn(o, 'returns_new_storage')) declaring.add(o);
      if (typeof o === 'object') for (const v of Object.values(o)) walk(v, depth + 1);
    };
    walk(fxq, 0);
    expect(declaring.size).toBeGreaterThanOrEqual(14);
    const covered = new Set<unknown>(float_cases.map(([m]) => m.constructor));
    for (const [, gm] of models()) for (const m of gm.modules()) covered.add(m.constructor);
    for (const cls of declaring) expect(covered.has(cls), (cls as { name: string }).name).toBe(true);
  });

  it.each([...STORAGE_FUNCTIONS].map((f) => [f]))('function %s is registered', (name) => {
    expect(lookup_function(name), name).toBeDefined();
  });

  it.each([...STORAGE_METHODS].map((f) => [f]))('method %s', (name) => {
    expect(has_method(name), name).toBe(true);
    for (const backend of BACKENDS) {
      set_backend(backend);
      const x = x4();
      const y = (x as unknown as Record<string, (...a: unknown[]) => Tensor>)[name](...(name === 'relu' ? [] : [0]));
      expect(y.data.buffer, `${name} on ${backend}`).not.toBe(x.data.buffer);
    }
  });
});
