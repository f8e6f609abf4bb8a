/**
 * ONNX export checked end to end on onnxruntime-web:
 *
 *   npx tsx examples/onnx_export.ts [--limit 10000] [--calib 1000] [--models fmnist_cnn,fmnist_resnet,fmnist_lstm,fmnist_mobilenet]
 *     [--out out/onnx_export.json] [--save DIR]
 *
 * For FmnistCNN and FmnistResNet (fp32, FX int8 with per-tensor and per-channel weights) and FmnistLSTM
 * (fp32, dynamic int8): export_onnx_bytes → onnxruntime-web (wasm EP, 1 thread, optimization 'all') on
 * the first --limit test images, against fxq's own model on the wasm backend: top-1 agreement, the
 * fraction of int8 logits within one output step, max |Δ|, both accuracies; and the op types ONNX
 * Runtime ran after its QDQ fusion (from a profiling run). --save writes each export there.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { arg_value } from '../bench/_util.js';
import { export_onnx_bytes } from '../compiler/export/onnx/export.js';
import { image_batch, load_test_images } from './lib/fmnist_data.js';
import { build_cases, compare_logits, fxq_logits } from './lib/onnx_cases.js';
import { load_onnxruntime, ort_op_counts, ort_runner } from './lib/onnx_runtime.js';

const args = process.argv.slice(2);
const limit = Number(arg_value(args, 'limit') ?? 10000);
const calib = Number(arg_value(args, 'calib') ?? 1000);
const models = (arg_value(args, 'models') ?? 'fmnist_cnn,fmnist_resnet,fmnist_lstm,fmnist_mobilenet').split(',');
const out_path = resolve(arg_value(args, 'out') ?? 'out/onnx_export.json');
const save_dir = arg_value(args, 'save');
const BATCH = 500;

const ort = await load_onnxruntime();
const test = load_test_images({ limit });
const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const rows: Record<string, unknown>[] = [];
console.log(`machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, Node ${process.version}; ${limit} test images`);
for (const name of models) {
  for (const c of build_cases(name, calib)) {
    const t0 = performance.now();
    const bytes = export_onnx_bytes(c.model, c.example_inputs, {
      input_names: ['input'],
      output_names: ['logits'],
      ...c.options,
    });
    const export_ms = performance.now() - t0;
    if (save_dir) {
      mkdirSync(save_dir, { recursive: true });
      writeFileSync(join(save_dir, `${name}_${c.kind.replace(/[^a-z0-9]+/gi, '_')}.onnx`), bytes);
    }
    const runner = await ort_runner(ort, bytes);
    const fxq: Float32Array[] = [];
    const onnx: Float32Array[] = [];
    for (let s = 0; s < limit; s += BATCH) {
      const x = image_batch(test.images, s, Math.min(BATCH, limit - s));
      fxq.push(fxq_logits(c.model, x));
      onnx.push(await runner.run(x.data as Float32Array, x.shape));
    }
    await runner.session.release();
    const cat = (parts: Float32Array[]) => {
      const o = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      let at = 0;
      for (const p of parts) {
        o.set(p, at);
        at += p.length;
      }
      return o;
    };
    const cmp = compare_logits(cat(fxq), cat(onnx), 10, c.step);
    let acc_fxq = 0;
    let acc_ort = 0;
    for (let i = 0; i < limit; i++) {
      if (cmp.pred_a[i] === test.labels[i]) acc_fxq++;
      if (cmp.pred_b[i] === test.labels[i]) acc_ort++;
    }
    const x1 = image_batch(test.images, 0, 1);
    const ops = await ort_op_counts(ort, bytes, x1.data as Float32Array, x1.shape);
    const row = {
      model: name,
      kind: c.kind,
      bytes: bytes.length,
      export_ms: Math.round(export_ms),
      images: limit,
      top1_agreement: cmp.top1_agreement,
      within_one_step: cmp.within_one_step,
      max_abs_diff: cmp.max_abs_diff,
      accuracy_fxq: acc_fxq / limit,
      accuracy_ort: acc_ort / limit,
      ort_ops: ops,
    };
    rows.push(row);
    console.log(
      `${name} ${c.kind}: ${(bytes.length / 1024).toFixed(1)} KiB (export ${row.export_ms} ms); top-1 agreement ${pct(cmp.top1_agreement)}` +
        `${cmp.within_one_step === null ? '' : `, logits within one step ${pct(cmp.within_one_step)}`}, max |Δ| ${cmp.max_abs_diff.toExponential(2)}; ` +
        `accuracy fxq ${pct(row.accuracy_fxq)} ORT ${pct(row.accuracy_ort)} (Δ ${((row.accuracy_ort - row.accuracy_fxq) * 100).toFixed(2)} points)`,
    );
    console.log(
      `  ORT ran: ${Object.entries(ops)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
    );
  }
}
mkdirSync(dirname(out_path), { recursive: true });
writeFileSync(out_path, `${JSON.stringify({ machine: cpus()[0]?.model, rows }, null, 2)}\n`);
console.log(`written ${out_path}`);
