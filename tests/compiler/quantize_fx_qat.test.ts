/**
 * prepare_qat_fx / convert_fx: fake-quant modules in place of observers, float modules swapped for their
 * QAT versions (nn.qat / nn.intrinsic.qat) by default, trained, then lowered to int8; the train-mode
 * error at convert; preserved attributes.
 */
import { describe, expect, it } from 'vitest';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { get_quantization_warnings, prepare_fx, prepare_qat_fx } from '../../compiler/quantize_fx/prepare.js';
import { load_test_images, REPO_DATA_DIR } from '../../examples/lib/fmnist_data.js';
import { example_inputs, FmnistCNN, load_weights } from '../../examples/models/fmnist_cnn.js';
import { load_fashion_mnist, manual_seed, nn, no_grad, optim } from '../../index.js';
import { ReLU } from '../../runtime/nn/layers/activation.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { Module } from '../../runtime/nn/module.js';
import * as nnqat from '../../runtime/nn/qat/index.js';
import * as nniqat from '../../runtime/nn/qat/intrinsic.js';
import { is_qat_module } from '../../runtime/nn/qat/mappings.js';
import { disable_observer, FakeQuantize } from '../../runtime/quant/fake_quantize.js';
import { get_default_qat_qconfig, get_default_qconfig } from '../../runtime/quant/qconfig.js';
import { ConvReLU2d as QConvReLU2d } from '../../runtime/quantized/modules/conv.js';
import { Linear as QLinear, LinearReLU as QLinearReLU } from '../../runtime/quantized/modules/linear.js';
import { randn } from '../../runtime/tensor/creation.js';
import { Tensor } from '../../runtime/tensor/tensor.js';

class MLP extends Module {
  fc1 = new Linear(6, 8);
  relu = new ReLU();
  fc2 = new Linear(8, 3);
  num_classes = 3;
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.relu.forward(this.fc1.forward(x)));
  }
}
const input = randn([5, 6]);

/** Rows [start, start + n) of an [N, …] float tensor (a copy). */
function rows(t: Tensor, start: number, n: number): Tensor {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = Float32Array.from((t.data as Float32Array).subarray(start * per, (start + n) * per));
  return new Tensor(data, [n, ...t.shape.slice(1)], 'float32');
}

function argmax_rows(logits: Tensor): number[] {
  const [n, c] = logits.shape;
  const d = logits.data as Float32Array;
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < c; j++) if (d[i * c + j] > d[i * c + best]) best = j;
    return best;
  });
}
const accuracy = (pred: number[], labels: Int32Array) => pred.filter((p, i) => p === labels[i]).length / pred.length;

