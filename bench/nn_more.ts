/**
 * `npm run bench -- nn_more [--rounds <n>]`: the int8 forms of issue #16's part 1 layers (quantized Conv1d,
 * ConvTranspose2d, F.interpolate nearest / bilinear) against their fp32 forms, on js and wasm: best-of-rounds
 * milliseconds per forward (the VM is shared; contention only adds time, so the minimum repeats best).
 */
import '../runtime/all_ops.js';
import { interpolate } from '../runtime/nn/functional/interpolate.js';
import { Conv1d, ConvTranspose2d } from '../runtime/nn/layers/conv_more.js';
import { quantize_per_tensor } from '../runtime/quant/qtensor.js';
import { ConvTranspose2d as QConvTranspose2d } from '../runtime/quantized/modules/conv_transpose.js';
import { Conv1d as QConv1d } from '../runtime/quantized/modules/conv1d.js';
import { randn } from '../runtime/tensor/creation.js';
import type { Tensor } from '../runtime/tensor/tensor.js';
import { op_table } from './_op_rows.js';

function range(v: ArrayLike<number>): [number, number] {
  let [lo, hi] = [0, 0];
  for (let i = 0; i < v.length; i++) [lo, hi] = [Math.min(lo, v[i]), Math.max(hi, v[i])];
  return [lo, hi];
}

/** A quantized module of `float` with per-tensor weights and output qparams fitted to its output range. */
function quantized_of<Q extends QConv1d | QConvTranspose2d>(q: Q, w: Tensor, b: Tensor | null, y: Tensor): Q {
  const amax = Math.max(...range(w.data).map(Math.abs));
  q.set_weight_bias(quantize_per_tensor(w, amax / 127, 0, 'qint8'), b);
  const [lo, hi] = range(y.data);
  q.scale = (hi - lo) / 255;
  q.zero_point = Math.round(-lo / q.scale);
  return q;
}

export async function run(args: string[]): Promise<void> {
  const { add, print } = op_table(args);
  const qin = (x: Tensor) => {
    const amax = Math.max(...range(x.data).map(Math.abs));
    return quantize_per_tensor(x, (2 * amax) / 255, 128, 'quint8');
  };

  const c1 = new Conv1d(64, 64, 5, { padding: 2 }).eval();
  const x1 = randn([8, 64, 256]);
  const q1 = quantized_of(new QConv1d(64, 64, 5, { padding: 2 }), c1.weight, c1.bias, c1.forward(x1));
  const x1q = qin(x1);
  add(
    'Conv1d 64→64 k5 [8, 64, 256]',
    () => c1.forward(x1),
    () => q1.forward(x1q),
  );

  const ct = new ConvTranspose2d(32, 16, 4, { stride: 2, padding: 1 }).eval();
  const x2 = randn([4, 32, 28, 28]);
  const q2 = quantized_of(
    new QConvTranspose2d(32, 16, 4, { stride: 2, padding: 1 }),
    ct.weight,
    ct.bias,
    ct.forward(x2),
  );
  const x2q = qin(x2);
  add(
    'ConvTranspose2d 32→16 k4 s2 [4, 32, 28²]',
    () => ct.forward(x2),
    () => q2.forward(x2q),
  );

  for (const [name, o] of [
    ['interpolate nearest ×2 [4, 32, 28²]', { scale_factor: 2 }],
    ['interpolate bilinear ×2 [4, 32, 28²]', { scale_factor: 2, mode: 'bilinear', align_corners: false }],
  ] as const) {
    add(
      name,
      () => interpolate(x2, o),
      () => interpolate(x2q, o),
    );
  }
  print();
}
