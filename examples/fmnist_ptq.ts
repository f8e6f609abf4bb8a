/**
 * `npm run demo [-- --model fmnist_cnn] [--data DIR] [--limit 10000] [--calib 1000] [--calib-backend js]
 *   [--fp32-numerics fast|pytorch_x86]
 *   [--eval-backend wasm] [--backends js,wasm] [--batches 1,32] [--no-latency] [--save DIR]`
 *
 * FX graph-mode post-training quantization of FmnistCNN end to end, as PyTorch's FX guide does it:
 * load the trained weights, prepare_fx (symbolic trace, fuse conv-bn-relu / linear-relu with BatchNorm
 * folded, insert observers) with get_default_qconfig('qnnpack'), calibrate on the first 1,000 training
 * images (batches of 50, in order — the reference's calibration set), convert_fx, then compare fp32 and
 * int8: accuracy on the 10k test set, state_dict size, and latency on the js and wasm backends at batch
 * 1 and 32. Calibration images come from the full training set when `--data DIR` (or FXQ_DATA) points
 * at one, else from the repo's train-first1000 subset (the same images); the report says which.
 * `--model fmnist_resnet` runs the same pipeline on FmnistResNet (residual add+relu lowered to int8).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format_ms, per_second } from '../bench/_util.js';
import { load_quantized, save_quantized } from '../compiler/artifact/node/index.js';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { type Fp32Numerics, type nn, no_grad, type Tensor, with_fp32_numerics } from '../index.js';
import { calibrate, evaluate_accuracy, state_dict_nbytes, top1_agreement } from './lib/evaluate.js';
import { image_batch, load_calibration_images, load_test_images } from './lib/fmnist_data.js';
import { graph_summary } from './lib/graph_summary.js';
import { type BackendName, time_model, with_backend } from './lib/latency.js';
import { progress_line } from './lib/progress.js';
import { quantize_ptq } from './lib/ptq.js';
import { FMNIST_MODELS } from './models/index.js';

/** PyTorch 1.13 FX per-tensor PTQ accuracies on the 10k test set (docs/reference/RESULTS.md §2), for the report. */
const PYTORCH_ACCURACY: Record<DemoModel, { fp32: number; int8: number; title: string }> = {
  fmnist_cnn: { fp32: 0.9041, int8: 0.9038, title: 'FmnistCNN' },
  fmnist_resnet: { fp32: 0.8998, int8: 0.9, title: 'FmnistResNet' },
};

/** The models the demo can quantize (trained weights in examples/weights). */
export type DemoModel = 'fmnist_cnn' | 'fmnist_resnet';

/** What the demo runs; every field has the full-demo default. */
export interface PtqDemoOptions {
  /** Which trained model (default 'fmnist_cnn'). */
  model?: DemoModel;
  /** Full Fashion-MNIST training set directory: calibrate on its first `calib_limit` images. */
  data_dir?: string;
  /** Test images to evaluate (default 10,000: the whole test set). */
  test_limit?: number;
  /** Calibration images (default 1,000). */
  calib_limit?: number;
  /** Backend for the accuracy runs (default 'wasm': the fast one; int8 results are bit-identical on js). */
  eval_backend?: BackendName;
  /**
   * Backend for the calibration forward passes (default 'js', the reference kernels). HistogramObserver's
   * range search reacts to ulp-level fp32 differences: calibrated on js, FmnistCNN's conv1 output scale
   * is 0.024317 (PyTorch: 0.024229); on wasm (another summation order) 0.025993.
   */
  calib_backend?: BackendName;
  /**
   * Float rounding during calibration (default 'fast'). 'pytorch_x86' rounds conv/linear exactly as
   * PyTorch 1.13 on x86 does (set_fp32_numerics), so the observers end with PyTorch's qparams (FmnistCNN
   * conv1, all of FmnistResNet's but one); calibration is then ~5× slower.
   */
  fp32_numerics?: Fp32Numerics;
  /** Backends and batch sizes to time; false skips latency (default js, wasm × 1, 32). */
  latency?: { backends: BackendName[]; batches: number[]; budget_ms?: number } | false;
  /**
   * Save the int8 model there (save_quantized: model.safetensors, and model.ts with write_source), load it back
   * with load_quantized and check its logits equal the in-memory model's.
   */
  save_dir?: string;
  /** Compare the int8 logits on js and wasm for the first 32 test images (default true). */
  check_backends?: boolean;
  /** No progress lines on stderr. */
  quiet?: boolean;
}

