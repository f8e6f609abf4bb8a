/**
 * The opt-in `fxq` backend config (runtime/quantized/op_catalogue/backend_configs.ts): each named change does what
 * it says on a tiny model (graph shape, qparams, int8 outputs), the default stays the parity config, and a model
 * converted under the opt-in config saves, reloads and runs bit-identically on js and wasm.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { load_quantized, serialize_quantized } from '../../compiler/artifact/index.js';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import type { Node } from '../../compiler/ir/node.js';
import { is_observer_node } from '../../compiler/passes/insert_observers.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx, prepare_qat_fx } from '../../compiler/quantize_fx/prepare.js';
import {
  add,
  cat,
  F,
  Generator,
  manual_seed,
  matmul,
  mul,
  nn,
  no_grad,
  quantization,
  randn,
  softmax,
  type Tensor,
} from '../../index.js';
import { get_backend, set_backend } from '../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../runtime/backends/wasm/index.js';
import type { ObserverBase } from '../../runtime/quant/observer_base.js';
import { hardtanh as qhardtanh } from '../../runtime/quantized/functional/activations.js';
import type { Conv2d as QConv2d } from '../../runtime/quantized/modules/conv.js';
import {
  type BackendConfig,
  FXQ_CHANGES,
  get_fxq_backend_config,
  get_qnnpack_backend_config,
  OP_CATALOGUE,
} from '../../runtime/quantized/op_catalogue/index.js';

load_wasm_backend();
const previous = get_backend().name;
afterAll(() => set_backend(previous));

const qconfig = quantization.get_default_qconfig('qnnpack');
const only = (...changes: string[]): BackendConfig => get_fxq_backend_config({ changes });

function prepared(model: nn.Module, x: Tensor, config?: BackendConfig): GraphModule {
  const p = prepare_fx(model.eval(), { '': qconfig }, [x.narrow(0, 0, 1)], null, {
    warn: false,
    ...(config ? { backend_config: config } : {}),
  });
  no_grad(() => p.forward(x));
  return p;
}
const run = (gm: GraphModule, x: Tensor, be: 'js' | 'wasm' = 'js'): number[] => {
  set_backend(be);
  return [...(no_grad(() => gm.forward(x)) as Tensor).data];
};
const targets = (gm: GraphModule): string[] => gm.graph.nodes.map((n) => `${n.op}:${n.target}`);
/** The observer node reading node `name`'s output, or null. */
const observer_after = (gm: GraphModule, name: string): Node | null =>
  gm.graph.nodes.find((n) => is_observer_node(gm, n) && (n.args[0] as Node).name === name) ?? null;

/** conv → clamp in four spellings, linear → hardtanh. */
class Clamps extends nn.Module {
  c1 = new nn.Conv2d(2, 4, 3, { padding: 1 });
  a1 = new nn.ReLU6();
  c2 = new nn.Conv2d(4, 4, 3, { padding: 1, groups: 4 });
  c3 = new nn.Conv2d(4, 4, 1);
  c4 = new nn.Conv2d(4, 4, 1);
  a4 = new nn.Hardtanh(-0.5, 1.5);
  fc = new nn.Linear(64, 6);
  forward(x: Tensor): Tensor {
    x = this.a1.forward(this.c1.forward(x));
    x = F.relu6(this.c2.forward(x));
    x = this.c3.forward(x).clamp(0, 2);
    x = this.a4.forward(this.c4.forward(x));
    return F.hardtanh(this.fc.forward(x.flatten(1)), { min_val: -1, max_val: 0.75 });
  }
}
const xc = randn([6, 2, 4, 4], { generator: new Generator(3) }).mul(2);
manual_seed(7);
const clamps = new Clamps(); // one set of weights for every test (prepare_fx copies it)

