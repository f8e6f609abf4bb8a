/**
 * torch 1.13 parity: the `flatten` Tensor method is not in torch's share-qparams list
 * (backend_config/_common_operator_config_utils.py, _get_share_qparams_op_configs has `torch.flatten` only), so a
 * traced `x.flatten(1)` matches no pattern: prepare observes its output with a new observer (the consumer's input
 * observer) and convert dequantizes before it, flattens in float and quantizes again. `torch.flatten(x, 1)` shares
 * its input's observer and lowers to quantized.flatten.
 */
import { describe, expect, it } from 'vitest';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import type { Node } from '../../../compiler/ir/node.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { Conv2d } from '../../../runtime/nn/layers/conv.js';
import { Linear } from '../../../runtime/nn/layers/linear.js';
import { AvgPool2d } from '../../../runtime/nn/layers/pooling.js';
import { Module } from '../../../runtime/nn/module.js';
import type { ObserverBase } from '../../../runtime/quant/observer_base.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { flatten } from '../../../runtime/tensor/index.js';
import { Generator } from '../../../runtime/tensor/random.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';

class Head extends Module {
  conv = new Conv2d(1, 4, 3);
  pool = new AvgPool2d(2);
  fc = new Linear(64, 3);
  constructor(readonly method: boolean) {
    super();
  }
  forward(x: Tensor): Tensor {
    const p = this.pool.forward(this.conv.forward(x));
    return this.fc.forward(this.method ? p.flatten(1) : flatten(p, 1));
  }
}

const x = randn([8, 1, 10, 10], { generator: new Generator(5) });

function calibrated(method: boolean): GraphModule {
  const p = prepare_fx(new Head(method).eval(), { '': get_default_qconfig('qnnpack') }, [x], null, { warn: false });
  p.forward(x);
  return p;
}

const observer_after = (gm: GraphModule, target: string): string => {
  const n = gm.graph.nodes.find((m) => (m.args[0] as Node | undefined)?.name === target && m.op === 'call_module');
  if (!n) throw new Error(`no observer after '${target}'`);
  return n.target;
};
const find = (gm: GraphModule, pred: (n: Node) => boolean): Node => {
  const n = gm.graph.nodes.find(pred);
  if (!n) throw new Error(`node not found in\n${gm.code}`);
  return n;
};

describe('torch 1.13: x.flatten(...) is a float island with its own observer', () => {
  it('prepare: the method output gets a new observer; torch.flatten shares the pool/conv one', () => {
    const m = calibrated(true);
    const conv_obs = observer_after(m, 'conv');
    expect(observer_after(m, 'pool')).toBe(conv_obs); // AvgPool2d shares (torch's share list)
    const flat_obs = observer_after(m, 'flatten');
    expect(flat_obs).not.toBe(conv_obs);
    // the new observer saw the pooled range, narrower than the conv's: other qparams
    const qp = (t: string) => [...(m.get_submodule(t) as unknown as ObserverBase).calculate_qparams()[0].data];
    expect(qp(flat_obs)).not.toEqual(qp(conv_obs));

    const f = calibrated(false);
    expect(observer_after(f, 'flatten')).toBe(observer_after(f, 'conv'));
  });

  it('convert: dequantize → float flatten → quantize_per_tensor at the new qparams → quantized fc', () => {
    const p = calibrated(true);
    const [scale] = (p.get_submodule(observer_after(p, 'flatten')) as unknown as ObserverBase).calculate_qparams();
    const q = convert_fx(p);
    const flat = find(q, (n) => n.op === 'call_method' && n.target === 'flatten');
    const deq = flat.args[0] as Node;
    expect([deq.op, deq.target]).toEqual(['call_method', 'dequantize']);
    expect((deq.args[0] as Node).name).toBe('pool');
    const [quant] = flat.users;
    expect(quant.target).toBe('quantize_per_tensor');
    expect([...quant.users].map((u) => u.target)).toEqual(['fc']);
    const scale_attr = (quant.args[1] as Node).target;
    expect(Math.fround(Number((q as unknown as Record<string, Tensor>)[scale_attr].data[0]))).toBe(scale.data[0]);
    expect(q.graph.nodes.some((n) => n.target === 'quantized.flatten')).toBe(false);
  });

  it('convert: torch.flatten stays quantized.flatten, with no dequantize before fc', () => {
    const q = convert_fx(calibrated(false));
    const flat = find(q, (n) => n.target === 'quantized.flatten');
    expect((flat.args[0] as Node).name).toBe('pool');
    expect([...flat.users].map((u) => u.target)).toEqual(['fc']);
    expect(q.graph.nodes.filter((n) => n.target === 'dequantize').length).toBe(1); // the output's only
  });
});
