import type { GraphModule } from '../compiler/ir/graph_module.js';
import { convert_fx, prepare_fx } from '../compiler/quantize_fx.js';
import { image_batch, load_calibration_images, load_test_images } from '../examples/lib/fmnist_data.js';
import { FMNIST_VIT } from '../examples/models/index.js';
import { fx, nn, no_grad, quantization } from '../index.js';
import { get_fxq_backend_config } from '../runtime/quantized/op_catalogue/index.js';
import { profile } from './_node_timing.js';
import { format_ms, print_table, time_sync } from './_util.js';

/** Prints FmnistViT's per-op table (wasm backend already selected by the caller). */
export function profile_vit(batch: number, reps: number, wall: boolean): void {
  const fp32 = (FMNIST_VIT.pretrained as () => nn.Module)().eval();
  const x = image_batch(load_test_images({ limit: batch }).images, 0, batch);
  const example = [x.narrow(0, 0, 1)];
  const dynamic = convert_fx(
    prepare_fx(
      fp32,
      new quantization.QConfigMapping().set_object_type(nn.Linear, quantization.default_dynamic_qconfig),
      example,
    ),
  );
  const prepared = prepare_fx(fp32, { '': quantization.get_default_qconfig('qnnpack') }, example);
  const calib = load_calibration_images({ limit: 1000 });
  no_grad(() => {
    for (let s = 0; s < 1000; s += 50) prepared.call(image_batch(calib.images, s, 50));
  });
  const opt = prepare_fx(fp32, { '': quantization.get_default_qconfig('qnnpack') }, example, null, {
    backend_config: get_fxq_backend_config(),
    warn: false,
  });
  no_grad(() => {
    for (let s = 0; s < 1000; s += 50) opt.call(image_batch(calib.images, s, 50));
  });
  const configs: [string, GraphModule][] = [
    ['fp32', fx.symbolic_trace(fp32)],
    ['dynamic int8', dynamic],
    ['static int8 (parity)', convert_fx(prepared)],
    ['static int8 (opt-in)', convert_fx(opt, { warn: false })],
  ];
  const results = configs.map(([label, gm]) => {
    const ops = profile(gm, x, reps, wall);
    const fwd = time_sync(() => no_grad(() => gm.call(x)), { warmup: 1, min_runs: reps, max_runs: reps });
    return { label, ops, forward_ms: fwd.median_ms };
  });
  const keys = [...new Set(results.flatMap((r) => [...r.ops.keys()]))]
    .filter((k) => !['placeholder', 'get_attr', 'output'].includes(k))
    .sort(
      (a, b) => Math.max(...results.map((r) => r.ops.get(b) ?? 0)) - Math.max(...results.map((r) => r.ops.get(a) ?? 0)),
    );
  const cell = (v: number | undefined) => (v === undefined ? '—' : format_ms(v));
  const body: (string | number)[][] = keys.map((k) => [k, ...results.map((r) => cell(r.ops.get(k)))]);
  body.push([
    'Σ nodes (interpreted)',
    ...results.map((r) => format_ms([...r.ops.values()].reduce((a, b) => a + b, 0))),
  ]);
  body.push(['compiled forward, wall (median)', ...results.map((r) => format_ms(r.forward_ms))]);
  console.log(`\nfmnist_vit, batch ${batch}, wasm, ${wall ? 'wall' : 'CPU'} ms per call by op (mean of ${reps})\n`);
  print_table(['op', ...results.map((r) => r.label)], body);
}
