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
