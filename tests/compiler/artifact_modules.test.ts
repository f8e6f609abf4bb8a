/**
 * Every module type the artifact format knows round-trips through save_quantized / load_quantized with
 * identical outputs, so each type's schema (module_schemas.ts: arguments and the tensors they imply)
 * matches what the real module saves; and the schema and spec tables list the same types.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODULE_SCHEMAS } from '../../compiler/artifact/module_schemas.js';
import { MODULE_SPECS } from '../../compiler/artifact/module_specs.js';
import { load_quantized, save_quantized } from '../../compiler/artifact/node/index.js';
import { manifest_of } from '../../compiler/artifact/quantized_artifact.js';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { symbolic_trace } from '../../compiler/trace/symbolic_trace.js';
import { Sequential } from '../../runtime/nn/containers.js';
import { BNReLU2d, ConvReLU2d } from '../../runtime/nn/intrinsic/fused.js';
import {
  GELU,
  Hardsigmoid,
  Hardswish,
  ReLU,
  ReLU6,
  Sigmoid,
  Softmax,
  Tanh,
} from '../../runtime/nn/layers/activation.js';
import { Conv2d } from '../../runtime/nn/layers/conv.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { Dropout, Flatten } from '../../runtime/nn/layers/misc.js';
import { BatchNorm1d, BatchNorm2d, LayerNorm } from '../../runtime/nn/layers/normalization.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../runtime/nn/layers/pooling.js';
import { GRU, LSTM } from '../../runtime/nn/layers/rnn.js';
import { Module } from '../../runtime/nn/module.js';
import { default_dynamic_qconfig, get_default_qconfig } from '../../runtime/quant/qconfig.js';
import { manual_seed, randn } from '../../runtime/tensor/index.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-artifact-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

class Floats extends Module {
  features = new Sequential(
    new Conv2d(1, 4, 3, { padding: 1, groups: 1 }),
    new BatchNorm2d(4),
    new ReLU6(),
    new MaxPool2d(2, { padding: 1 }),
    new AvgPool2d(2, { stride: 1 }),
    new AdaptiveAvgPool2d([2, null]),
    new BNReLU2d(new BatchNorm2d(4), new ReLU()),
    new ConvReLU2d(new Conv2d(4, 4, 1), new ReLU()),
  );
  flat = new Flatten();
  drop = new Dropout(0.25);
  fc = new Linear(16, 6);
  bn = new BatchNorm1d(6, { affine: false });
  ln = new LayerNorm(6, { eps: 1e-6 });
  acts = new Sequential(
    new Hardswish(),
    new Hardsigmoid(),
    new Sigmoid(),
    new Tanh(),
    new GELU({ approximate: 'tanh' }),
    new Softmax(1),
  );
  lstm = new LSTM(3, 4, { batch_first: true, num_layers: 2 });
  gru = new GRU(3, 2, { batch_first: true, bidirectional: true });
  forward(x: Tensor): Tensor {
    const h = this.acts.forward(
      this.ln.forward(this.bn.forward(this.fc.forward(this.drop.forward(this.flat.forward(this.features.forward(x)))))),
    );
    const s = h.view([2, 2, 3]);
    const [a] = this.lstm.forward(s);
    const [b] = this.gru.forward(s);
    return a.sum().add(b.sum()).add(h.sum());
  }
}
class Quantized extends Module {
  fc1 = new Linear(4, 4);
  relu = new ReLU();
  fc2 = new Linear(4, 3);
  hs = new Hardswish();
  lstm = new LSTM(3, 2, { batch_first: true });
  gru = new GRU(3, 2, { batch_first: true });
  forward(x: Tensor): Tensor {
    const h = this.hs.forward(this.fc2.forward(this.relu.forward(this.fc1.forward(x))));
    const [a] = this.lstm.forward(h.view([1, 2, 3]));
    const [b] = this.gru.forward(h.view([1, 2, 3]));
    return a.sum().add(b.sum());
  }
}

/** prepare_fx, one calibration pass, convert_fx. */
function quantize(qconfig: Parameters<typeof prepare_fx>[1], x: Tensor, is_reference = false): GraphModule {
  const p = prepare_fx(new Quantized().eval(), qconfig, [x]);
  p.forward(x);
  return convert_fx(p, { is_reference });
}

