import { afterAll, describe, expect, it } from 'vitest';
import { load_quantized, serialize_quantized } from '../../../compiler/artifact/index.js';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import { fold_clamps } from '../../../compiler/passes/fold_clamps.js';
import { convert_fx, prepare_fx } from '../../../compiler/quantize_fx.js';
import create_mobilenet from '../../../examples/models/fmnist_mobilenet.js';
import { Generator, manual_seed, nn, no_grad, quantization, randn, type Tensor } from '../../../index.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import type { Conv2d as QConv2d } from '../../../runtime/quantized/modules/conv.js';

load_wasm_backend();
const previous = get_backend().name;
afterAll(() => set_backend(previous));

/** A net whose clamps follow a conv (unfused relu6), a conv-bn (relu6), a linear (relu6) and a plain relu's conv. */
class ClampNet extends nn.Module {
  conv1 = new nn.Conv2d(3, 8, 3, { padding: 1 });
  bn1 = new nn.BatchNorm2d(8);
  act1 = new nn.ReLU6();
  conv2 = new nn.Conv2d(8, 8, 3, { stride: 2, groups: 8 });
  act2 = new nn.ReLU6();
  fc1 = new nn.Linear(8 * 3 * 3, 16);
  act3 = new nn.ReLU6();
  fc2 = new nn.Linear(16, 5);
  forward(x: Tensor): Tensor {
    x = this.act1.forward(this.bn1.forward(this.conv1.forward(x)));
    x = this.act2.forward(this.conv2.forward(x));
    return this.fc2.forward(this.act3.forward(this.fc1.forward(x.flatten(1))));
  }
}

function quantize(model: nn.Module, x: Tensor): { plain: GraphModule; folded: GraphModule } {
  const prepared = prepare_fx(model.eval(), { '': quantization.get_default_qconfig('qnnpack') }, [x.narrow(0, 0, 1)]);
  no_grad(() => prepared.forward(x));
  return { plain: convert_fx(prepared), folded: convert_fx(prepared, { fold_clamps: true }) };
}

function run(gm: GraphModule, x: Tensor, backend: 'js' | 'wasm'): Float32Array {
  set_backend(backend);
  return no_grad(() => gm.forward(x) as Tensor).data as Float32Array;
}

const clamp_nodes = (gm: GraphModule) =>
  gm.graph.nodes.filter((n) => n.op === 'call_function' && String(n.target).match(/^quantized\.(relu6?|hardtanh)$/));

describe('fold_clamps: relu / relu6 / hardtanh into the int8 conv / linear output clamp', () => {
  it('folds every clamp of a conv / conv-bn / linear; outputs bit-identical on js and wasm; survives save/load', () => {
    manual_seed(3);
    const x = randn([6, 3, 8, 8], { generator: new Generator(5) }).mul(2);
    const { plain, folded } = quantize(new ClampNet(), x);
    expect(clamp_nodes(plain).length).toBe(3);
    expect(clamp_nodes(folded).length).toBe(0);
    expect((folded.get_submodule('conv2') as QConv2d).out_clamp?.[0]).toBe(
      (folded.get_submodule('conv2') as QConv2d).zero_point,
    );
    for (const be of ['js', 'wasm'] as const) expect(run(folded, x, be)).toEqual(run(plain, x, be));
    // the clamp travels with the saved model
    const reloaded = load_quantized(serialize_quantized(folded));
    expect((reloaded.get_submodule('conv2') as QConv2d).out_clamp).toEqual(
      (folded.get_submodule('conv2') as QConv2d).out_clamp,
    );
    expect(run(reloaded, x, 'wasm')).toEqual(run(plain, x, 'wasm'));
  });

  it('folds hardtanh (and relu) at their quantized bounds, bit-identical to running them after the conv', () => {
    manual_seed(4);
    const x = randn([4, 3, 8, 8], { generator: new Generator(6) });
    const { plain } = quantize(new ClampNet(), x);
    // rewrite the clamps: act1 → hardtanh(−0.5, 1.25), act2 → relu, act3 → hardtanh(0.25, 0.75)
    const [a1, a2, a3] = clamp_nodes(plain);
    a1.target = 'quantized.hardtanh';
    a1.args = [a1.args[0], -0.5, 1.25];
    a2.target = 'quantized.relu';
    a3.target = 'quantized.hardtanh';
    a3.args = [a3.args[0], 0.25, 0.75];
    plain.recompile();
    const want = { js: run(plain, x, 'js'), wasm: run(plain, x, 'wasm') };
    expect(fold_clamps(plain)).toEqual([a1.name, a2.name, a3.name]);
    expect(clamp_nodes(plain).length).toBe(0);
    expect(run(plain, x, 'js')).toEqual(want.js);
    expect(run(plain, x, 'wasm')).toEqual(want.wasm);
  });

  it('FmnistMobileNet: folds the ReLU6 after convs with one user, keeps bit-identical logits', () => {
    manual_seed(0);
    const x = randn([8, 1, 28, 28], { generator: new Generator(1) });
    const { plain, folded } = quantize(create_mobilenet(), x);
    // stem, block1, block3 ×2 and the cat branch's ReLU6: all follow a single-user conv
    expect(clamp_nodes(plain).length).toBe(5);
    expect(clamp_nodes(folded).length).toBe(0);
    for (const be of ['js', 'wasm'] as const) expect(run(folded, x, be)).toEqual(run(plain, x, be));
  });

  it('leaves a clamp whose producer has other users', () => {
    class TwoUsers extends nn.Module {
      conv = new nn.Conv2d(2, 4, 1);
      act = new nn.ReLU6();
      forward(x: Tensor): Tensor {
        const y = this.conv.forward(x);
        return this.act.forward(y).add(y);
      }
    }
    const x = randn([2, 2, 4, 4], { generator: new Generator(2) });
    const { plain, folded } = quantize(new TwoUsers(), x);
    expect(clamp_nodes(folded).length).toBe(clamp_nodes(plain).length);
    expect(clamp_nodes(folded).length).toBe(1);
  });
});
