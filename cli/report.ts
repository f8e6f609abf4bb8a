/**
 * `fxq report`: one self-contained HTML file for a model file — summary (fp32 vs int8 accuracy, top-1
 * agreement, state_dict size, latency), the int8 graph coloured by per-layer SQNR, the SQNR and
 * sensitivity charts, and weight/activation histograms with their clipping ranges.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { no_grad } from '../runtime/autograd/grad_mode.js';
import type { Module } from '../runtime/nn/module.js';
import { Tensor } from '../runtime/tensor/tensor.js';
import { example_inputs_of } from '../tools/model_file.js';
import { batches, input_set, labels_of, predict_set, slice_rows } from '../tools/node/inputs.js';
import { progress_bar } from '../tools/progress.js';
import { collect_layer_sections } from '../tools/report/collect.js';
import type { ReportData } from '../tools/report/html.js';
import { write_report } from '../tools/report/node/write_report.js';
import { one_at_a_time, type SensitivityResult } from '../tools/sensitivity/sensitivity.js';
import { type CommonOptions, emit, int_option, note, pct, task_spec } from './common.js';
import { float_and_quantized } from './compare.js';
import { UsageError } from './dump.js';

/** Bytes of a model's state_dict tensors (element size of their storage: int8 weights 1, float32 4). */
export function state_dict_bytes(m: Module): number {
  let n = 0;
  for (const t of Object.values(m.state_dict()))
    n += t.numel() * (t.data as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return n;
}

function median_ms(m: Module, x: unknown[], runs = 7): number {
  const t: number[] = [];
  no_grad(() => {
    m.call(...x);
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      m.call(...x);
      t.push(performance.now() - s);
    }
  });
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

function read_sensitivity(file: string): SensitivityResult {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--sensitivity-json ${file}: ${(e as Error).message}`);
  }
  const r = j as SensitivityResult;
  if (!Array.isArray(r?.rows) || typeof r.baseline !== 'number')
    throw new UsageError(
      `--sensitivity-json ${file}: not the output of 'fxq sensitivity --json' (needs rows and baseline)`,
    );
  return r;
}

/** The report command; returns the exit code. */
export async function report_command(
  path: string,
  o: CommonOptions & {
    out?: string;
    quantized?: string;
    sensitivity: boolean;
    sensitivityJson?: string;
    workers?: string;
  },
): Promise<number> {
  if (!o.out) throw new UsageError('report: --out <file.html> is required');
  const spec = task_spec(path, o); // checks --data (a Fashion-MNIST directory) before any work
  const sens_file = o.sensitivityJson ? read_sensitivity(o.sensitivityJson) : null;
  const t0 = performance.now();
  const { file, model, q } = await float_and_quantized(path, o);
  const ex = example_inputs_of(file);
  const like = ex.every((t) => t instanceof Tensor) ? (ex as Tensor[]) : undefined;
  const want = int_option(o.evalImages, '--eval-images');
  const set = input_set(o, 'evaluation', want, int_option(o.evalOffset, '--eval-offset', 0), like, note);
  const labels = labels_of(set, 'report');
  const n = set.n;
  note(`evaluating fp32 and int8 on ${n} inputs`);
  const pf = predict_set(model, set);
  const pq = predict_set(q, set);
  let okf = 0;
  let okq = 0;
  let same = 0;
  for (let i = 0; i < n; i++) {
    okf += pf[i] === labels[i] ? 1 : 0;
    okq += pq[i] === labels[i] ? 1 : 0;
    same += pf[i] === pq[i] ? 1 : 0;
  }
  const all = [...batches(set, 250)];
  const bar = progress_bar('comparing layers', all.length, { silent: o.json });
  const sections = await collect_layer_sections(model, q, all, { on_batch: (d) => bar.update(d) });
  bar.stop();
  const x32 = slice_rows(set, 0, Math.min(32, n));
  const lat_f = median_ms(model, x32);
  const lat_q = median_ms(q, x32);
  let sensitivity: SensitivityResult | null = sens_file;
  if (!sensitivity && o.sensitivity) {
    const workers = o.workers === undefined ? availableParallelism() : int_option(o.workers, '--workers');
    const sbar = progress_bar('sensitivity (one-at-a-time)', 0, { silent: o.json });
    sensitivity = await one_at_a_time(spec, { workers, on_result: (_i, _r, d, t) => sbar.update(d, t) });
    sbar.stop();
  }
  const sf = state_dict_bytes(model);
  const sq = state_dict_bytes(q);
  const data: ReportData = {
    title: `fxq report: ${model.constructor.name}`,
    subtitle: `${path}; qconfig ${o.qconfig}; backend ${o.backend}; evaluated on ${set.source}; generated ${new Date().toISOString()}`,
    summary: [
      {
        metric: 'accuracy',
        fp32: pct(okf / n),
        int8: pct(okq / n),
        note: `Δ ${((100 * (okq - okf)) / n).toFixed(2)} pp`,
      },
      { metric: 'top-1 agreement', fp32: '', int8: pct(same / n), note: 'int8 vs fp32 predictions' },
      {
        metric: 'state_dict size',
        fp32: `${(sf / 1024).toFixed(1)} KiB`,
        int8: `${(sq / 1024).toFixed(1)} KiB`,
        note: `${(sf / sq).toFixed(2)}x smaller`,
      },
      {
        metric: `latency, batch ${x32[0].shape[0]}`,
        fp32: `${lat_f.toFixed(2)} ms`,
        int8: `${lat_q.toFixed(2)} ms`,
        note: `median of 7, ${o.backend} backend`,
      },
    ],
    graph_svg: sections.graph_svg,
    layers: sections.layers,
    histograms: sections.histograms,
    ...(sensitivity
      ? {
          sensitivity: {
            mode: sensitivity.mode.replace(/_/g, '-'),
            baseline: sensitivity.baseline,
            rows: sensitivity.rows,
          },
        }
      : {}),
  };
  write_report(o.out, data);
  const seconds = (performance.now() - t0) / 1000;
  emit(
    o,
    {
      model: path,
      out: o.out,
      fp32_accuracy: okf / n,
      int8_accuracy: okq / n,
      agreement: same / n,
      state_dict_bytes: { fp32: sf, int8: sq },
      latency_ms: { fp32: lat_f, int8: lat_q },
      layers: sections.comparisons,
      sensitivity,
      seconds,
    },
    `wrote ${o.out}: fp32 ${pct(okf / n)}, int8 ${pct(okq / n)}, ${sections.layers.length} layers compared${sensitivity ? `, sensitivity of ${sensitivity.rows.length} layers` : ''} (${seconds.toFixed(1)} s)`,
  );
  return 0;
}
