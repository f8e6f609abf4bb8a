/** The crafted graphs of graph_schema_attacks.test.ts: [case, graph JSON, what the error must say]. */
import { nn, type Tensor } from '../../index.js';

export type J = Record<string, unknown>;
export const ref = (name: string): J => ({ $node: name });
export const obj = (o: J): J => ({ $object: o });
export const ph = (name: string, ...def: unknown[]): J => ({
  name,
  op: 'placeholder',
  target: name,
  args: def,
  kwargs: {},
});
export const fn = (name: string, target: string, args: unknown[], kwargs: J = {}): J => ({
  name,
  op: 'call_function',
  target,
  args,
  kwargs,
});
export const meth = (name: string, target: string, args: unknown[], kwargs: J = {}): J => ({
  name,
  op: 'call_method',
  target,
  args,
  kwargs,
});
export const mod = (name: string, target: string, args: unknown[]): J => ({
  name,
  op: 'call_module',
  target,
  args,
  kwargs: {},
});
const attr = (name: string, target: string): J => ({ name, op: 'get_attr', target, args: [], kwargs: {} });
export const out = (a: unknown): J => ({ name: 'output', op: 'output', target: 'output', args: [a], kwargs: {} });
export const graph = (...nodes: J[]): J => ({ format: 'fxq.graph', version: 1, class_name: 'Evil', nodes });

export class Root extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor): Tensor {
    return this.fc.forward(x).relu();
  }
}

/** The issue's exploit: "constructor" + {} → Object → Function, called through `split` on an object literal. */
export const issue_attack = (payload: string): J =>
  graph(
    ph('k', 'constructor'),
    ph('o', obj({})),
    fn('obj', 'getitem', [ref('o'), ref('k')]),
    fn('func', 'getitem', [ref('obj'), ref('k')]),
    meth('f', 'split', [obj({ split: ref('func') }), payload]),
    meth('r', 'split', [obj({ split: ref('f') })]),
    out(ref('r')),
  );

function deep(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}
/** JSON text parsed, so `__proto__` becomes an own key exactly as in a downloaded file. */
const parsed = (text: string): unknown => JSON.parse(text);

export const x_relu = (node: J): J => graph(ph('x'), node, out(ref(node.name as string)));

