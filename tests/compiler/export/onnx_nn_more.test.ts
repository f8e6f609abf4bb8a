// Export rows of issue #16's rest of torch.nn, part 1, on onnxruntime-web: float models using the layers
// match fxq within 1e-4; FX int8 models (QDQ around Conv) give fxq's integers within one output step,
// and ONNX Runtime fuses the int8 convs into QLinearConv.
import { beforeAll, describe, expect, it } from 'vitest';
import { export_onnx_bytes } from '../../../compiler/export/onnx/export.js';
import { fxq_logits } from '../../../examples/lib/onnx_cases.js';
import { load_onnxruntime, type Ort, ort_op_counts, ort_runner } from '../../../examples/lib/onnx_runtime.js';
import { Generator, manual_seed, nn, no_grad, quantization, randn, type Tensor } from '../../../index.js';

let ort: Ort;
beforeAll(async () => {
  ort = await load_onnxruntime();
});

async function run_both(model: nn.Module, x: Tensor) {
  const bytes = export_onnx_bytes(model, [x]);
  const r = await ort_runner(ort, bytes);
  const got = await r.run(x.data as Float32Array, x.shape);
  await r.session.release();
  const ops = await ort_op_counts(ort, bytes, x.data as Float32Array, x.shape);
  return { got, want: fxq_logits(model, x), ops };
}

function max_diff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** The smallest gap between distinct values of `v`: the output's quantization step. */
function step_of(v: ArrayLike<number>): number {
  const levels = [...new Set(Array.from(v))].sort((a, b) => a - b);
  return Math.min(...levels.slice(1).map((x, i) => x - levels[i]));
}

class Conv1dNet extends nn.Module {
  conv = new nn.Conv1d(3, 8, 3, { padding: 1 });
  bn = new nn.BatchNorm1d(8);
  relu = new nn.ReLU();
  conv2 = new nn.Conv1d(8, 4, 5, { stride: 2, dilation: 2, groups: 2 });
  forward(x: Tensor): Tensor {
    return this.conv2.forward(this.relu.forward(this.bn.forward(this.conv.forward(x))));
  }
}

describe('Conv1d', () => {
  it('float: Conv over [N, C, L] matches fxq within 1e-4', async () => {
    manual_seed(0);
    const x = randn([2, 3, 19], { generator: new Generator(1) });
    const { got, want } = await run_both(new Conv1dNet().eval(), x);
    expect(max_diff(got, want)).toBeLessThan(1e-4);
  });

  it('FX int8 (ConvReLU1d, Conv1d): QLinearConv, fxq’s values within one output step', async () => {
    manual_seed(0);
    const x = randn([4, 3, 19], { generator: new Generator(2) });
    const prepared = quantization.prepare_fx(
      new Conv1dNet().eval(),
      { '': quantization.get_default_qconfig('qnnpack') },
      [x],
    );
    no_grad(() => prepared.call(x));
    const q = quantization.convert_fx(prepared);
    const { got, want, ops } = await run_both(q, x);
    expect(max_diff(got, want)).toBeLessThanOrEqual(step_of(want) * 1.001);
    expect(ops.QLinearConv).toBe(2);
  });
});