describe('get_fxq_backend_config: the opt-in config beyond PyTorch 1.13', () => {
  it('names its changes; the default (no backend_config) is the parity config', () => {
    expect(get_fxq_backend_config().changes.map((c) => c.name)).toEqual(FXQ_CHANGES.map((c) => c.name));
    expect(get_qnnpack_backend_config().changes).toEqual([]);
    // every opt-in variant of the catalogue names a known change
    const known = new Set(FXQ_CHANGES.map((c) => c.name));
    for (const r of OP_CATALOGUE) for (const v of r.opt_in ?? []) expect(known.has(v.change), r.name).toBe(true);
    const d = convert_fx(prepared(clamps, xc));
    const p = convert_fx(prepared(clamps, xc, get_qnnpack_backend_config()));
    expect(d.code).toBe(p.code);
    expect(run(d, xc)).toEqual(run(p, xc));
    expect(() => get_fxq_backend_config({ changes: ['nope'] })).toThrow(
      /unknown change 'nope'.*clamp_in_output_observer/,
    );
    expect(() => get_fxq_backend_config().without('nope')).toThrow(/no change 'nope'/);
    expect(() =>
      prepare_fx(new Clamps().eval(), { '': qconfig }, [xc], null, { backend_config: {} as BackendConfig }),
    ).toThrow(/prepare_fx: backend_config must be a BackendConfig/);
  });

  it('clamp_in_output_observer: one observer after each clamp, the clamp becomes the output clamp', () => {
    const config = only('clamp_in_output_observer');
    const par = prepared(clamps, xc);
    const opt = prepared(clamps, xc, config);
    for (const conv of ['c1', 'c2', 'c3', 'c4', 'fc']) {
      expect(observer_after(par, conv) !== null, conv).toBe(true); // parity: the conv's own observer, before the clamp
      expect(observer_after(opt, conv) === null, conv).toBe(true); // opt-in: none between the conv and its clamp
    }
    // the observer after ReLU6 saw only [0, 6]; parity's conv observer saw the negatives
    const obs = (gm: GraphModule, n: Node | null) =>
      gm.get_submodule((n as Node).target) as unknown as ObserverBase & { min_val: Tensor; max_val: Tensor };
    expect(obs(par, observer_after(par, 'c1')).min_val.data[0]).toBeLessThan(0);
    expect(obs(opt, observer_after(opt, 'a1')).min_val.data[0]).toBeGreaterThanOrEqual(0);
    expect(obs(opt, observer_after(opt, 'a1')).max_val.data[0]).toBeLessThanOrEqual(6);
    const q = convert_fx(opt);
    expect(targets(q).filter((t) => /relu6|hardtanh|clamp|a1|a4/.test(t))).toEqual([]);
    // the out_clamp is the clamp at the output qparams: the same int8 values as clamping after an unclamped conv
    const c4 = q.get_submodule('c4') as unknown as QConv2d;
    const qp = { scale: Math.fround(c4.scale), zero_point: c4.zero_point };
    const inv = Math.fround(1 / qp.scale);
    const level = (v: number) => Math.min(255, Math.max(0, qp.zero_point + Math.round(Math.fround(v * inv))));
    // [0, 255] (when the observed range is the clamp's) leaves no out_clamp: the requantization clamps there anyway
    expect(c4.out_clamp ?? [0, 255]).toEqual([level(-0.5), level(1.5)]);
    expect((q.get_submodule('c1') as unknown as QConv2d).zero_point).toBe(0); // ReLU6: [0, 6] only
    const c4_in = (q.get_submodule('c3') as unknown as { forward(t: Tensor): Tensor }).forward(
      (q.get_submodule('c2') as unknown as { forward(t: Tensor): Tensor }).forward(
        (q.get_submodule('c1') as unknown as { forward(t: Tensor): Tensor }).forward(
          quantization.quantize_per_tensor(xc, ...input_qparams(q)),
        ),
      ),
    );
    const clamped = c4.forward(c4_in);
    const saved = c4.out_clamp;
    c4.out_clamp = null;
    const after = qhardtanh(c4.forward(c4_in), -0.5, 1.5);
    c4.out_clamp = saved;
    expect([...clamped.data]).toEqual([...after.data]);
  });

  it('clamp_in_output_observer: QAT puts the fake-quant after the clamp too', () => {
    const m = new Clamps().train();
    const p = prepare_qat_fx(m, { '': quantization.get_default_qat_qconfig('qnnpack') }, [xc], null, {
      warn: false,
      backend_config: only('clamp_in_output_observer'),
    });
    expect(observer_after(p, 'c1') === null).toBe(true);
    expect(observer_after(p, 'a1') !== null).toBe(true);
  });

  it('flatten_method: x.flatten(1) stays quantized, sharing its input qparams (parity: a float island)', () => {
    const par = convert_fx(prepared(clamps, xc));
    const opt = convert_fx(prepared(clamps, xc, only('flatten_method', 'clamp_in_output_observer')));
    expect(targets(par)).toContain('call_method:flatten');
    expect(targets(opt)).not.toContain('call_method:flatten');
    const fl = opt.graph.nodes.find((n) => n.target === 'quantized.flatten') as Node;
    expect((fl.args[0] as Node).name).toBe('c4'); // the conv whose output clamp is a4
    expect(targets(opt).filter((t) => t.endsWith('quantize_per_tensor'))).toHaveLength(1); // the input only
  });

  it('cat_shared_qparams: a conv → ReLU6 / max pool input is requantized by its conv straight into the cat qparams', () => {
    class Branches extends nn.Module {
      a = new nn.Conv2d(2, 3, 3, { padding: 1 });
      b = new nn.Conv2d(2, 3, 3, { padding: 1 });
      act = new nn.ReLU6();
      c = new nn.Conv2d(2, 3, 3, { padding: 1 });
      pool = new nn.MaxPool2d(1);
      forward(x: Tensor): Tensor {
        return cat([this.a.forward(x), this.act.forward(this.b.forward(x)), this.pool.forward(this.c.forward(x))], 1);
      }
    }
    const x = randn([4, 2, 6, 6], { generator: new Generator(9) }).mul(3);
    const model = new Branches();
    const par = convert_fx(prepared(model, x));
    const opt = convert_fx(prepared(model, x, only('cat_shared_qparams')));
    const qp = (gm: GraphModule, name: string) => {
      const m = gm.get_submodule(name) as unknown as QConv2d;
      return [Math.fround(m.scale), m.zero_point];
    };
    const catn = opt.graph.nodes.find((n) => n.target === 'quantized.cat') as Node;
    const out = catn.meta.qparams as { scale: number; zero_point: number };
    // parity: b and c keep their own (wider) qparams and the cat requantizes them
    expect(qp(par, 'b')).not.toEqual(qp(par, 'a'));
    expect(qp(par, 'c')).not.toEqual(qp(par, 'a'));
    for (const conv of ['a', 'b', 'c']) expect(qp(opt, conv)).toEqual([Math.fround(out.scale), out.zero_point]);
    // one rounding instead of two: closer to the float model than parity on the requantized branches
    const f = [...(no_grad(() => model.forward(x)) as Tensor).data];
    const err = (gm: GraphModule) => run(gm, x).reduce((s, v, i) => s + (v - f[i]) ** 2, 0);
    expect(err(opt)).toBeLessThan(err(par));
  });

  it('fold_clamps: the remaining clamps fold, bit-identical to parity', () => {
    const par = convert_fx(prepared(clamps, xc));
    const opt = convert_fx(prepared(clamps, xc, only('fold_clamps')));
    expect(targets(par)).toContain('call_function:quantized.relu6');
    expect(targets(opt)).not.toContain('call_function:quantized.relu6');
    for (const be of ['js', 'wasm'] as const) expect(run(opt, xc, be)).toEqual(run(par, xc, be));
  });

  it('every change at once: save → load, js ≡ wasm', () => {
    const q = convert_fx(prepared(clamps, xc, get_fxq_backend_config()));
    const back = load_quantized(serialize_quantized(q));
    const js = run(q, xc, 'js');
    expect(run(q, xc, 'wasm')).toEqual(js);
    expect(run(back, xc, 'js')).toEqual(js);
    expect(run(back, xc, 'wasm')).toEqual(js);
  });
});

