/** `fxq eval`: top-1 accuracy of a float model file or a saved int8 model on labelled inputs (tools/node/inputs.ts). */
import { performance } from 'node:perf_hooks';
import { input_set, labels_of, top1 } from '../tools/node/inputs.js';
import { progress_bar } from '../tools/progress.js';
import { type CommonOptions, emit, example_of, int_option, load_any, note, pct, with_input_hint } from './common.js';

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
    const hint = loaded.kind === 'float' ? ` or export evaluate(model) from ${path}` : '';
    labels_of(set, 'eval', hint); // before the progress bar starts
    const bar = progress_bar('evaluating', set.n, { silent: o.json });
    accuracy = with_input_hint(loaded, o, () => top1(loaded.model, set, 'eval', hint, (d) => bar.update(d)));
    bar.stop();
    images = set.n;
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
