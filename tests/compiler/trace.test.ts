import { describe, expect, it } from 'vitest';
import { add, cat, F, flatten, fx, Generator, nn, quantization, randn, relu, Tensor, tensor } from '../../index.js';

const gen = new Generator(7);
const rnd = (shape: number[]) => randn(shape, { generator: gen });

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (!(a instanceof Tensor) && typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length &&
      ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  const ta = a as Tensor;
  const tb = b as Tensor;
  return (
    ta.shape.length === tb.shape.length &&
    ta.shape.every((d, i) => d === tb.shape[i]) &&
    ta.data.every((v, i) => Object.is(v, tb.data[i]))
  );
}

/** Traces, then checks the GraphModule equals eager bit for bit on 3 random inputs. */
function check(model: nn.Module, shapes: number[][], concrete?: Record<string, unknown>): fx.GraphModule {
  model.eval();
  const gm = fx.symbolic_trace(model, concrete);
  fx.lint(gm.graph, gm);
  for (let k = 0; k < 3; k++) {
    const xs = shapes.map(rnd);
    const eager = concrete ? model.call(...xs, ...Object.values(concrete)) : model.call(...xs);
    expect(same(gm.forward(...xs), eager)).toBe(true);
  }
  return gm;
}

class Inner extends nn.Module {
  fc = new nn.Linear(8, 8);
  scale = randn([8], { generator: new Generator(1) });
  forward(x: Tensor): Tensor {
    return F.relu(add(this.fc.forward(x), this.scale));
  }
}
class Outer extends nn.Module {
  a = new Inner();
  b = new Inner();
  forward(x: Tensor): Tensor {
    return this.b.forward(this.a.forward(x)).mul(0.5);
  }
}

describe('symbolic_trace', () => {
  it('traces functional calls, tensor methods and cat/flatten', () => {
    class M extends nn.Module {
      conv = new nn.Conv2d(2, 4, 3, { padding: 1 });
      forward(x: Tensor): Tensor {
        const y = relu(this.conv.forward(x));
        const z = cat([y, x.abs()], 1);
        return flatten(z, 1)
          .add(1)
          .view(-1, 6 * 5 * 5);
      }
    }
    const gm = check(new M(), [[2, 2, 5, 5]]);
    expect(gm.graph.nodes.map((n) => `${n.op}:${n.target}`)).toEqual([
      'placeholder:x',
      'call_module:conv',
      'call_function:relu',
      'call_method:abs',
      'call_function:cat',
      'call_function:flatten',
      'call_method:add',
      'call_method:view',
      'output:output',
    ]);
    expect(gm.code).toContain('const conv = this.conv.forward(x);');
    expect(gm.code).toContain('const cat = fxq.cat([relu, abs], 1);');
  });

  it('traces through nested custom modules and reads their tensors as get_attr', () => {
    const gm = check(new Outer(), [[3, 8]]);
    const ops = gm.graph.nodes.map((n) => `${n.op}:${n.target}`);
    expect(ops).toContain('call_module:a.fc');
    expect(ops).toContain('get_attr:b.scale');
    expect(ops).toContain('call_function:F.relu');
    expect(gm.code).toContain('const a_fc = this.a.fc.forward(x);');
    expect(gm.code).toContain('const relu = F.relu(add);');
    // the GraphModule owns the submodules by qualified name
    expect([...gm.named_modules()].map(([p]) => p)).toEqual(['', 'a', 'a.fc', 'b', 'b.fc']);
    expect(Object.keys(gm.state_dict()).sort()).toEqual(['a.fc.bias', 'a.fc.weight', 'b.fc.bias', 'b.fc.weight']);
  });

  it('records a non-traceable module as call_module, by class or by qualified name', () => {
    const by_class = fx.symbolic_trace(new Outer(), undefined, { leaf_modules: [Inner] });
    expect(by_class.graph.nodes.map((n) => n.name)).toEqual(['x', 'a', 'b', 'mul', 'output']);
    const by_name = fx.symbolic_trace(new Outer(), undefined, { leaf_modules: ['b'] });
    expect(by_name.graph.find_nodes({ op: 'call_module' }).map((n) => n.target)).toEqual(['a.fc', 'b']);
    const m = new Outer();
    const x = rnd([2, 8]);
    expect(same(fx.symbolic_trace(m, undefined, { leaf_modules: ['b'] }).forward(x), m.forward(x))).toBe(true);
  });

  it('treats observers as leaves: their forward records statistics from concrete values', () => {
    class Observed extends nn.Module {
      obs = new quantization.MinMaxObserver();
      forward(x: Tensor): Tensor {
        return (this.obs.forward(x) as Tensor).relu();
      }
    }
    const m = new Observed();
    const gm = fx.symbolic_trace(m);
    expect(gm.graph.nodes.map((n) => `${n.op}:${n.target}`)).toEqual([
      'placeholder:x',
      'call_module:obs',
      'call_method:relu',
      'output:output',
    ]);
    gm.forward(tensor([-2, 5]));
    expect(gm.get_submodule('obs')).toBe(m.obs); // shared, so calibration through gm updates the model's observer
  });

  it('honours an is_leaf_module override', () => {
    class MyTracer extends fx.Tracer {
      is_leaf_module(m: nn.Module, name: string): boolean {
        return name === 'a' || super.is_leaf_module(m, name);
      }
    }
    const g = new MyTracer().trace(new Outer());
    expect(g.find_nodes({ op: 'call_module' }).map((n) => n.target)).toEqual(['a', 'b.fc']);
  });

  it('bakes concrete_args into the graph', () => {
    class Flag extends nn.Module {
      fc = new nn.Linear(4, 4);
      forward(x: Tensor, use_relu: boolean): Tensor {
        const y = this.fc.forward(x);
        if (use_relu) return relu(y);
        return y.neg();
      }
    }
    const gm = check(new Flag(), [[2, 4]], { use_relu: false });
    expect(gm.graph.nodes.map((n) => n.name)).toEqual(['x', 'fc', 'neg', 'output']);
    expect(() => fx.symbolic_trace(new Flag(), { nope: 1 })).toThrow(/no parameter 'nope' \(it has x, use_relu\)/);
  });

  it('handles multiple inputs, array/object outputs, shape reads and destructuring', () => {
    class Multi extends nn.Module {
      lstm = new nn.LSTM(4, 6, { batch_first: true });
      forward(x: Tensor, y: Tensor): { out: Tensor; pair: Tensor[] } {
        const [n] = x.shape;
        const [seq, state] = this.lstm.forward(x.reshape(n, 3, 4)) as unknown as [Tensor, Tensor[]];
        const h = state[0];
        return { out: seq.index(null, -1, null), pair: [h.squeeze(0), y.sub(x, { alpha: 2 })] };
      }
    }
    const gm = check(new Multi(), [
      [2, 12],
      [2, 12],
    ]);
    // torch.fx names: `getattr` is a Python builtin (getattr_1); x[...] (Tensor.index) is a getitem
    expect(gm.code).toContain('const getitem = getattr_1[0];');
    expect(gm.code).toContain('const sub = y.sub(x, { alpha: 2 });');
    expect(gm.code).toMatch(/return \{ out: getitem_4, pair: \[squeeze, sub\] \};/);
  });

  it('stores tensors created during tracing as constants', () => {
    class C extends nn.Module {
      forward(x: Tensor): Tensor {
        return add(x, randn([3], { generator: new Generator(3) }));
      }
    }
    const m = new C();
    const gm = fx.symbolic_trace(m);
    expect(gm.graph.find_nodes({ op: 'get_attr' }).map((n) => n.target)).toEqual(['_tensor_constant0']);
    const x = rnd([2, 3]);
    const expect_out = add(x, randn([3], { generator: new Generator(3) }));
    expect(same(gm.forward(x), expect_out)).toBe(true);
    expect(Object.keys(gm.state_dict())).toEqual([]); // constants are non-persistent buffers
  });

  it('retraces a GraphModule to the same graph', () => {
    const gm = fx.symbolic_trace(new Outer());
    const again = fx.symbolic_trace(gm);
    expect(again.code).toBe(gm.code.replace("Outer's", "Outer's"));
    expect(again.graph.toString()).toBe(gm.graph.toString());
  });

  it('restores the model after tracing, even when tracing fails', () => {
    const m = new Outer();
    const before = Object.getOwnPropertyDescriptor(m.a, 'scale');
    fx.symbolic_trace(m);
    expect(Object.hasOwn(m.a, 'forward')).toBe(false);
    expect(Object.getOwnPropertyDescriptor(m.a, 'scale')).toEqual(before);
    expect(Object.keys(m.a)).toEqual(Object.keys(new Inner()));
  });
});