/** fp32 vs int8 on one backend and batch size (median ms per call). */
export interface LatencyRow {
  backend: BackendName;
  batch: number;
  fp32_ms: number;
  int8_ms: number;
  /** fp32_ms / int8_ms: > 1 means int8 is faster. */
  speedup: number;
}

/** Everything the demo measured. */
export interface PtqDemoResult {
  model: DemoModel;
  calibration: { images: number; source: string };
  test: { images: number; source: string };
  eval_backend: BackendName;
  calib_backend: BackendName;
  fp32_numerics: Fp32Numerics;
  seconds: { prepare: number; calibrate: number; convert: number; eval_fp32: number; eval_int8: number };
  graph: { prepared: string; quantized: string };
  fp32: { correct: number; accuracy: number };
  int8: { correct: number; accuracy: number };
  /** Fraction of test images where fp32 and int8 predict the same class. */
  agreement: number;
  /** Whether the int8 logits on js and wasm are bit-identical on the first test batch (null: not checked). */
  int8_js_wasm_identical: boolean | null;
  size: { fp32_bytes: number; int8_bytes: number; ratio: number };
  latency: LatencyRow[];
  /** The saved artifact (with save_dir): directory, file sizes in bytes, reload check. */
  saved: { dir: string; files: Record<string, number>; reload_identical: boolean } | null;
  /** The converted model, for further use. */
  quantized: GraphModule;
}

/** Runs the demo's pipeline (load, prepare, calibrate, convert, evaluate, time) and returns the figures. */
export function run_ptq_demo(options: PtqDemoOptions = {}): PtqDemoResult {
  const quiet = options.quiet ?? false;
  const eval_backend = options.eval_backend ?? 'wasm';
  const calib_backend = options.calib_backend ?? 'js';
  const name = options.model ?? 'fmnist_cnn';
  if (!(name in PYTORCH_ACCURACY))
    throw new Error(`fmnist_ptq: unknown model '${name}' (have: ${Object.keys(PYTORCH_ACCURACY).join(', ')})`);
  const spec = FMNIST_MODELS.find((m) => m.name === name);
  if (!spec?.pretrained) throw new Error(`fmnist_ptq: examples/models has no pretrained ${name}`);
  const stage = (label: string) => progress_line(label, { silent: quiet });

  const calib = load_calibration_images({ data_dir: options.data_dir, limit: options.calib_limit ?? 1000 });
  const test = load_test_images({ limit: options.test_limit ?? 10000 });
  const model = spec.pretrained().eval();
  const latency = options.latency ?? { backends: ['js', 'wasm'], batches: [1, 32] };
  const too_big = latency ? latency.batches.find((b) => b > test.labels.length) : undefined;
  if (too_big !== undefined)
    throw new Error(`fmnist_ptq: latency batch ${too_big} exceeds the ${test.labels.length} test images (--limit)`);

  const numerics = options.fp32_numerics ?? 'fast';
  const p = stage(`calibrating on ${calib.labels.length} images (${calib_backend}, ${numerics} fp32 rounding)`);
  const ptq = with_backend(calib_backend, () =>
    quantize_ptq(model, spec.example_inputs(), (prepared) =>
      with_fp32_numerics(numerics, () => calibrate(prepared, calib.images, { batch_size: 50, on_progress: p.update })),
    ),
  );
  p.done();
  const q = ptq.quantized;

  const ef = stage(`fp32 accuracy on ${test.labels.length} test images (${eval_backend})`);
  const fp32 = with_backend(eval_backend, () => evaluate_accuracy(model, test, { on_progress: ef.update }));
  const eval_fp32 = ef.done(`${(100 * fp32.accuracy).toFixed(2)}%`);
  const ei = stage(`int8 accuracy on ${test.labels.length} test images (${eval_backend})`);
  const int8 = with_backend(eval_backend, () => evaluate_accuracy(q, test, { on_progress: ei.update }));
  const eval_int8 = ei.done(`${(100 * int8.accuracy).toFixed(2)}%`);

  const identical = (options.check_backends ?? true) ? same_int8_logits(q, test.images) : null;
  const rows: LatencyRow[] = [];
  if (latency !== false) {
    const budget_ms = latency.budget_ms ?? 1000;
    for (const backend of latency.backends) {
      for (const batch of latency.batches) {
        const x = image_batch(test.images, 0, batch);
        const l = stage(`latency ${backend} batch ${batch}`);
        const fp32_ms = time_model(model, x, backend, { budget_ms, min_runs: 5 }).median_ms;
        const int8_ms = time_model(q, x, backend, { budget_ms, min_runs: 5 }).median_ms;
        l.done();
        rows.push({ backend, batch, fp32_ms, int8_ms, speedup: fp32_ms / int8_ms });
      }
    }
  }

  const saved = options.save_dir === undefined ? null : save_and_reload(q, options.save_dir, test.images);
  const fp32_bytes = state_dict_nbytes(model);
  const int8_bytes = state_dict_nbytes(q);
  return {
    model: name,
    calibration: { images: calib.labels.length, source: calib.source },
    test: { images: test.labels.length, source: test.source },
    eval_backend,
    calib_backend,
    fp32_numerics: numerics,
    seconds: { ...ptq.seconds, eval_fp32, eval_int8 },
    graph: { prepared: graph_summary(ptq.prepared), quantized: graph_summary(q) },
    fp32: { correct: fp32.correct, accuracy: fp32.accuracy },
    int8: { correct: int8.correct, accuracy: int8.accuracy },
    agreement: top1_agreement(fp32.predictions, int8.predictions),
    int8_js_wasm_identical: identical,
    size: { fp32_bytes, int8_bytes, ratio: int8_bytes / fp32_bytes },
    latency: rows,
    saved,
    quantized: q,
  };
}

