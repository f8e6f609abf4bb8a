/**
 * Crafted quantized-model files for the artifact tests and scripts/artifact_crafted_cli.ts: a tiny valid
 * int8 model, and mutations of it as an attacker would write them. Each case is [name, file bytes, what the
 * error must say besides the file name].
 */

import { serialize_quantized } from '../../compiler/artifact/quantized_artifact.js';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { parse_safetensors, serialize_safetensors } from '../../runtime/io/safetensors.js';
import { ReLU } from '../../runtime/nn/layers/activation.js';
import { Conv2d } from '../../runtime/nn/layers/conv.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { Module } from '../../runtime/nn/module.js';
import { get_default_qconfig } from '../../runtime/quant/qconfig.js';
import { manual_seed, randn } from '../../runtime/tensor/index.js';
import { Tensor } from '../../runtime/tensor/tensor.js';

class Tiny extends Module {
  conv = new Conv2d(1, 4, 3, { padding: 1 });
  relu = new ReLU();
  fc = new Linear(64, 3);
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.relu.forward(this.conv.forward(x)).flatten(1));
  }
}

/** The tiny model's input: [2, 1, 4, 4]. */
export function tiny_input(): Tensor {
  manual_seed(7);
  return randn([2, 1, 4, 4]);
}

/** A converted int8 Conv → ReLU → Linear; `seed` varies its weights (atomicity tests need two models). */
export function tiny_model(seed = 0): GraphModule {
  manual_seed(seed);
  const p = prepare_fx(new Tiny().eval(), { '': get_default_qconfig('qnnpack') }, [tiny_input()]);
  for (let i = 0; i < 3; i++) p.forward(randn([2, 1, 4, 4]));
  return convert_fx(p);
}

type J = Record<string, unknown>;
type Man = J & { modules: J[]; root_buffers: unknown[]; graph: J };
interface Parts {
  man: Man;
  tensors: Record<string, Tensor>;
  meta: Record<string, string>;
}

function parts_of(bytes: Uint8Array): Parts {
  const { tensors, metadata } = parse_safetensors(bytes);
  const meta = { ...(metadata as Record<string, string>) };
  return { man: JSON.parse(meta.manifest), tensors: { ...tensors }, meta };
}
function build(p: Parts): Uint8Array {
  return serialize_safetensors(p.tensors, {
    ...p.meta,
    manifest: p.man === undefined ? p.meta.manifest : JSON.stringify(p.man),
  });
}
/** A header whose JSON text is `edit(text)` over the same data section (for keys JSON builders refuse). */
function with_header_text(bytes: Uint8Array, edit: (text: string) => string): Uint8Array {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + len)).trimEnd();
  const head = new TextEncoder().encode(edit(text));
  const out = new Uint8Array(8 + head.length + bytes.length - 8 - len);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(bytes.subarray(8 + len), 8 + head.length);
  return out;
}
const entry = (p: Parts, path: string): J => p.man.modules.find((m) => m.path === path) as J;
const f32 = (...v: number[]) => new Tensor(Float32Array.from(v), [v.length], 'float32');
const i64 = (...v: number[]) => new Tensor(Float64Array.from(v), [v.length], 'int64');
const scalar_f32 = (v: number) => new Tensor(Float32Array.of(v), [], 'float32');
const scalar_i64 = (v: number) => new Tensor(Float64Array.of(v), [], 'int64');

/**
 * The exploit spliced into a real model's graph (so every module and weight still checks out):
 * placeholders defaulting to "constructor" and {}, getitem → Object → Function, called through `split`.
 */
export function exploit_graph(graph: J, payload: string): J {
  const n = (name: string, op: string, target: string, args: unknown[]) => ({ name, op, target, args, kwargs: {} });
  const ref = (name: string) => ({ $node: name });
  const nodes = graph.nodes as J[];
  const ph = nodes.filter((x) => x.op === 'placeholder');
  const rest = nodes.filter((x) => x.op !== 'placeholder');
  const attack = [
    n('k', 'placeholder', 'k', ['constructor']),
    n('o', 'placeholder', 'o', [{ $object: {} }]),
    n('obj', 'call_function', 'getitem', [ref('o'), ref('k')]),
    n('func', 'call_function', 'getitem', [ref('obj'), ref('k')]),
    n('f', 'call_method', 'split', [{ $object: { split: ref('func') } }, payload]),
    n('r', 'call_method', 'split', [{ $object: { split: ref('f') } }]),
  ];
  return { ...graph, nodes: [...ph, ...attack, ...rest] };
}