function round_trip(gm: GraphModule, name: string, x: Tensor): string[] {
  const path = join(dir, `${name}.safetensors`);
  save_quantized(gm, path);
  const loaded = load_quantized(path);
  expect([...(loaded.forward(x) as Tensor).data], name).toEqual([...(gm.forward(x) as Tensor).data]);
  return manifest_of(gm).modules.map((m) => m.type);
}

describe('every module type round-trips through the file', () => {
  it('float, static int8 and dynamic int8 models cover every type; outputs are identical after loading', () => {
    manual_seed(3);
    const x = randn([2, 1, 4, 4]);
    const seen = new Set<string>(['nn.Module']);
    const floats = symbolic_trace(new Floats().eval());
    for (const t of round_trip(floats, 'floats', x)) seen.add(t);
    const xq = randn([2, 4]);
    const static_q = quantize(
      {
        '': get_default_qconfig('qnnpack'),
        module_name: [
          ['lstm', null],
          ['gru', null],
        ],
      },
      xq,
    );
    for (const t of round_trip(static_q, 'static', xq)) seen.add(t);
    const dynamic = {
      object_type: [
        [Linear, default_dynamic_qconfig],
        [LSTM, default_dynamic_qconfig],
        [GRU, default_dynamic_qconfig],
      ],
    };
    for (const t of round_trip(quantize(dynamic as never, xq), 'dynamic', xq)) seen.add(t);
    const ref = quantize(
      {
        '': get_default_qconfig('qnnpack'),
        module_name: [
          ['lstm', null],
          ['gru', null],
        ],
      },
      xq,
      true,
    );
    for (const t of round_trip(ref, 'reference', xq)) seen.add(t);
    const all = MODULE_SPECS.map((s) => s.type).sort();
    expect([...MODULE_SCHEMAS.keys()].sort()).toEqual(all);
    // what no model here produces is named, so a new type without a round trip shows up: the int8 conv types
    // round-trip in quantize_fx_artifact.test.ts (ResNet, static and reference); tracing turns a
    // Sequential into a plain parent (nn.Module); the cells, nn.RNN and nn.Hardtanh round-trip in
    // op_catalogue.test.ts (one model per catalogue record; nn.quantized.LayerNorm too); the Conv1d types in tests/runtime/quantized/conv1d.test.ts,
    // the Upsample ones in tests/runtime/quantized/upsample.test.ts, ConvTranspose2d in conv_transpose.test.ts;
    // ELU, LeakyReLU, GroupNorm, InstanceNorm1d / 2d, Embedding, EmbeddingBag (float and int8) in
    // artifact_norm_act_embed.test.ts and op_catalogue.test.ts
    const nn_more = /Conv1d|ConvReLU1d|ConvTranspose2d|Upsampl/;
    const nn_part2 = /\.(ELU|LeakyReLU|GroupNorm|InstanceNorm[12]d|Embedding|EmbeddingBag)$/;
    expect(all.filter((t) => !seen.has(t) && !nn_more.test(t) && !nn_part2.test(t))).toEqual([
      'nn.GRUCell',
      'nn.Hardtanh',
      'nn.LSTMCell',
      'nn.RNN',
      'nn.RNNCell',
      'nn.Sequential',
      'nn.intrinsic.quantized.ConvReLU2d',
      'nn.quantized.Conv2d',
      'nn.quantized.LayerNorm',
      'nn.quantized.dynamic.GRUCell',
      'nn.quantized.dynamic.LSTMCell',
      'nn.quantized.dynamic.RNN',
      'nn.quantized.dynamic.RNNCell',
    ]);
  });
});