/** True when the int8 model's logits on the first (up to) 32 test images are identical on js and wasm. */
function same_int8_logits(q: nn.Module, images: Tensor): boolean {
  const x = image_batch(images, 0, Math.min(32, images.shape[0]));
  const run = (be: BackendName) => with_backend(be, () => no_grad(() => (q.call(x) as Tensor).data));
  const a = run('js');
  const b = run('wasm');
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** save_quantized → load_quantized (no model class needed) → same logits on the first test images. */
function save_and_reload(q: GraphModule, dir: string, images: Tensor): NonNullable<PtqDemoResult['saved']> {
  save_quantized(q, join(dir, 'model.safetensors'), { write_source: true });
  const files = Object.fromEntries(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).size]));
  const loaded = load_quantized(join(dir, 'model.safetensors'));
  const x = image_batch(images, 0, Math.min(32, images.shape[0]));
  const [a, b] = [q, loaded].map((m) => no_grad(() => (m.call(x) as Tensor).data));
  return { dir, files, reload_identical: a.length === b.length && a.every((v, i) => Object.is(v, b[i])) };
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const kib = (b: number) => `${b.toLocaleString('en-US')} B (${(b / 1024).toFixed(1)} KiB)`;

/** The demo's report as text (markdown tables). */
export function format_ptq_report(r: PtqDemoResult): string {
  const ref = PYTORCH_ACCURACY[r.model];
  const lines = [
    '',
    `# fxq: FX graph-mode post-training quantization of ${ref.title} (Fashion-MNIST)`,
    '',
    `calibration  ${r.calibration.images.toLocaleString('en-US')} images — ${r.calibration.source}, batches of 50`,
    `test set     ${r.test.images.toLocaleString('en-US')} images — ${r.test.source}`,
    "qconfig      get_default_qconfig('qnnpack'): HistogramObserver quint8 activations, MinMaxObserver qint8 per-tensor symmetric weights",
    `stages       prepare_fx ${r.seconds.prepare.toFixed(2)} s, calibration ${r.seconds.calibrate.toFixed(1)} s, convert_fx ${r.seconds.convert.toFixed(2)} s (calibration forward passes on the ${r.calib_backend} backend, ${r.fp32_numerics} fp32 rounding)`,
    '',
    `prepared:  ${r.graph.prepared}`,
    '',
    `converted: ${r.graph.quantized}`,
    '',
    `## Accuracy (${r.test.images.toLocaleString('en-US')} test images, ${r.eval_backend} backend)`,
    '',
    '| model | correct | accuracy | PyTorch FX (docs/reference/RESULTS.md, 10k) | eval time |',
    '|---|---|---|---|---|',
    `| fp32 | ${r.fp32.correct} | ${pct(r.fp32.accuracy)} | ${pct(ref.fp32)} | ${r.seconds.eval_fp32.toFixed(1)} s |`,
    `| int8 | ${r.int8.correct} | ${pct(r.int8.accuracy)} | ${pct(ref.int8)} | ${r.seconds.eval_int8.toFixed(1)} s |`,
    '',
    `int8 − fp32: ${(100 * (r.int8.accuracy - r.fp32.accuracy)).toFixed(2)} pp; top-1 agreement ${pct(r.agreement)}` +
      (r.int8_js_wasm_identical === null
        ? ''
        : `; int8 logits js vs wasm on the first test batch: ${r.int8_js_wasm_identical ? 'bit-identical' : 'DIFFERENT'}`),
    '',
    '## Model size (state_dict tensor bytes)',
    '',
    `fp32 ${kib(r.size.fp32_bytes)}  →  int8 ${kib(r.size.int8_bytes)}: ${(100 * r.size.ratio).toFixed(1)}% of fp32 (${(1 / r.size.ratio).toFixed(2)}x smaller)`,
  ];
  if (r.saved) {
    const files = Object.entries(r.saved.files)
      .map(([f, n]) => `${f} ${n.toLocaleString('en-US')} B`)
      .join(', ');
    lines.push(
      '',
      `saved to ${r.saved.dir}: ${files}; reloaded with load_quantized: logits ${r.saved.reload_identical ? 'identical' : 'DIFFERENT'}`,
    );
  }
  if (r.latency.length) {
    lines.push(
      '',
      '## Latency (single thread, median ms per call after warm-up)',
      '',
      '| backend | batch | fp32 ms | int8 ms | int8 speed-up | fp32 img/s | int8 img/s |',
      '|---|---|---|---|---|---|---|',
      ...r.latency.map(
        (l) =>
          `| ${l.backend} | ${l.batch} | ${format_ms(l.fp32_ms)} | ${format_ms(l.int8_ms)} | ${l.speedup.toFixed(2)}x | ${per_second(l.batch, l.fp32_ms).toFixed(0)} | ${per_second(l.batch, l.int8_ms).toFixed(0)} |`,
      ),
      '',
      'speed-up = fp32 ms / int8 ms (> 1: int8 faster). Medians move up to ~25% between runs on shared VMs.',
    );
  }
  return lines.join('\n');
}