/** A ~1 KB file whose manifest asks for an nn.Linear(20000, 20000) (1.49 GiB of float32) and holds no tensor. */
export function amplification_file(): Uint8Array {
  const ref = (name: string) => ({ $node: name });
  const man = {
    format: 'fxq.quantized',
    version: 2,
    class_name: 'Big',
    graph: {
      format: 'fxq.graph',
      version: 1,
      class_name: 'Big',
      nodes: [
        { name: 'x', op: 'placeholder', target: 'x', args: [], kwargs: {} },
        { name: 'big', op: 'call_module', target: 'big', args: [ref('x')], kwargs: {} },
        { name: 'output', op: 'output', target: 'output', args: [ref('big')], kwargs: {} },
      ],
    },
    modules: [{ path: 'big', type: 'nn.Linear', args: [20000, 20000, { bias: true }] }],
    root_buffers: [],
  };
  return serialize_safetensors({}, { format: 'fxq.quantized', version: '2', manifest: JSON.stringify(man) });
}

/** [name, bytes, message pattern] for every crafted file; `payload` is JavaScript the exploit would run. */
export function crafted_cases(base: Uint8Array, payload: string): [string, Uint8Array, RegExp][] {
  const m = (f: (p: Parts) => void): Uint8Array => {
    const p = parts_of(base);
    f(p);
    return build(p);
  };
  const conv_opts = (p: Parts) => (entry(p, 'conv').args as unknown[])[3] as J;
  return [
    [
      'amplification: Linear(20000, 20000) in a 1 KB file',
      amplification_file(),
      /module 'big' \(nn\.Linear\) needs tensor\(s\) missing.*"big\.weight"/,
    ],
    [
      'an extra quantized Linear(20000, 20000) entry',
      m((p) => p.man.modules.push({ path: 'big', type: 'nn.quantized.Linear', args: [20000, 20000] })),
      /module 'big' .*missing.*"big\.weight"/,
    ],
    [
      'fc claims 20000 × 20000',
      m((p) => {
        entry(p, 'fc').args = [20000, 20000, { bias_: true }];
      }),
      /tensor "fc\.weight" is I8 \[3, 64\] but module 'fc'.*\[20000, 20000\]/,
    ],
    [
      'padding [1e9, 1e9]',
      m((p) => {
        conv_opts(p).padding = [1e9, 1e9];
      }),
      /module entry 0 \('conv'.*padding\[0\] = 1000000000/,
    ],
    [
      'padding beyond dilation·kernel',
      m((p) => {
        conv_opts(p).padding = [4, 4];
      }),
      /'conv'.*padding \[4, 4\] exceeds dilation·kernel/,
    ],
    [
      'groups not dividing channels',
      m((p) => {
        conv_opts(p).groups = 3;
      }),
      /'conv'.*groups 3 does not divide/,
    ],
    [
      'fractional in_channels',
      m((p) => {
        (entry(p, 'conv').args as unknown[])[0] = 1.5;
      }),
      /'conv'.*in_channels = 1\.5/,
    ],
    [
      'negative stride',
      m((p) => {
        conv_opts(p).stride = [-1, 1];
      }),
      /'conv'.*stride\[0\] = -1/,
    ],
    [
      'infinite dilation',
      m((p) => {
        conv_opts(p).dilation = Number.POSITIVE_INFINITY; // JSON writes null
      }),
      /'conv'.*dilation = null/,
    ],
    [
      'unknown conv option',
      m((p) => {
        conv_opts(p).evil = 1;
      }),
      /'conv'.*unknown option\(s\) "evil"/,
    ],
    [
      'module entry with a numeric path',
      m((p) => {
        p.man.modules.push({ path: 5, type: 'nn.ReLU', args: [] });
      }),
      /module entry 2: path 5 is not a dotted name/,
    ],
    [
      'module entry null',
      m((p) => {
        p.man.modules.splice(1, 0, null as unknown as J);
      }),
      /module entry 1 is null/,
    ],
    [
      'module path __proto__.x',
      m((p) => {
        p.man.modules.push({ path: 'conv.__proto__', type: 'nn.ReLU', args: [] });
      }),
      /module entry 2: path "conv\.__proto__"/,
    ],
    [
      'unknown module type',
      m((p) => {
        entry(p, 'fc').type = 'nn.Evil';
      }),
      /module entry 1 \('fc'\): unknown module type "nn\.Evil"/,
    ],
    [
      'args not a list',
      m((p) => {
        entry(p, 'fc').args = { 0: 64 } as unknown as unknown[];
      }),
      /module entry 1 \('fc'\): args is not a list/,
    ],
    [
      'child shadowing a Module member',
      m((p) => {
        p.man.modules.push({ path: 'forward', type: 'nn.ReLU', args: [] });
      }),
      /\('forward'\): name 'forward' would shadow a Module member/,
    ],
    [
      'parent not listed',
      m((p) => {
        p.man.modules.push({ path: 'ghost.relu', type: 'nn.ReLU', args: [] });
      }),
      /\('ghost\.relu'\): parent 'ghost' is not listed/,
    ],
    [
      'submodule under a leaf',
      m((p) => {
        p.man.modules.push({ path: 'fc.inner', type: 'nn.ReLU', args: [] });
      }),
      /\('fc', nn\.quantized\.Linear\) cannot have submodules/,
    ],
    [
      'weight_scale stored as I32',
      m((p) => {
        p.tensors['conv.weight_scale'] = new Tensor(Int32Array.of(1), [1], 'int32');
      }),
      /tensor "conv\.weight_scale" is I32 \[1\] but .*needs F32/,
    ],
    [
      'zero point 3.5 stored as F32',
      m((p) => {
        p.tensors['fc.weight_zero_point'] = f32(3.5);
      }),
      /tensor "fc\.weight_zero_point" is F32 \[1\] but .*needs I64/,
    ],
    [
      'weight scale 0',
      m((p) => {
        p.tensors['conv.weight_scale'] = f32(0);
      }),
      /tensor "conv\.weight_scale": scale 0 is not a finite number > 0/,
    ],
    [
      'weight scale NaN',
      m((p) => {
        p.tensors['fc.weight_scale'] = f32(Number.NaN);
      }),
      /tensor "fc\.weight_scale": scale NaN/,
    ],
    [
      'output scale −1',
      m((p) => {
        p.tensors['fc.scale'] = scalar_f32(-1);
      }),
      /tensor "fc\.scale": scale -1/,
    ],
    [
      'output zero point 300',
      m((p) => {
        p.tensors['conv.zero_point'] = scalar_i64(300);
      }),
      /tensor "conv\.zero_point": zero point 300 is not an integer in 0\.\.255/,
    ],
    [
      'weight zero point −200',
      m((p) => {
        p.tensors['conv.weight_zero_point'] = i64(-200);
      }),
      /tensor "conv\.weight_zero_point": zero point -200 .*-128\.\.127/,
    ],
    [
      'per-channel lengths disagree',
      m((p) => {
        p.tensors['conv.weight_scale'] = f32(1, 1, 1, 1);
      }),
      /"conv\.weight_zero_point" has 1 zero points but "conv\.weight_scale" has 4/,
    ],
    [
      'per-channel length ≠ out channels',
      m((p) => {
        p.tensors['fc.weight_scale'] = f32(1, 1);
        p.tensors['fc.weight_zero_point'] = i64(0, 0);
      }),
      /tensor "fc\.weight_scale" is F32 \[2\] but .*\[1\] or \[3\]/,
    ],
    [
      'extra tensor',
      m((p) => {
        p.tensors.evil = f32(1);
      }),
      /tensor\(s\) no module or root buffer owns: "evil"/,
    ],
    [
      'missing tensor',
      m((p) => {
        delete p.tensors['fc.bias'];
      }),
      /module 'fc' .*missing from the weights: "fc\.bias"/,
    ],
    [
      'tensor key constructor',
      with_header_text(base, (t) => `{"constructor":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},${t.slice(1)}`),
      /"constructor" is not allowed/,
    ],
    [
      'tensor key __proto__',
      with_header_text(base, (t) => `{"__proto__":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},${t.slice(1)}`),
      /"__proto__" is not allowed/,
    ],
    [
      'tensor key with a space',
      with_header_text(base, (t) => `{"a b":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},${t.slice(1)}`),
      /tensor key "a b" is not a dotted name/,
    ],
    [
      'root buffer missing',
      m((p) => {
        p.man.root_buffers.push('ghost_scale');
      }),
      /root buffer\(s\) missing from the weights: "ghost_scale"/,
    ],
    [
      'root buffer named toString',
      m((p) => {
        p.man.root_buffers.push('toString');
        p.tensors.toString = f32(1) as never;
      }),
      /root buffer 'toString' would shadow a Module member/,
    ],
    [
      'manifest extra key',
      m((p) => {
        p.man.evil = 1;
      }),
      /manifest has unknown key\(s\) "evil"/,
    ],
    [
      'manifest without graph',
      m((p) => {
        delete (p.man as Record<string, unknown>).graph;
      }),
      /manifest lacks key\(s\) "graph"/,
    ],
    [
      'manifest __proto__ key in the graph',
      with_header_text(base, (t) => t.replace('\\"nodes\\":[', '\\"__proto__\\":{\\"polluted\\":1},\\"nodes\\":[')),
      /forbidden key at manifest\.graph\.__proto__/,
    ],
    [
      'manifest class_name not an identifier',
      m((p) => {
        p.man.class_name = 'a;b';
      }),
      /class_name "a;b" is not an identifier/,
    ],
    [
      'manifest not JSON',
      m((p) => {
        p.meta.manifest = '{"format":';
        p.man = undefined as unknown as Man;
      }),
      /"manifest" is not JSON/,
    ],
    [
      'format version 3',
      m((p) => {
        p.meta.version = '3';
      }),
      /format version "3" is not supported/,
    ],
    [
      'not an fxq model',
      m((p) => {
        p.meta.format = 'other';
      }),
      /not an fxq quantized model/,
    ],
    ['truncated header', base.slice(0, 40), /header length \d+ exceeds/],
    [
      'header length 2^40',
      (() => {
        const b = base.slice();
        new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true);
        return b;
      })(),
      /header length 1099511627776 exceeds/,
    ],
    ['truncated data', base.slice(0, base.length - 1), /data_offsets .* run past the data section|trailing|cover/],
    [
      'overlapping offsets',
      with_header_text(base, (t) =>
        t.replace(/"data_offsets":\[(\d+),(\d+)\]/, (_s, a, b) => `"data_offsets":[${Number(a) + 1},${Number(b) + 1}]`),
      ),
      /data_offsets/,
    ],
    [
      'deeply nested args',
      m((p) => {
        // 10,000 levels, written as text (JSON.stringify of it would overflow the stack)
        (entry(p, 'fc').args as unknown[]).push('DEEP');
        p.meta.manifest = JSON.stringify(p.man).replace('"DEEP"', `${'['.repeat(10_000)}1${']'.repeat(10_000)}`);
        p.man = undefined as unknown as Man;
      }),
      /\('fc', nn\.quantized\.Linear\): takes 2\.\.3 constructor arguments, got 4/,
    ],
    [
      'in_channels nested 10,000 deep',
      m((p) => {
        (entry(p, 'conv').args as unknown[])[0] = 'DEEP';
        p.meta.manifest = JSON.stringify(p.man).replace('"DEEP"', `${'['.repeat(10_000)}1${']'.repeat(10_000)}`);
        p.man = undefined as unknown as Man;
      }),
      /\('conv', nn\.intrinsic\.quantized\.ConvReLU2d\): argument in_channels = \[+…\]+ is not an integer/,
    ],
    [
      'a million-element argument',
      m((p) => {
        (entry(p, 'fc').args as unknown[])[0] = new Array(1_000_000).fill(7);
      }),
      /\('fc', nn\.quantized\.Linear\): argument in_features = \[7, 7, 7, 7, .*…/,
    ],
    [
      'the issue exploit graph',
      m((p) => {
        p.man.graph = exploit_graph(p.man.graph, payload);
      }),
      /graph: nodes\[\d+\] \('o'\)\.args\[0\]: an object is not allowed/,
    ],
  ] as [string, Uint8Array, RegExp][];
}

/** The valid tiny model's file bytes. */
export function tiny_file(seed = 0): Uint8Array {
  return serialize_quantized(tiny_model(seed));
}
