/** Splitting work across threads: contiguous ranges, so each output element is computed as on one thread. */

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