describe('prepare_qat_fx', () => {
  it('swaps in QAT modules, inserts FakeQuantize, trains through them and converts to int8', () => {
    const prepared = prepare_qat_fx(new MLP().train(), { '': get_default_qat_qconfig('qnnpack') }, [input]);
    expect(prepared.get_submodule('fc1')).toBeInstanceOf(nniqat.LinearReLU);
    expect(prepared.get_submodule('fc2')).toBeInstanceOf(nnqat.Linear);
    expect(prepared.get_submodule('fc1').training).toBe(true);
    const fq = prepared.graph.nodes.filter((n) => n.target.startsWith('activation_post_process'));
    expect(fq.length).toBe(3);
    for (const n of fq) expect(prepared.get_submodule(n.target)).toBeInstanceOf(FakeQuantize);
    const out = prepared.forward(input) as Tensor;
    out.sum().backward();
    const w = (prepared.get_submodule('fc1') as unknown as { weight: Tensor }).weight;
    expect(w.grad).not.toBeNull();
    prepared.eval();
    const q = convert_fx(prepared);
    expect(q.get_submodule('fc1')).toBeInstanceOf(QLinearReLU);
    expect(q.get_submodule('fc2')).toBeInstanceOf(QLinear);
    expect((q.forward(input) as Tensor).shape).toEqual([5, 3]);
  });

  it('qat_module_mappings overrides the default swap table', () => {
    const prepared = prepare_qat_fx(new MLP().train(), { '': get_default_qat_qconfig('qnnpack') }, [input], null, {
      qat_module_mappings: new Map(),
    });
    expect(prepared.get_submodule('fc2')).toBeInstanceOf(Linear);
    expect(is_qat_module(prepared.get_submodule('fc2'))).toBe(false);
  });

  it('prepare_qat_fx refuses an eval-mode model', () => {
    expect(() => prepare_qat_fx(new MLP().eval(), { '': get_default_qat_qconfig('qnnpack') }, [input])).toThrow(
      /train mode/,
    );
  });

  it('convert_fx refuses a QAT model still in train mode, saying to call eval()', () => {
    const prepared = prepare_qat_fx(new MLP().train(), { '': get_default_qat_qconfig('qnnpack') }, [input]);
    prepared.forward(input);
    expect(() => convert_fx(prepared)).toThrow(/train mode.*call prepared\.eval\(\) before convert_fx/);
  });

  it('FmnistCNN: QAT fine-tuning, eval, convert → int8 ConvReLU2d / LinearReLU close to the fake-quant model', () => {
    manual_seed(0);
    const float_model = load_weights(new FmnistCNN());
    const prepared = prepare_qat_fx(float_model.train(), { '': get_default_qat_qconfig('qnnpack') }, example_inputs());
    for (const name of ['conv1', 'conv2']) expect(prepared.get_submodule(name)).toBeInstanceOf(nniqat.ConvBnReLU2d);
    expect(prepared.get_submodule('fc1')).toBeInstanceOf(nniqat.LinearReLU);
    expect(prepared.get_submodule('fc2')).toBeInstanceOf(nnqat.Linear);

    // 4 SGD steps (lr 1e-4) on the first 256 training images, batches of 64
    const train = load_fashion_mnist(REPO_DATA_DIR, 'train-first1000');
    const optimizer = new optim.SGD(prepared.parameters(), { lr: 1e-4, momentum: 0.9 });
    const criterion = new nn.CrossEntropyLoss();
    const before = Float32Array.from((prepared.get_submodule('fc2') as unknown as { weight: Tensor }).weight.data);
    for (let s = 0; s < 4; s++) {
      const x = rows(train.images, s * 64, 64);
      const y = new Tensor((train.labels.data as Float64Array).slice(s * 64, s * 64 + 64), [64], 'int64');
      optimizer.zero_grad();
      const loss = criterion.forward(prepared.forward(x) as Tensor, y);
      expect(Number.isFinite(loss.item())).toBe(true);
      loss.backward();
      optimizer.step();
    }
    const after = (prepared.get_submodule('fc2') as unknown as { weight: Tensor }).weight.data;
    expect(after.some((v, i) => v !== before[i])).toBe(true);

    prepared.eval();
    prepared.apply(disable_observer); // freeze the qparams so the fake-quant run matches what convert reads
    const q = convert_fx(prepared);
    const mods = [...q.named_modules()].map(([, m]) => m);
    expect(mods.filter((m) => m instanceof QConvReLU2d).length).toBe(2);
    expect(mods.filter((m) => m instanceof QLinearReLU).length).toBe(1);
    expect(q.get_submodule('fc2')).toBeInstanceOf(QLinear);
    expect(mods.filter(is_qat_module)).toEqual([]);
    expect(mods.filter((m) => m instanceof FakeQuantize)).toEqual([]);
    expect(get_quantization_warnings(q).filter((w) => /conv|fc/.test(w))).toEqual([]);

    const test = load_test_images({ limit: 500 });
    const fp32 = load_weights(new FmnistCNN()).eval();
    const [fp32_out, fq_out, int8_out] = no_grad(() => [
      fp32.forward(test.images) as Tensor,
      prepared.forward(test.images) as Tensor,
      q.forward(test.images) as Tensor,
    ]);
    // int8 logits within a few output quantization steps of the fake-quant model's
    const step = (q.get_submodule('fc2') as unknown as { scale: number }).scale;
    const a = fq_out.data as Float32Array;
    const b = int8_out.data as Float32Array;
    let max_diff = 0;
    for (let i = 0; i < a.length; i++) max_diff = Math.max(max_diff, Math.abs(a[i] - b[i]));
    expect(max_diff).toBeLessThanOrEqual(2 * step);
    const acc_fp32 = accuracy(argmax_rows(fp32_out), test.labels);
    const acc_int8 = accuracy(argmax_rows(int8_out), test.labels);
    expect(Math.abs(acc_int8 - acc_fp32)).toBeLessThanOrEqual(0.01);
    console.log(
      `FmnistCNN QAT: max |int8 - fake-quant| ${max_diff.toFixed(4)} = ${(max_diff / step).toFixed(2)} output steps; acc fp32 ${acc_fp32} int8 ${acc_int8}`,
    );
  }, 60_000);

  it('preserved_attributes are copied onto the prepared and converted models', () => {
    const prepared = prepare_fx(new MLP().eval(), { '': get_default_qconfig('qnnpack') }, [input], {
      preserved_attributes: ['num_classes'],
    });
    expect((prepared as unknown as { num_classes: number }).num_classes).toBe(3);
    prepared.forward(input);
    const q = convert_fx(prepared, { convert_custom_config: { preserved_attributes: ['num_classes'] } });
    expect((q as unknown as { num_classes: number }).num_classes).toBe(3);
  });
});
