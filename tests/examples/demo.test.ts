/**
 * Smoke test of the PTQ demo's core (examples/fmnist_ptq.ts run_ptq_demo) on a small subset, and of
 * its helpers (examples/lib): accuracy holds after int8 conversion, the int8 state_dict is ≤ 30% of
 * fp32's, calibration data comes from where it says, and bad inputs fail naming what was wrong.
 * No timing asserts: latency is the demo's and the bench's business.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { format_ptq_report, run_ptq_demo } from '../../examples/fmnist_ptq.js';
import { evaluate_accuracy, state_dict_nbytes, top1_agreement } from '../../examples/lib/evaluate.js';
import {
  image_batch,
  load_calibration_images,
  load_test_images,
  REPO_DATA_DIR,
} from '../../examples/lib/fmnist_data.js';
import { nn, read_fashion_mnist_raw, Tensor, write_idx } from '../../index.js';

describe('run_ptq_demo (200 test images, 100 calibration images)', () => {
  const save_dir = join(mkdtempSync(join(tmpdir(), 'fxq-demo-save-')), 'fmnist_cnn_int8');
  afterAll(() => rmSync(dirname(save_dir), { recursive: true, force: true }));
  const r = run_ptq_demo({ test_limit: 200, calib_limit: 100, latency: false, quiet: true, save_dir });

  it('keeps int8 accuracy within 2 points of fp32', () => {
    expect(r.test.images).toBe(200);
    expect(r.calibration.images).toBe(100);
    expect(r.fp32.accuracy).toBeGreaterThan(0.85); // the trained weights loaded (10k reference: 90.41%)
    expect(Math.abs(r.int8.accuracy - r.fp32.accuracy)).toBeLessThanOrEqual(0.02);
    expect(r.agreement).toBeGreaterThanOrEqual(0.95);
  });

  it('gives bit-identical int8 logits on the js and wasm backends', () => {
    expect(r.int8_js_wasm_identical).toBe(true);
  });

  it('shrinks the state_dict to at most 30% of fp32', () => {
    expect(r.size.fp32_bytes).toBe(1688120); // 421,642 fp32 parameters + BN stats and counters
    expect(r.size.ratio).toBeLessThanOrEqual(0.3);
    expect(r.size.int8_bytes).toBe(state_dict_nbytes(r.quantized));
  });

  it('converts to int8 modules between one quantize and one dequantize', () => {
    expect(r.graph.quantized.startsWith('quantize_per_tensor → conv1 (ConvReLU2d)')).toBe(true);
    expect(r.graph.quantized).toMatch(/fc2 \(Linear\) → \w+ \(dequantize\)$/);
    expect(r.graph.prepared).toContain('HistogramObserver');
    const sd = r.quantized.state_dict();
    expect(sd['conv1.weight'].dtype).toBe('qint8');
  });

  it('saves the int8 model and reloads it with identical logits', () => {
    expect(r.saved?.reload_identical).toBe(true);
    expect(Object.keys(r.saved?.files ?? {}).sort()).toEqual(['model.safetensors', 'model.ts']);
    // int8 weights on disk: the int8 payload plus the safetensors header (which holds the manifest)
    expect(r.saved?.files['model.safetensors']).toBeGreaterThan(r.size.int8_bytes);
    expect(r.saved?.files['model.safetensors']).toBeLessThan(0.3 * r.size.fp32_bytes);
  });

  it('prints a report with the measured figures', () => {
    const text = format_ptq_report(r);
    expect(text).toContain(`| fp32 | ${r.fp32.correct} |`);
    expect(text).toContain(`| int8 | ${r.int8.correct} |`);
    expect(text).toContain(`${(100 * r.size.ratio).toFixed(1)}% of fp32`);
    expect(text).not.toContain('## Latency'); // latency: false
  });
});

describe('run_ptq_demo on FmnistResNet (200 test images, 50 calibration images)', () => {
  it('lowers the residual add+relu to int8 and keeps accuracy', () => {
    const r = run_ptq_demo({
      model: 'fmnist_resnet',
      test_limit: 200,
      calib_limit: 50,
      calib_backend: 'wasm', // faster; the CNN case above covers the default js calibration
      check_backends: false,
      latency: false,
      quiet: true,
    });
    expect(r.graph.quantized).toContain('add_relu (quantized.add_relu)');
    expect(r.fp32.accuracy).toBeGreaterThan(0.8); // trained weights (10k reference: 89.98%)
    expect(Math.abs(r.int8.accuracy - r.fp32.accuracy)).toBeLessThanOrEqual(0.03);
    expect(r.size.ratio).toBeLessThanOrEqual(0.3);
    expect(format_ptq_report(r)).toContain('quantization of FmnistResNet');
  });

  it('refuses a latency batch larger than the test subset before any work', () => {
    expect(() => run_ptq_demo({ test_limit: 10, latency: { backends: ['js'], batches: [32] }, quiet: true })).toThrow(
      /latency batch 32 exceeds the 10 test images/,
    );
  });

  it('names an unknown model and the known ones', () => {
    expect(() => run_ptq_demo({ model: 'resnet50' as 'fmnist_cnn', quiet: true })).toThrow(
      /unknown model 'resnet50' \(have: fmnist_cnn, fmnist_resnet\)/,
    );
  });
});

describe('calibration data', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('reads the first N images of a full training set given as data_dir', () => {
    // a stand-in "full" training set: the repo's first 1,000 training images, reversed
    const { pixels, labels } = read_fashion_mnist_raw(REPO_DATA_DIR, 'train-first1000');
    const n = 1000;
    const rev = new Uint8Array(n * 784);
    const rlab = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      rev.set((pixels.data as Uint8Array).subarray((n - 1 - i) * 784, (n - i) * 784), i * 784);
      rlab[i] = labels.data[n - 1 - i];
    }
    const dir = mkdtempSync(join(tmpdir(), 'fxq-demo-'));
    dirs.push(dir);
    write_idx(new Tensor(rev, [n, 28, 28], 'uint8'), join(dir, 'train-images-idx3-ubyte.gz'));
    write_idx(new Tensor(rlab, [n], 'uint8'), join(dir, 'train-labels-idx1-ubyte'));
    const from_dir = load_calibration_images({ data_dir: dir, limit: 10 });
    const repo = load_calibration_images({ limit: 1000 });
    expect(from_dir.source).toContain(dir);
    expect(from_dir.source).toContain('train split');
    expect(Array.from(from_dir.labels)).toEqual(Array.from(repo.labels.slice(990)).reverse());
    expect(Array.from((from_dir.images.data as Float32Array).subarray(0, 784))).toEqual(
      Array.from((repo.images.data as Float32Array).subarray(999 * 784, 1000 * 784)),
    );
  });

  it('names the problem with bad requests', () => {
    expect(() => load_calibration_images({ limit: 2000 })).toThrow(/only the first 1,000 training images.*--data/);
    expect(() => load_calibration_images({ data_dir: '/nonexistent/fmnist' })).toThrow(
      /\/nonexistent\/fmnist does not exist/,
    );
    expect(() => load_calibration_images({ limit: 0 })).toThrow(/positive integer, got 0/);
    expect(() => load_test_images({ limit: 20000 })).toThrow(/asked for 20000 images .* has only 10000/);
    const t = load_test_images({ limit: 4 });
    expect(() => image_batch(t.images, 2, 3)).toThrow(/rows \[2, 5\) are outside the 4 images/);
  });
});

describe('evaluation helpers', () => {
  it('counts state_dict bytes by element size', () => {
    const lin = new nn.Linear(3, 2); // weight 6 + bias 2 floats
    expect(state_dict_nbytes(lin)).toBe(8 * 4);
    const bn = new nn.BatchNorm2d(4); // weight, bias, running_mean, running_var: 4 floats each; num_batches_tracked int64
    expect(state_dict_nbytes(bn)).toBe(16 * 4 + 8);
  });

  it('top1_agreement compares predictions and refuses different lengths', () => {
    expect(top1_agreement(Int32Array.of(1, 2, 3, 4), Int32Array.of(1, 0, 3, 4))).toBe(0.75);
    expect(() => top1_agreement(Int32Array.of(1), Int32Array.of(1, 2))).toThrow(/1 vs 2 predictions/);
  });

  it('evaluate_accuracy rejects a model whose output is not [batch, classes]', () => {
    const t = load_test_images({ limit: 8 });
    const flat = new nn.Flatten(0); // [8, 1, 28, 28] → [6272]
    expect(() => evaluate_accuracy(flat, t)).toThrow(/returned shape \[6272\] for a batch of 8/);
  });
});
