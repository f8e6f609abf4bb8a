/** Splitting work across threads: contiguous ranges, so each output element is computed as on one thread. */

/**
 * Splits [0, n) into at most `parts` contiguous ranges of near-equal size whose inner boundaries are
 * multiples of `align` (a kernel's tile height: a tile never straddles two threads); empty ranges are dropped.
 */
export function split_range(n: number, parts: number, align = 1): [number, number][] {
  const units = Math.ceil(n / align);
  const k = Math.max(1, Math.min(parts, units));
  const out: [number, number][] = [];
  for (let i = 0; i < k; i++) {
    const s = Math.floor((i * units) / k) * align;
    const e = Math.min(n, Math.floor(((i + 1) * units) / k) * align);
    if (e > s) out.push([s, e]);
  }
  return out;
}

/**
 * Finish time of `units` work units cut by split_range into `chunks` ranges when `threads` equally fast threads
 * take the ranges in order, each the next one as soon as it is free (the pool's shared ticket).
 */
function makespan(units: number, chunks: number, threads: number): number {
  const free = new Array<number>(threads).fill(0);
  for (const [s, e] of split_range(units, chunks)) {
    let t = 0;
    for (let i = 1; i < threads; i++) if (free[i] < free[t]) t = i;
    free[t] += e - s;
  }
  return Math.max(...free);
}

/** chunk_count's answers (a forward asks the same few sizes again and again). */
const counts = new Map<number, number>();

/**
 * How many chunks to cut `units` work units into for `threads` threads: among threads × 1 … threads × `per_thread`,
 * the count whose chunks finish soonest when taken in order (uneven chunks — 8 images in 6 chunks of 1 or 2 —
 * leave one thread idle at the end), the most chunks among equals (so an idle thread can take the share of one the
 * OS has descheduled). Never more than `units`.
 */
export function chunk_count(units: number, threads: number, per_thread: number): number {
  if (threads <= 1 || units <= 1) return 1;
  const key = (units * 64 + threads) * 16 + per_thread;
  const known = counts.get(key);
  if (known !== undefined) return known;
  if (counts.size > 4096) counts.clear();
  let best = Math.min(units, threads);
  let best_time = makespan(units, best, threads);
  for (let m = 2; m <= per_thread; m++) {
    const c = Math.min(units, threads * m);
    const t = makespan(units, c, threads);
    if (t <= best_time) {
      best = c;
      best_time = t;
    }
  }
  counts.set(key, best);
  return best;
}

/**
 * Splits [0, n) for `threads` threads taking ranges in order from a shared ticket (guided scheduling): each range
 * is 1 / (2·threads) of what is left (at least one block of `align`), so the big ranges go first and the last ones
 * are single blocks — the threads finish within a block of each other, where equal ranges leave one thread idle
 * for up to a whole range when the kernels' speeds differ. At most `max_parts` ranges (the rest in the last).
 */
export function guided_ranges(n: number, threads: number, align = 1, max_parts = 256): [number, number][] {
  const units = Math.ceil(n / align);
  const out: [number, number][] = [];
  let u = 0;
  while (u < units) {
    const left = units - u;
    const size = out.length === max_parts - 1 ? left : Math.max(1, Math.ceil(left / (2 * threads)));
    out.push([u * align, Math.min(n, (u + size) * align)]);
    u += size;
  }
  return out;
}