function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`fmnist_ptq: --${name} needs a value`);
    return v;
  }
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function list_arg<T>(name: string, fallback: T[], parse: (s: string) => T): T[] {
  const v = arg(name);
  return v === undefined ? fallback : v.split(',').map(parse);
}

function main(): void {
  const backends = list_arg<BackendName>('backends', ['js', 'wasm'], (s) => {
    if (s !== 'js' && s !== 'wasm') throw new Error(`fmnist_ptq: --backends: unknown backend '${s}' (js, wasm)`);
    return s;
  });
  const batches = list_arg('batches', [1, 32], (s) => {
    const n = Number(s);
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`fmnist_ptq: --batches: '${s}' is not a positive integer`);
    return n;
  });
  const num = (name: string) => {
    const v = arg(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`fmnist_ptq: --${name}: '${v}' is not a positive integer`);
    return n;
  };
  const backend = (name: string): BackendName | undefined => {
    const v = arg(name);
    if (v !== undefined && v !== 'js' && v !== 'wasm')
      throw new Error(`fmnist_ptq: --${name}: unknown backend '${v}' (js, wasm)`);
    return v;
  };
  const numerics_arg = (): Fp32Numerics | undefined => {
    const v = arg('fp32-numerics');
    if (v !== undefined && v !== 'fast' && v !== 'pytorch_x86')
      throw new Error(`fmnist_ptq: --fp32-numerics: unknown mode '${v}' (fast, pytorch_x86)`);
    return v;
  };
  const result = run_ptq_demo({
    model: arg('model') as DemoModel | undefined,
    calib_backend: backend('calib-backend'),
    fp32_numerics: numerics_arg(),
    eval_backend: backend('eval-backend'),
    data_dir: arg('data') ?? (process.env.FXQ_DATA || undefined),
    test_limit: num('limit'),
    calib_limit: num('calib'),
    latency: process.argv.includes('--no-latency') ? false : { backends, batches },
    save_dir: arg('save'),
  });
  console.log(format_ptq_report(result));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
