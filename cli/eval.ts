/** `fxq eval`: top-1 accuracy of a float model file or a save_quantized directory on the test images. */
import { performance } from 'node:perf_hooks';
import { progress_bar } from '../tools/progress.js';
import { DEFAULT_DATA_DIR, load_images, predict, rows } from '../tools/sensitivity/node/data.js';
import { type CommonOptions, emit, int_option, load_any, note, pct } from './common.js';

/** The eval command; returns the exit code. */
export async function eval_command(path: string, o: CommonOptions): Promise<number> {
  const loaded = await load_any(path, o);
  const n = int_option(o.evalImages, '--eval-images');
  const offset = int_option(o.evalOffset, '--eval-offset', 0);
  const t0 = performance.now();
  let accuracy: number;
  let source: string;
  if (loaded.kind === 'float' && loaded.file.evaluate) {
    note(`evaluating with ${path}'s evaluate()`);
    accuracy = loaded.file.evaluate(loaded.model);
    source = `${path} evaluate()`;
  } else {
    const set = load_images(o.data ?? DEFAULT_DATA_DIR, 'test', n, offset);
    const bar = progress_bar('evaluating', n, { silent: o.json });
    let ok = 0;
    for (let s = 0; s < n; s += 250) {
      const m = Math.min(250, n - s);
      const p = predict(loaded.model, rows(set.images, s, m), 250);
      for (let i = 0; i < m; i++) if (p[i] === set.labels[s + i]) ok++;
      bar.update(s + m);
    }
    bar.stop();
    accuracy = ok / n;
    source = set.source;
  }
  const seconds = (performance.now() - t0) / 1000;
  emit(
    o,
    { model: path, kind: loaded.kind, accuracy, images: n, offset, source, seconds, backend: o.backend },
    `${loaded.kind} ${path}: accuracy ${pct(accuracy)} on ${source} (${seconds.toFixed(1)} s, ${o.backend})`,
  );
  return 0;
}
