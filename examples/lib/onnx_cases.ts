/**
 * The models the ONNX export is checked on (tests, examples/onnx_export.ts, bench): FmnistCNN and
 * FmnistResNet in fp32 and FX static int8 (qnnpack per-tensor weights, and per-channel weights),
 * FmnistLSTM in fp32 and dynamic int8 (quantize_dynamic {LSTM, Linear}); and how fxq's logits are
 * compared with ONNX Runtime's.
 */
import { existsSync } from 'node:fs';
import type { ExportOnnxOptions } from '../../compiler/export/onnx/export.js';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { Node } from '../../compiler/ir/node.js';
import { type nn, no_grad, quantization, type Tensor } from '../../index.js';
import { Linear as NnLinear, LSTM as NnLSTM } from '../../runtime/nn/layers/index.js';
import { weights_path } from '../models/common.js';
import * as mobilenet from '../models/fmnist_mobilenet.js';
import { get_example_model } from '../models/index.js';
import { image_batch, load_calibration_images } from './fmnist_data.js';
import { with_backend } from './latency.js';
import { quantize_ptq } from './ptq.js';

export type CaseKind = 'fp32' | 'int8 per-tensor' | 'int8 per-channel' | 'dynamic int8' | 'dynamic int8, float LSTM';

export interface OnnxCase {
  model_name: string;
  kind: CaseKind;
  model: nn.Module;
  /** Example inputs to export with. */
  example_inputs: Tensor[];
  /** The output's quantization step (static int8), else null. */
  step: number | null;
  /** Export options the case needs (beyond names). */
  options?: ExportOnnxOptions;
}

/** The scale of the quantized tensor the output node dequantizes (FX-converted models). */
export function output_step(gm: GraphModule): number {
  const out = [...gm.graph.nodes].find((n) => n.op === 'output');
  const deq = out?.args[0];
  const src = deq instanceof Node ? deq.args[0] : undefined;
  if (!(src instanceof Node) || src.op !== 'call_module')
    throw new Error('output_step: the output is not dequantize(module(...))');
  const scale = (gm.get_submodule(src.target) as unknown as { scale?: number }).scale;
  if (typeof scale !== 'number') throw new Error(`output_step: module '${src.target}' has no output scale`);
  return scale;
}

/** The float model and its example inputs: trained weights (FmnistMobileNet: when its weight file exists, else its seeded initialisation). */
function float_model(model_name: string): { fp32: nn.Module; example: Tensor[]; trained: boolean } {
  if (model_name === mobilenet.name) {
    const m = mobilenet.default();
    const trained = existsSync(weights_path(mobilenet.name));
    if (trained) mobilenet.load_weights(m);
    return { fp32: m.eval(), example: mobilenet.example_inputs(), trained };
  }
  const spec = get_example_model(model_name);
  return { fp32: spec.pretrained!().eval(), example: spec.example_inputs(), trained: true };
}

/**
 * The cases of `model_name` (fmnist_cnn, fmnist_resnet, fmnist_lstm, fmnist_mobilenet), calibrated on
 * `calib` images.
 */
export function build_cases(model_name: string, calib: number, kinds?: CaseKind[]): OnnxCase[] {
  const { fp32, example } = float_model(model_name);
  const want = (k: CaseKind) => !kinds || kinds.includes(k);
  const out: OnnxCase[] = [];
  const base = { model_name, example_inputs: example };
  if (want('fp32')) out.push({ ...base, kind: 'fp32', model: fp32, step: null });
  if (model_name === 'fmnist_lstm') {
    const dq = quantization.quantize_dynamic(fp32, new Set([NnLSTM, NnLinear]), 'qint8');
    if (want('dynamic int8')) out.push({ ...base, kind: 'dynamic int8', model: dq, step: null });
    if (want('dynamic int8, float LSTM'))
      out.push({
        ...base,
        kind: 'dynamic int8, float LSTM',
        model: dq,
        step: null,
        options: { dynamic_lstm: 'float' },
      });
    return out;
  }
  const images = load_calibration_images({ limit: calib }).images;
  const calibrate = (p: GraphModule) =>
    no_grad(() => {
      for (let s = 0; s < calib; s += 50) p.call(image_batch(images, s, Math.min(50, calib - s)));
    });
  const qconfigs: [CaseKind, quantization.QConfig][] = [
    ['int8 per-tensor', quantization.get_default_qconfig('qnnpack')],
    ['int8 per-channel', quantization.get_default_qconfig('wasm')],
  ];
  for (const [kind, qconfig] of qconfigs) {
    if (!want(kind)) continue;
    const q = with_backend('wasm', () => quantize_ptq(fp32, example, calibrate, { qconfig })).quantized;
    out.push({ ...base, kind, model: q, step: output_step(q) });
  }
  return out;
}

/** How two [N, C] logit sets compare. */
export interface LogitComparison {
  n: number;
  top1_agreement: number;
  /** Fraction of logit values within one output step (int8) — null for float outputs. */
  within_one_step: number | null;
  max_abs_diff: number;
  /** argmax of each row, both sides. */
  pred_a: Int32Array;
  pred_b: Int32Array;
}

function argmax_rows(y: ArrayLike<number>, n: number, c: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (y[i * c + k] > y[i * c + best]) best = k;
    out[i] = best;
  }
  return out;
}

export function compare_logits(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  classes: number,
  step: number | null,
): LogitComparison {
  if (a.length !== b.length) throw new Error(`compare_logits: ${a.length} vs ${b.length} values`);
  const n = a.length / classes;
  let max = 0;
  let within = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    max = Math.max(max, d);
    if (step !== null && d <= step * (1 + 1e-4)) within++;
  }
  const pred_a = argmax_rows(a, n, classes);
  const pred_b = argmax_rows(b, n, classes);
  let agree = 0;
  for (let i = 0; i < n; i++) if (pred_a[i] === pred_b[i]) agree++;
  return {
    n,
    top1_agreement: agree / n,
    within_one_step: step === null ? null : within / a.length,
    max_abs_diff: max,
    pred_a,
    pred_b,
  };
}

/** fxq's logits of `model` on `x` (wasm backend), as a float array. */
export function fxq_logits(model: nn.Module, x: Tensor): Float32Array {
  return with_backend('wasm', () =>
    no_grad(() => {
      const y = model.call(x) as Tensor;
      return (y.is_quantized ? y.dequantize() : y).contiguous().data as Float32Array;
    }),
  );
}