describe('TraceError', () => {
  class Gate extends nn.Module {
    forward(x: Tensor): Tensor {
      if (x.sum().item() > 0) return x;
      return x.neg();
    }
  }
  class Block extends nn.Module {
    gate = new Gate();
    fc = new nn.Linear(4, 4);
    forward(x: Tensor): Tensor {
      return this.gate.forward(this.fc.forward(x));
    }
  }
  class Net extends nn.Module {
    layer1 = new Block();
    forward(x: Tensor): Tensor {
      return this.layer1.forward(x);
    }
  }

  it('names the module path, the operation and the fix for data-dependent control flow', () => {
    expect(() => fx.symbolic_trace(new Net())).toThrow(fx.TraceError);
    expect(() => fx.symbolic_trace(new Net())).toThrow(
      /in module 'layer1\.gate' \(Gate\): calling \.item\(\) on traced value 'sum'.*mark 'layer1\.gate' as a leaf module/,
    );
    // the fix it suggests works
    const gm = fx.symbolic_trace(new Net(), undefined, { leaf_modules: ['layer1.gate'] });
    expect(gm.graph.find_nodes({ op: 'call_module' }).map((n) => n.target)).toEqual(['layer1.fc', 'layer1.gate']);
  });

  it('catches comparisons, Number(), template strings, .data and unbounded loops', () => {
    const cases: [string, (x: Tensor) => unknown, RegExp][] = [
      ['compare', (x) => (x as unknown as number) > 0, /as a primitive in control flow/],
      ['Number', (x) => Number(x), /as a primitive in control flow/],
      ['template', (x) => `${x}`, /as a string/],
      ['data', (x) => x.data[0], /reading \.data of traced value 'x'/],
      ['length', (x) => x.shape.length, /reading \.length of traced value 'getattr_1'/],
      ['loop', (x) => [...(x as unknown as Iterable<Tensor>)], /iterating over traced value 'x' of unknown length/],
    ];
    for (const [name, body, re] of cases) {
      class Bad extends nn.Module {
        forward(x: Tensor): unknown {
          return body(x);
        }
      }
      expect(() => fx.symbolic_trace(new Bad()), name).toThrow(re);
      expect(() => fx.symbolic_trace(new Bad()), name).toThrow(/in the root module \(Bad\)/);
    }
  });
});
