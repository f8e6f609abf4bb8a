/**
 * A one-line progress indicator for the examples: on a terminal it redraws `label [#####.....] 40%`
 * in place; elsewhere (CI logs, pipes) it prints the label once and the elapsed time at the end, so logs
 * stay readable.
 */
import { performance } from 'node:perf_hooks';

/** A stage's progress callback plus `done()` to close the line with the elapsed time. */
export interface ProgressLine {
  update(done: number, total: number): void;
  /** Ends the line (with `note` after the time) and returns the elapsed seconds. */
  done(note?: string): number;
}

/** Starts a progress line on stream (default stderr); `silent` gives a line that prints nothing. */
export function progress_line(
  label: string,
  options: { stream?: NodeJS.WriteStream; silent?: boolean; width?: number } = {},
): ProgressLine {
  const stream = options.stream ?? process.stderr;
  const tty = !options.silent && Boolean(stream.isTTY);
  const width = options.width ?? 30;
  const t0 = performance.now();
  let last_drawn = -1;
  if (!options.silent && !tty) stream.write(`${label} …`);
  return {
    update(done: number, total: number): void {
      if (!tty || total <= 0) return;
      const pct = Math.min(100, Math.floor((100 * done) / total));
      if (pct === last_drawn) return; // redraw only when the shown figure changes
      last_drawn = pct;
      const fill = Math.round((width * pct) / 100);
      stream.write(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}% (${done}/${total})`);
    },
    done(note?: string): number {
      const secs = (performance.now() - t0) / 1000;
      const tail = ` ${secs.toFixed(1)} s${note ? `  ${note}` : ''}`;
      if (tty) stream.write(`\r\x1b[2K${label} done${tail}\n`);
      else if (!options.silent) stream.write(` done${tail}\n`);
      return secs;
    },
  };
}
