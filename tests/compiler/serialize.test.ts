import { describe, expect, it } from 'vitest';
import create_resnet from '../../examples/models/fmnist_resnet.js';
import { F, fx, Generator, nn, randn, type Tensor } from '../../index.js';

class Small extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor): Tensor[] {
    const h = F.relu(this.fc.forward(x));
    return [h.sub(x, { alpha: -0 }).clamp(Number.NEGATIVE_INFINITY, 3), x.index(null, [1, undefined, 2])];
  }
}

function json_of(gm: fx.GraphModule): fx.GraphJson {
  return JSON.parse(JSON.stringify(gm.to_json())) as fx.GraphJson;
}

function bit_equal(a: Tensor, b: Tensor): boolean {
  return a.shape.join() === b.shape.join() && a.data.every((v, i) => Object.is(v, b.data[i]));
}

/** Loads `mutate(json)` against `root` and returns the error message (or '' when it loads). */
function load_error(gm: fx.GraphModule, root: nn.Module, mutate: (j: fx.GraphJson) => void): string {
  const j = json_of(gm);
  mutate(j);
  try {
    fx.GraphModule.from_json(j, root);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('to_json / from_json', () => {
  it('round-trips FmnistResNet: same code, same outputs', () => {
    const model = create_resnet().eval();
    const gm = fx.symbolic_trace(model);
    const back = fx.GraphModule.from_json(json_of(gm), model);
    expect(back.code).toBe(gm.code);
    const x = randn([2, 1, 28, 28], { generator: new Generator(5) });
    expect(bit_equal(back.forward(x) as Tensor, gm.forward(x) as Tensor)).toBe(true);
  });

  it('round-trips constants: -0, infinities, undefined, nested arrays and options objects', () => {
    const model = new Small();
    const gm = fx.symbolic_trace(model);
    const back = fx.GraphModule.from_json(json_of(gm), model);
    expect(back.code).toBe(gm.code);
    expect(gm.code).toContain('const sub = relu.sub(x, { alpha: -0 });');
    expect(gm.code).toContain('const clamp = sub.clamp(-Infinity, 3);');
    expect(gm.code).toContain('const getitem = x.index(null, [1, undefined, 2]);');
    const x = randn([2, 4]);
    const [a, b] = back.forward(x) as Tensor[];
    const [c, d] = model.forward(x);
    expect(bit_equal(a, c) && bit_equal(b, d)).toBe(true);
  });
});

describe('from_json safety', () => {
  const model = new Small();
  const gm = fx.symbolic_trace(model);
  const pwned = () => (globalThis as { pwned?: unknown }).pwned;

  it('rejects node names that are not identifiers before generating code', () => {
    const msg = load_error(gm, model, (j) => {
      j.nodes[1].name = 'fc = globalThis.pwned = 1; const x2';
    });
    expect(msg).toMatch(
      /nodes\[1\] \('fc = globalThis.pwned = 1; const x2'\): name .* is not a valid, non-reserved identifier/,
    );
    expect(msg.length).toBeLessThan(400);
    expect(pwned()).toBeUndefined();
    expect(
      load_error(gm, model, (j) => {
        j.nodes[1].name = 'constructor';
      }),
    ).toMatch(/not a valid, non-reserved/);
    expect(
      load_error(gm, model, (j) => {
        j.nodes[2].name = 'x';
      }),
    ).toMatch(/duplicate node name 'x'/);
  });

  it('rejects targets that do not resolve: functions, methods, module paths, attributes', () => {
    const by_op = (op: string) => (j: fx.GraphJson) => j.nodes.findIndex((n) => n.op === op);
    const cases: [string, (j: fx.GraphJson) => void, RegExp][] = [
      [
        'function',
        (j) => {
          j.nodes[by_op('call_function')(j)].target = 'relu(x); globalThis.pwned = 1; F.relu';
        },
        /'relu\(x\); globalThis.pwned = 1; F.relu' is not a registered function/,
      ],
      [
        'method',
        (j) => {
          j.nodes[by_op('call_method')(j)].target = 'constructor';
        },
        /'constructor' is not a Tensor method/,
      ],
      [
        'method2',
        (j) => {
          j.nodes[by_op('call_method')(j)].target = 'sub(x); pwned(); x.sub';
        },
        /is not a Tensor method/,
      ],
      [
        'module',
        (j) => {
          j.nodes[by_op('call_module')(j)].target = "fc['x'].forward(globalThis.pwned=1)";
        },
        /is not a dotted path/,
      ],
      [
        'module2',
        (j) => {
          j.nodes[by_op('call_module')(j)].target = 'fc2';
        },
        /has no submodule 'fc2'/,
      ],
      [
        'proto',
        (j) => {
          j.nodes[by_op('call_module')(j)].target = '__proto__';
        },
        /is not a dotted path/,
      ],
      [
        'op',
        (j) => {
          (j.nodes[1] as { op: string }).op = 'eval';
        },
        /op "eval" is not one of/,
      ],
    ];
    for (const [name, mutate, re] of cases) expect(load_error(gm, model, mutate), name).toMatch(re);
    expect(pwned()).toBeUndefined();
  });

  it('checks arities and builtin arguments', () => {
    expect(load_error(gm, model, (j) => void j.nodes[1].args.push({ $node: 'x' }))).toMatch(
      /node 'fc' .*Linear.forward takes 1 argument\(s\), the node passes 2/,
    );
    const getattr = fx.symbolic_trace(
      new (class extends nn.Module {
        forward(x: Tensor): Tensor {
          return x.view(x.shape[0], -1);
        }
      })(),
    );
    expect(
      load_error(getattr, getattr, (j) => {
        j.nodes[1].args[1] = 'constructor';
      }),
    ).toMatch(/getattr may only read shape/);
    expect(load_error(getattr, getattr, (j) => void j.nodes[2].args.push(3))).toMatch(
      /getitem takes exactly 2 arguments, got 3/,
    );
    expect(load_error(gm, model, (j) => void j.nodes[j.nodes.length - 1].args.push(1))).toMatch(
      /output takes exactly one argument/,
    );
  });

  it('rejects references to later or unknown nodes and unknown tags', () => {
    expect(
      load_error(gm, model, (j) => {
        j.nodes[1].args[0] = { $node: 'output' };
      }),
    ).toMatch(/nodes\[1\] \('fc'\)\.args\[0\]: refers to "output", which is not an earlier node/);
    expect(
      load_error(gm, model, (j) => {
        j.nodes[1].args[0] = { $code: 'pwned()' };
      }),
    ).toMatch(/unknown tag "\$code"/);
    expect(
      load_error(gm, model, (j) => {
        (j as { format: string }).format = 'x';
      }),
    ).toMatch(/not an fxq graph/);
  });

  it('emits string constants escaped, so they stay data; refuses object keys that are not identifiers', () => {
    const evil = '"); globalThis.pwned = 1; ("';
    const j = json_of(gm);
    const sub = j.nodes.find((n) => n.op === 'call_method' && n.target === 'sub');
    if (!sub) throw new Error('test graph has no sub');
    sub.args[1] = { $object: { [evil]: 1 } };
    expect(() => fx.GraphModule.from_json(j, model)).toThrow(
      /nodes\[3\] \('sub'\)\.args\[1\]: \$object key .* is not an identifier/,
    );
    sub.args[1] = { $object: { alpha: evil } };
    const back = fx.GraphModule.from_json(j, model);
    expect(back.code).toContain(`{ alpha: ${JSON.stringify(evil)} }`);
    back.forward(randn([2, 4]));
    expect(pwned()).toBeUndefined();
  });

  it('refuses to generate code for programmatically corrupted names', () => {
    const g = new fx.Graph();
    const x = g.placeholder('x');
    const r = g.call_function('relu', [x]);
    r.name = 'r; globalThis.pwned = 1';
    g.output(r);
    expect(() => new fx.GraphModule(new nn.Module(), g)).toThrow(
      /codegen: node 'r; globalThis.pwned = 1'.*not a valid, non-reserved identifier/,
    );
    const g2 = new fx.Graph();
    g2.output(g2.call_module('a.b;c', [g2.placeholder('x')]));
    expect(() => new fx.GraphModule({ 'a.b;c': new nn.ReLU() }, g2)).toThrow(/is not a dotted path of identifiers/);
    expect(pwned()).toBeUndefined();
  });
});