/** [case name, graph, what the message must contain besides the file] */
export function attack_cases(payload: string): [string, unknown, RegExp][] {
  return [
    ['the issue exploit', issue_attack(payload), /nodes\[1\] \('o'\)\.args\[0\]: an object is not allowed here/],
    [
      'exploit with an array default and node-valued keys',
      graph(ph('k', 'constructor'), ph('o', []), fn('obj', 'getitem', [ref('o'), ref('k')]), out(ref('obj'))),
      /node 'obj' .*getitem index must be an integer constant, got node 'k'/,
    ],
    [
      'getitem with a string key',
      x_relu(fn('c', 'getitem', [ref('x'), 'constructor'])),
      /node 'c' .*getitem index must be an integer constant/,
    ],
    [
      'chained getitem reaching __proto__',
      graph(ph('x'), fn('a', 'getitem', [ref('x'), 0]), fn('b', 'getitem', [ref('a'), '__proto__']), out(ref('b'))),
      /node 'b' .*getitem index must be an integer constant/,
    ],
    ['getitem with a fractional key', x_relu(fn('c', 'getitem', [ref('x'), 0.5])), /node 'c' .*integer constant/],
    ['getitem with a huge key', x_relu(fn('c', 'getitem', [ref('x'), 2 ** 40])), /node 'c' .*integer constant/],
    [
      'getitem on a constant list',
      x_relu(fn('c', 'getitem', [[1, 2], 0])),
      /node 'c' .*getitem needs a graph value as its receiver/,
    ],
    [
      'getitem on a dtype string',
      graph(ph('x'), fn('d', 'getattr', [ref('x'), 'dtype']), fn('c', 'getitem', [ref('d'), 0]), out(ref('c'))),
      /node 'c' .*getitem on 'd', which holds a string value/,
    ],
    [
      'split on an object literal holding a node',
      x_relu(meth('s', 'split', [obj({ split: ref('x') }), payload])),
      /node 's' .*method 'split' needs a graph value as its receiver, got a constant an object/,
    ],
    [
      'a method on a number',
      graph(ph('x'), meth('d', 'dim', [ref('x')]), meth('s', 'add', [ref('d'), 1]), out(ref('s'))),
      /node 's' .*method 'add' on 'd', which holds a number value/,
    ],
    [
      'a method on a shape',
      graph(ph('x'), fn('sh', 'getattr', [ref('x'), 'shape']), meth('s', 'split', [ref('sh'), payload]), out(ref('s'))),
      /node 's' .*method 'split' on 'sh', which holds a shape value/,
    ],
    [
      'a method on a defaulted placeholder',
      graph(ph('k', 'constructor'), meth('s', 'split', [ref('k'), '']), out(ref('s'))),
      /node 's' .*method 'split' on 'k', which holds a constant value/,
    ],
    [
      'getter ndim as a method',
      x_relu(meth('n', 'ndim', [ref('x')])),
      /nodes\[1\] \('n'\): call_method target 'ndim' is not a Tensor method/,
    ],
    ['getter shape as a method', x_relu(meth('n', 'shape', [ref('x')])), /\('n'\): call_method target 'shape' is not/],
    [
      'constructor as a method',
      x_relu(meth('n', 'constructor', [ref('x')])),
      /\('n'\): call_method target 'constructor'/,
    ],
    ['toString as a method', x_relu(meth('n', 'toString', [ref('x')])), /\('n'\): call_method target 'toString'/],
    [
      'Object.prototype method',
      x_relu(meth('n', 'hasOwnProperty', [ref('x'), 'a'])),
      /\('n'\): call_method target 'hasOwnProperty'/,
    ],
    [
      '__defineGetter__',
      x_relu(meth('n', '__defineGetter__', [ref('x')])),
      /\('n'\): call_method target '__defineGetter__'/,
    ],
    ['getattr constructor', x_relu(fn('g', 'getattr', [ref('x'), 'constructor'])), /node 'g' .*getattr may only read/],
    [
      'getattr on a constant',
      x_relu(fn('g', 'getattr', [obj({ shape: 1 }), 'shape'])),
      /node 'g' .*getattr 'shape' needs a graph value/,
    ],
    [
      'placeholder default is a node',
      graph(ph('x'), ph('y', ref('x')), out(ref('y'))),
      /\('y'\)\.args\[0\]: must be a constant/,
    ],
    [
      'placeholder default hides an object in an array',
      graph(ph('y', [1, [obj({ a: 1 })]]), out(ref('y'))),
      /\('y'\)\.args\[0\]\[1\]\[0\]: an object is not allowed/,
    ],
    [
      'placeholder with two defaults',
      graph(ph('y', 1, 2), out(ref('y'))),
      /\('y'\): placeholder takes at most one default/,
    ],
    [
      'kwargs key __proto__',
      parsed(
        JSON.stringify(x_relu(fn('r', 'F.relu', [ref('x')]))).replace(
          '"args":[{"$node":"x"}],"kwargs":{}',
          '"args":[{"$node":"x"}],"kwargs":{"__proto__":{"$object":{}}}',
        ),
      ),
      /\('r'\)\.kwargs: key "__proto__" is not allowed/,
    ],
    [
      'kwargs key constructor',
      x_relu(fn('r', 'F.relu', [ref('x')], { constructor: 1 })),
      /\('r'\)\.kwargs: key "constructor"/,
    ],
    [
      'prototype key deep in an $object',
      x_relu(meth('s', 'sub', [ref('x'), [[obj({ a: obj({ prototype: 1 }) })]]])),
      /\('s'\)\.args\[1\]\[0\]\[0\]\.a: \$object key "prototype" is not allowed/,
    ],
    [
      '__proto__ key in an $object (parsed)',
      parsed(JSON.stringify(x_relu(meth('s', 'sub', [ref('x'), obj({ alpha: 1 })]))).replace('"alpha"', '"__proto__"')),
      /\('s'\)\.args\[1\]: \$object key "__proto__"/,
    ],
    [
      'meta key __proto__',
      parsed(
        JSON.stringify(x_relu({ ...fn('r', 'F.relu', [ref('x')]), meta: { shape: [1] } })).replace(
          '"shape":[1]',
          '"__proto__":{"x":1}',
        ),
      ),
      /nodes\[1\] \('r'\)\.meta: unexpected key "__proto__"/,
    ],
    [
      'tensor_meta with a prototype key',
      x_relu({
        ...fn('r', 'F.relu', [ref('x')]),
        meta: { tensor_meta: { shape: [1], dtype: 'float32', is_quantized: false, prototype: 1 } },
      }),
      /\('r'\)\.meta\.tensor_meta: unexpected key "prototype"/,
    ],
    [
      'top-level __proto__',
      parsed(
        JSON.stringify(x_relu(fn('r', 'F.relu', [ref('x')]))).replace(
          '{"format"',
          '{"__proto__":{"nodes":[]},"format"',
        ),
      ),
      /graph: unexpected key "__proto__"/,
    ],
    [
      'an extra node field',
      x_relu({ ...fn('r', 'F.relu', [ref('x')]), code: payload }),
      /\('r'\): unexpected key "code"/,
    ],
    [
      'constants 10,000 deep',
      x_relu(meth('s', 'sub', [ref('x'), deep(10_000)])),
      /\('s'\)\.args\[1\](\[0\])+: constant nested deeper than 64 levels/,
    ],
    [
      'a 200,000-element array',
      x_relu(meth('s', 'sub', [ref('x'), new Array(200_000).fill(0)])),
      /\('s'\)\.args\[1\]: more than 100000 constant elements/,
    ],
    [
      'a 100 kB string',
      x_relu(meth('s', 'sub', [ref('x'), 'a'.repeat(100_000)])),
      /\('s'\)\.args\[1\]: string of 100000 characters/,
    ],
    [
      'NaN as a function target',
      x_relu(fn('r', 'NaN', [ref('x')])),
      /\('r'\): call_function target 'NaN' is not a registered function/,
    ],
    ['NaN as a node name', x_relu(fn('NaN', 'F.relu', [ref('x')])), /nodes\[1\] \('NaN'\): name "NaN" is not a valid/],
    [
      'zero-width space in a target',
      x_relu(fn('r', 'F.relu\u200b', [ref('x')])),
      /\('r'\): call_function target 'F.relu\u200b'/,
    ],
    [
      'Cyrillic look-alike name',
      x_relu(fn('r\u0445', 'F.relu', [ref('x')])),
      /nodes\[1\] \('r\u0445'\): name .* is not a valid/,
    ],
    [
      'line separator in an $object key',
      x_relu(meth('s', 'sub', [ref('x'), obj({ 'a\u2028b': 1 })])),
      /\('s'\)\.args\[1\]: \$object key .* is not an identifier/s,
    ],
    [
      'duplicate names',
      graph(ph('x'), fn('x', 'F.relu', [ref('x')]), out(ref('x'))),
      /nodes\[1\] \('x'\): duplicate node name 'x'/,
    ],
    [
      'forward reference',
      graph(ph('x'), fn('a', 'F.relu', [ref('b')]), fn('b', 'F.relu', [ref('x')]), out(ref('a'))),
      /nodes\[1\] \('a'\)\.args\[0\]: refers to "b", which is not an earlier node/,
    ],
    [
      'self reference',
      graph(ph('x'), fn('a', 'add', [ref('a'), ref('x')]), out(ref('a'))),
      /\('a'\)\.args\[0\]: refers to "a"/,
    ],
    [
      'bad $number',
      x_relu(meth('s', 'sub', [ref('x'), { $number: '1e999; pwned()' }])),
      /\('s'\)\.args\[1\]: bad \$number/,
    ],
    [
      '$undefined false',
      x_relu(meth('s', 'sub', [ref('x'), { $undefined: 'x' }])),
      /\('s'\)\.args\[1\]: \$undefined must be true/,
    ],
    [
      'unknown tag',
      x_relu(meth('s', 'sub', [ref('x'), { $function: payload }])),
      /\('s'\)\.args\[1\]: unknown tag "\$function"/,
    ],
    [
      'two tags',
      x_relu(meth('s', 'sub', [ref('x'), { $node: 'x', $object: {} }])),
      /\('s'\)\.args\[1\]: an object must be exactly one of/,
    ],
    [
      'get_attr of a method',
      graph(ph('x'), attr('f', 'fc.forward'), out(ref('f'))),
      /node 'f' .*get_attr target 'fc.forward' is not a tensor \(it is a function\)/,
    ],
    [
      'get_attr of a flag',
      graph(ph('x'), attr('t', 'training'), out(ref('t'))),
      /node 't' .*'training' is not a tensor/,
    ],
    [
      'call_module __proto__',
      graph(ph('x'), mod('m', '__proto__.fc', [ref('x')]), out(ref('m'))),
      /\('m'\): call_module target '__proto__.fc' is not a dotted path/,
    ],
    [
      'call_module constructor',
      graph(ph('x'), mod('m', 'fc.constructor', [ref('x')]), out(ref('m'))),
      /\('m'\): call_module target 'fc.constructor'/,
    ],
    [
      'output with another target',
      graph(ph('x'), { ...out(ref('x')), target: 'eval' }),
      /nodes\[1\] \('output'\): output target 'eval' must be 'output'/,
    ],
    [
      'a hole in args',
      x_relu(meth('s', 'sub', Object.assign(new Array(3), { 0: ref('x'), 2: 1 }))),
      /\('s'\)\.args\[1\]: a hole is not a value/,
    ],
    [
      'a function value',
      x_relu(meth('s', 'sub', [ref('x'), () => 1])),
      /\('s'\)\.args\[1\]: a function is not a JSON value/,
    ],
    [
      'a function inside $object',
      x_relu(meth('s', 'sub', [ref('x'), obj({ alpha: () => 1 })])),
      /\('s'\)\.args\[1\]\.alpha: a function is not a JSON value/,
    ],
    ['a Date value', x_relu(meth('s', 'sub', [ref('x'), new Date(0)])), /\('s'\)\.args\[1\]: must be a plain object/],
    [
      'a raw NaN',
      x_relu(meth('s', 'sub', [ref('x'), Number.NaN])),
      /\('s'\)\.args\[1\]: a non-finite number must be written/,
    ],
    [
      'a cat of 5,000 references to one node (amplification: the fuzzer found 100,000 within the element cap)',
      graph(ph('x'), fn('c', 'cat', [new Array(5000).fill(ref('x'))]), out(ref('c'))),
      /\('c'\)\.args\[0\]\[4096\]: more than 4096 node references in one node/,
    ],
    ['not a graph', { format: 'fxq.graph', version: 2, nodes: [] }, /graph: not an fxq graph/],
  ];
}
