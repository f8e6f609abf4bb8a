/** convert(m, true) — the port of torch's convert(m, inplace=True) — converts `m` itself, as prepare(m, true) prepares it. */
import { describe, expect, it } from 'vitest';
import { Generator, manual_seed, nn, no_grad, quantization as Q, randn, type Tensor } from '../../../index.js';
import * as nnq from '../../../runtime/quantized/nn_quantized.js';

class M extends nn.Module {
  declare qconfig?: Q.QConfig | null;
  quant = new Q.QuantStub();
  conv = new nn.Conv2d(2, 3, 3);
  fc = new nn.Linear(12, 4);
  dequant = new Q.DeQuantStub();
  forward(x: Tensor): Tensor {
    return this.dequant.forward(this.fc.forward(this.conv.forward(this.quant.forward(x)).flatten(1)));
  }
}

function prepared(): M {
  manual_seed(0);
  const m = new M().eval();
  m.qconfig = Q.get_default_qconfig('qnnpack');
  const p = Q.prepare(m, true);
  expect(p).toBe(m);
  no_grad(() => p.forward(randn([4, 2, 4, 4], { generator: new Generator(1) })));
  return p;
}

describe('eager convert inplace', () => {
  it('convert(m, true) swaps the modules of m itself and returns m', () => {
    const m = prepared();
    const copy = Q.convert(prepared()); // default: a converted copy, the argument untouched
    const r = Q.convert(m, true);
    expect(r).toBe(m);
    expect(m.conv).toBeInstanceOf(nnq.Conv2d);
    expect(m.fc).toBeInstanceOf(nnq.Linear);
    expect(m.quant).toBeInstanceOf(nnq.Quantize);
    expect('qconfig' in m.conv).toBe(false);
    // the in-place result computes what the copy computes
    const x = randn([2, 2, 4, 4], { generator: new Generator(2) });
    const a = no_grad(() => m.forward(x));
    const b = no_grad(() => copy.forward(x));
    expect([...a.data]).toEqual([...b.data]);
  });

  it('convert(m, false), convert(m) and convert(m, {inplace: true}) keep their meanings', () => {
    const m = prepared();
    const c = Q.convert(m, false);
    expect(c).not.toBe(m);
    expect(m.conv).toBeInstanceOf(nn.Conv2d);
    expect(c.conv).toBeInstanceOf(nnq.Conv2d);
    const k = Q.convert(m, { inplace: true });
    expect(k).toBe(m);
    expect(m.conv).toBeInstanceOf(nnq.Conv2d);
  });
});
