/** `fxq eval`: top-1 accuracy of a float model file or a saved int8 model on labelled inputs (cli/inputs.ts). */
import { performance } from 'node:perf_hooks';
import { no_grad } from '../runtime/autograd/grad_mode.js';
import type { Module } from '../runtime/nn/module.js';
import { Tensor } from '../runtime/tensor/tensor.js';
import { progress_bar } from '../tools/progress.js';
import { type CommonOptions, emit, example_of, int_option, load_any, note, pct } from './common.js';
import { UsageError } from './dump.js';
import { batches, type InputSet, input_set } from './inputs.js';

/** Top-1 hits of a model returning [N, classes] logits over `set` (which has labels), in batches of 250. */
export function count_correct(
  model: Module,
  set: InputSet & { labels: Int32Array },
  on_batch?: (done: number) => void,
): number {
  let ok = 0;
  let s = 0;
  no_grad(() => {
    for (const args of batches(set, 250)) {
      const m = (args[0] as Tensor).shape[0];
      let y = model.call(...args) as Tensor;
      if (!(y instanceof Tensor) || y.ndim !== 2 || y.shape[0] !== m)
        throw new Error(
          `eval: the model must return [N, classes] logits; got ${y instanceof Tensor ? `[${y.shape.join(', ')}]` : typeof y} for a batch of ${m}`,
        );
      if (y.is_quantized) y = y.dequantize();
      const d = y.contiguous().data as ArrayLike<number>;
      const c = y.shape[1];
      for (let i = 0; i < m; i++) {
        let best = 0;
        for (let k = 1; k < c; k++) if (d[i * c + k] > d[i * c + best]) best = k;
        if (best === set.labels[s + i]) ok++;
      }
      s += m;
      on_batch?.(s);
    }
  });
  return ok;
}

/** The eval command; returns the exit code. */
export async function eval_command(path: string, o: CommonOptions): Promise<number> {
  const loaded = await load_any(path, o);
  const n = int_option(o.evalImages, '--eval-images');
  const offset = int_option(o.evalOffset, '--eval-offset', 0);
  const t0 = performance.now();
  let accuracy: number;
  let source: string;
  let images = n;
  if (loaded.kind === 'float' && loaded.file.evaluate && !o.data) {
    note(`evaluating with ${path}'s evaluate()`);
    accuracy = loaded.file.evaluate(loaded.model);
    source = `${path} evaluate()`;
  } else {
    const set = input_set(o, 'evaluation', n, offset, example_of(loaded), note);
    const { labels } = set;
    if (!labels)
      throw new UsageError(
        `eval needs labelled inputs and ${set.source} has no labels: pass --data (an IDX images/labels pair, a .npy with --labels, a .safetensors with 'labels')${loaded.kind === 'float' ? ` or export evaluate(model) from ${path}` : ''}`,
      );
    const bar = progress_bar('evaluating', set.n, { silent: o.json });
    const ok = count_correct(loaded.model, { ...set, labels }, (d) => bar.update(d));
    bar.stop();
    images = set.n;
    accuracy = ok / set.n;
    source = set.source;
  }
  const seconds = (performance.now() - t0) / 1000;
  emit(
    o,
    { model: path, kind: loaded.kind, accuracy, images, offset, source, seconds, backend: o.backend },
    `${loaded.kind} ${path}: accuracy ${pct(accuracy)} on ${source} (${seconds.toFixed(1)} s, ${o.backend})`,
  );
  return 0;
}