/** A one-head attention block as FmnistViT spells it: qkv Linear, reshape / permute, qkv[i], matmul, softmax, GELU MLP. */
class Attention extends nn.Module {
  qkv = new nn.Linear(8, 24);
  proj = new nn.Linear(8, 8);
  fc1 = new nn.Linear(8, 16);
  act = new nn.GELU();
  fc2 = new nn.Linear(16, 4);
  forward(x: Tensor): Tensor {
    const qkv = this.qkv.forward(x).reshape(x.shape[0], 5, 3, 8).permute(2, 0, 1, 3);
    const [q, k, v] = [qkv.index(0), qkv.index(1), qkv.index(2)];
    const attn = softmax(mul(matmul(q, k.transpose(-2, -1)), 0.35), -1);
    const y = add(x, this.proj.forward(matmul(attn, v)));
    return this.fc2.forward(this.act.forward(this.fc1.forward(y))).index(null, 0);
  }
}

describe('get_fxq_backend_config: int8 attention (getitem_shares_qparams, int8_gelu, int8_softmax)', () => {
  const x = randn([3, 5, 8], { generator: new Generator(21) });
  manual_seed(5);
  const model = new Attention();
  it('parity: getitem, softmax and GELU are float islands; fxq: the whole block runs in int8', () => {
    const par = convert_fx(prepared(model, x));
    const opt = convert_fx(prepared(model, x, get_fxq_backend_config()));
    const dq = (gm: GraphModule) => targets(gm).filter((t) => t === 'call_method:dequantize').length;
    expect(dq(par)).toBeGreaterThan(3);
    expect(dq(opt)).toBe(1); // the output only
    expect(targets(opt)).toContain('call_function:quantized.softmax_int');
    expect(targets(opt)).toContain('call_function:quantized.gelu_island');
    // getitem keeps the permuted qkv's qparams (the qkv Linear's): no requantization
    const qkv = opt.get_submodule('qkv') as unknown as { scale: number; zero_point: number };
    const gi = opt.graph.nodes.filter((n) => n.op === 'call_method' && n.target === 'index');
    expect(gi).toHaveLength(4);
    for (const n of gi.slice(0, 3))
      expect(n.meta.qparams).toEqual({ scale: qkv.scale, zero_point: qkv.zero_point, dtype: 'quint8' });
    // int8 all the way: as close to the float model as the parity model with its float islands (within 25 %)
    const f = [...(no_grad(() => model.forward(x)) as Tensor).data];
    const err = (gm: GraphModule) => Math.sqrt(run(gm, x).reduce((s, v, i) => s + (v - f[i]) ** 2, 0) / f.length);
    expect(err(opt)).toBeLessThan(1.25 * err(par));
  });

  it('save → load, js ≡ wasm', () => {
    const q = convert_fx(prepared(model, x, get_fxq_backend_config()));
    const back = load_quantized(serialize_quantized(q));
    const js = run(q, x, 'js');
    expect(run(q, x, 'wasm')).toEqual(js);
    expect(run(back, x, 'js')).toEqual(js);
    expect(run(back, x, 'wasm')).toEqual(js);
  });
});

function input_qparams(q: GraphModule): [number, number, 'quint8'] {
  const t = q as unknown as Record<string, Tensor>;
  return [t.c1_input_scale_0.data[0], Number(t.c1_input_zero_point_0.data[0]), 'quint8'];
}
