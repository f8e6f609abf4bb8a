/**
 * Crafted graph JSON, as an attacker would write a model file: every case must be refused by
 * GraphModule.from_json with an Error naming the node (and the file, given as `source`), before
 * any code is generated, and the canaries (a global, a file) stay untouched.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cat, fx, nn, randn, type Tensor } from '../../index.js';
import {
  attack_cases,
  fn,
  graph,
  issue_attack,
  meth,
  mod,
  out,
  ph,
  Root,
  ref,
  x_relu,
} from './graph_schema_attack_cases.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-graph-attacks-'));
const canary_file = join(dir, 'pwned.txt');
const CANARY = '__fxq_graph_canary';
/** What every payload tries: set a global and write a file. */
const payload = `globalThis.${CANARY} = 1; process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(canary_file)}, 'pwned');`;
const canary_untouched = (): boolean => !(CANARY in globalThis) && !existsSync(canary_file);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const root = new Root();
const CASES = attack_cases(payload);

function refusal(json: unknown, source?: string): Error {
  try {
    fx.GraphModule.from_json(json, root, source ? { source } : {});
  } catch (e) {
    return e as Error;
  }
  throw new Error('the crafted graph loaded');
}

describe('graph schema: crafted graphs are refused before code is generated', () => {
  it('the payload itself works when run directly (the canary can fail)', () => {
    const probe = join(dir, 'probe.txt');
    new Function(payload.replaceAll(CANARY, `${CANARY}_probe`).replace(canary_file, probe))();
    expect((globalThis as Record<string, unknown>)[`${CANARY}_probe`]).toBe(1);
    expect(readFileSync(probe, 'utf8')).toBe('pwned');
    delete (globalThis as Record<string, unknown>)[`${CANARY}_probe`];
  });

  it(`refuses ${CASES.length} crafted graphs, naming the file and the node`, () => {
    expect(new Set(CASES.map((c) => c[0])).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(50);
    for (const [name, json, re] of CASES) {
      const e = refusal(json, 'models/evil.json');
      expect(e, name).toBeInstanceOf(Error);
      expect(e.name, `${name}: ${e.message}`).toMatch(/^Graph(Json|Lint)Error$/);
      expect(e.message, name).toMatch(/^models\/evil\.json: /);
      expect(e.message, name).toMatch(re);
      expect(e.message.length, name).toBeLessThan(2000);
    }
    expect(canary_untouched()).toBe(true);
  });

  it('reads a crafted file and names it', () => {
    const path = join(dir, 'issue_attack.json');
    writeFileSync(path, JSON.stringify(issue_attack(payload)));
    const e = refusal(JSON.parse(readFileSync(path, 'utf8')), path);
    expect(e.message).toContain(`${path}: nodes[1] ('o').args[0]`);
    expect(canary_untouched()).toBe(true);
  });

  it('never runs a getter of a crafted object', () => {
    let read = false;
    const node = meth('s', 'sub', [ref('x'), 1]);
    Object.defineProperty(node, 'target', {
      enumerable: true,
      get: () => {
        read = true;
        return 'sub';
      },
    });
    expect(refusal(x_relu(node)).message).toMatch(/\('s'\): key 'target' is an accessor/);
    expect(read).toBe(false);
  });

  it('still loads the legitimate form of each construct', () => {
    const ok = graph(
      ph('x'),
      fn('sh', 'getattr', [ref('x'), 'shape']),
      fn('n', 'getitem', [ref('sh'), 0]),
      meth('v', 'view', [ref('x'), ref('n'), -1]),
      mod('fc', 'fc', [ref('v')]),
      meth('s', 'sub', [ref('fc'), ref('x')], { alpha: 2 }),
      meth('c', 'chunk', [ref('s'), 2, 1]),
      fn('c0', 'getitem', [ref('c'), 0]),
      fn('c1', 'getitem', [ref('c'), -1]),
      fn('cat', 'cat', [[ref('c0'), ref('c1')], 1]),
      meth('cl', 'clamp', [ref('cat'), { $number: '-Infinity' }, 3]),
      out(ref('cl')),
    );
    const gm = fx.GraphModule.from_json(ok, root);
    const x = randn([2, 4]);
    const h = root.fc.forward(x).sub(x, { alpha: 2 });
    const [a, b] = h.chunk(2, 1);
    const want = cat([a, b], 1).clamp(Number.NEGATIVE_INFINITY, 3);
    expect([...(gm.forward(x) as Tensor).data]).toEqual([...want.data]);
    expect(gm.code).toContain('const c1 = c.at(-1);');
  });
});

describe('lint applies the same rules to graphs built in code', () => {
  it('refuses a method on an object literal, a node-valued getitem key and a getter method', () => {
    const g = new fx.Graph();
    const x = g.placeholder('x');
    const s = g.call_method('split', [{ split: x }, payload]);
    const k = g.call_method('dim', [x]);
    const i = g.call_function('getitem', [x, k]);
    const n = g.create_node('call_method', 'ndim', [x]);
    g.output([s, i, n]);
    const msg = (() => {
      try {
        g.lint();
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(msg).toMatch(/node 'split' .*method 'split' needs a graph value as its receiver/);
    expect(msg).toMatch(/node 'getitem' .*getitem index must be an integer constant, got node 'dim'/);
    expect(msg).toMatch(/node 'ndim' .*'ndim' is not a Tensor method/);
    expect(() => new fx.GraphModule(new nn.Module(), g)).toThrow(/codegen: node 'split'.*not a constant/);
    expect(canary_untouched()).toBe(true);
  });

  it('refuses the issue exploit built with the Graph API, and codegen refuses it too', () => {
    const g = new fx.Graph();
    const k = g.placeholder('k', 'constructor');
    const o = g.placeholder('o', {});
    const ob = g.call_function('getitem', [o, k]);
    const func = g.call_function('getitem', [ob, k]);
    const f = g.call_method('split', [{ split: func }, payload]);
    g.output(g.call_method('split', [{ split: f }]));
    expect(() => g.lint()).toThrow(/node 'o' .*args\[0\]: an object is not allowed here/);
    expect(() => g.lint()).toThrow(/node 'getitem' .*getitem index must be an integer constant, got node 'k'/);
    expect(() => g.lint()).toThrow(/node 'split' .*method 'split' needs a graph value as its receiver/);
    expect(() => new fx.GraphModule(new nn.Module(), g)).toThrow(/codegen: node 'getitem'/);
    expect(canary_untouched()).toBe(true);
  });

  it('codegen refuses prototype keys and deep constants even in a graph lint never saw', () => {
    const g = new fx.Graph();
    const x = g.placeholder('x');
    g.output(g.call_method('sub', [x, JSON.parse('{"__proto__": {"alpha": 1}}')]));
    expect(() => new fx.GraphModule(new nn.Module(), g)).toThrow(
      /codegen: node 'sub' .*object key "__proto__" is not allowed/,
    );
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const g2 = new fx.Graph();
    g2.output(g2.call_method('sub', [g2.placeholder('x'), deep as never]));
    expect(() => new fx.GraphModule(new nn.Module(), g2)).toThrow(/codegen: node 'sub' .*nested deeper than 64 levels/);
  });

  it('is_tensor_method tells methods from getters without running them', () => {
    for (const getter of ['ndim', 'shape', 'data', 'is_quantized', 'is_leaf'])
      expect(fx.is_tensor_method(getter)).toBe(false);
    for (const m of ['relu', 'view', 'split', 'dequantize', 'size']) expect(fx.is_tensor_method(m)).toBe(true);
    for (const m of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__proto__'])
      expect(fx.is_tensor_method(m)).toBe(false);
  });
});
