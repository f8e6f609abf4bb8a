/**
 * Progress bars for long work (sensitivity runs, calibration, evaluation): cli-progress on stderr.
 * On a terminal the bar redraws in place; in logs and pipes cli-progress prints a line every few seconds
 * (noTTYOutput), so CI output stays short. `silent` (e.g. --json consumers that want clean stderr) draws nothing.
 */
import cliProgress from 'cli-progress';

/** A started bar: update with done (and optionally a new total), then stop. */
export interface ProgressBar {
  update(done: number, total?: number): void;
  stop(): void;
}

const active = new Set<ProgressBar>();

/** Stops every bar still running (an error path that skipped stop(): its timer would keep the process alive). */
export function stop_all_progress_bars(): void {
  for (const b of [...active]) b.stop();
}

/** Starts a bar labelled `label` over `total` steps (0 = unknown yet; pass it to update later). */
export function progress_bar(label: string, total: number, options: { silent?: boolean } = {}): ProgressBar {
  if (options.silent) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration}s elapsed, eta {eta}s`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: false,
      etaBuffer: 4,
    },
    cliProgress.Presets.shades_classic,
  );
  let cur_total = total;
  bar.start(total, 0);
  const handle: ProgressBar = {
    update(done: number, t?: number): void {
      if (t !== undefined && t !== cur_total) {
        cur_total = t;
        bar.setTotal(t);
      }
      bar.update(done);
    },
    stop(): void {
      if (!active.delete(handle)) return;
      bar.stop();
    },
  };
  active.add(handle);
  return handle;
}
