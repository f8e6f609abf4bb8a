/**
 * `npm run bench -- nn_more2 [--rounds <n>]`: the int8 forms of issue #16's part 2 layers (ELU, LeakyReLU,
 * GroupNorm, InstanceNorm2d, EmbeddingBag 8 / 4 bits) against their fp32 forms, on js and wasm: best-of-rounds
 * milliseconds per forward (the VM is shared; contention only adds time, so the minimum repeats best).
 */
import '../runtime/all_ops.js';
import { LeakyReLU } from '../runtime/nn/layers/activation.js';
import { GroupNorm, InstanceNorm2d } from '../runtime/nn/layers/group_norm.js';
import { ELU, EmbeddingBag } from '../runtime/nn/layers/upsample_bag.js';
import type { Module } from '../runtime/nn/module.js';
import { float_qparams_weight_only_qconfig, float_qparams_weight_only_qconfig_4bit } from '../runtime/quant/qconfig.js';
import { quantize_per_tensor } from '../runtime/quant/qtensor.js';
import { ELU as QELU, LeakyReLU as QLeakyReLU } from '../runtime/quantized/modules/elu_leaky_relu.js';
import { EmbeddingBag as QEmbeddingBag } from '../runtime/quantized/modules/embedding.js';
import {
  GroupNorm as QGroupNorm,
  InstanceNorm2d as QInstanceNorm2d,
} from '../runtime/quantized/modules/normalization.js';
import { randn } from '../runtime/tensor/creation.js';
import { Tensor } from '../runtime/tensor/tensor.js';
import { op_table } from './_op_rows.js';

export async function run(args: string[]): Promise<void> {
  const { add, print } = op_table(args);
  const x = randn([8, 64, 28, 28]);
  const xq = quantize_per_tensor(x, 8 / 255, 128, 'quint8');
  const elu = new ELU(1);
  const q_elu = new QELU(0.03, 40);
  add(
    'ELU [8, 64, 28²]',
    () => elu.forward(x),
    () => q_elu.forward(xq),
  );
  const lrelu = new LeakyReLU(0.1);
  const q_lrelu = new QLeakyReLU(0.02, 20, 0.1);
  add(
    'LeakyReLU [8, 64, 28²]',
    () => lrelu.forward(x),
    () => q_lrelu.forward(xq),
  );
  const gn = new GroupNorm(8, 64).eval();
  const q_gn = new QGroupNorm(8, 64, gn.weight, gn.bias, 0.03, 128);
  add(
    'GroupNorm 8 groups [8, 64, 28²]',
    () => gn.forward(x),
    () => q_gn.forward(xq),
  );
  const inorm = new InstanceNorm2d(64, { affine: true }).eval();
  const q_in = new QInstanceNorm2d(64, inorm.weight, inorm.bias, 0.03, 128, { affine: true });
  add(
    'InstanceNorm2d [8, 64, 28²]',
    () => inorm.forward(x),
    () => q_in.forward(xq),
  );
  // bags of 20 rows from a 10,000 × 64 table, 256 bags
  const bag = new EmbeddingBag(10000, 64, { mode: 'sum' }).eval();
  const ids = Float64Array.from({ length: 256 * 20 }, (_, i) => (i * 7919) % 10000);
  const input = new Tensor(ids, [256, 20], 'int64');
  for (const [bits, qconfig] of [
    [8, float_qparams_weight_only_qconfig],
    [4, float_qparams_weight_only_qconfig_4bit],
  ] as const) {
    (bag as unknown as { qconfig: unknown }).qconfig = qconfig;
    const q = QEmbeddingBag.from_float(bag as unknown as Module);
    add(
      `EmbeddingBag sum ${bits}-bit 10k×64, 256 bags of 20`,
      () => bag.forward(input),
      () => q.forward(input),
    );
  }
  print();
}
