import { describe, expect, it } from 'vitest';
import { manual_seed, nn, quantization, randn, type Tensor } from '../../index.js';

/** A root-level parameter read by the graph (as a ViT's pos_embed / cls_token): a get_attr node on the root. */
class PosEmbed extends nn.Module {
  fc = new nn.Linear(8, 8);
  pos: nn.Parameter;
  constructor() {
    super();
    this.pos = new nn.Parameter(randn([1, 8]));
  }
  forward(x: Tensor): Tensor {
    return this.fc.forward(x).add(this.pos);
  }
}

describe('prepare_fx / convert_fx with parameters on the root module', () => {
  it('convert_fx keeps the root parameter (its copy of the prepared model used to drop it)', () => {
    manual_seed(0);
    const model = new PosEmbed().eval();
    const x = randn([16, 8]);
    const prepared = quantization.prepare_fx(model, { '': quantization.default_qconfig }, [x]); // MinMax: a histogram of 8 values is too sparse
    prepared.forward(x);
    const converted = quantization.convert_fx(prepared);
    const want = model.forward(x);
    const got = converted.forward(x) as Tensor;
    expect(got.shape).toEqual(want.shape);
    const err = Math.max(...got.data.map((v, i) => Math.abs(v - (want.data[i] as number))));
    const range = Math.max(...want.data.map(Math.abs));
    expect(err).toBeLessThan(0.05 * range);
    expect(Object.keys(converted.state_dict())).toContain('pos');
  });
});
