/**
 * torch.sum of a contiguous float32 vector, rounded exactly as ATen's CPU `cascade_sum` (SumKernel.cpp,
 * PyTorch 1.13, AVX2 build: 8-lane float vectors, float accumulators). HistogramObserver's error search
 * compares sums of 2,048 float32 terms that can differ in the last bit, so its stopping bin depends on
 * this order, not just on the exact sum.
 *
 * Order: the vector is read as 8-lane vectors; per lane, `row_sum` splits the vectors into rows of 4
 * (ilp), sums each column with `multi_row_sum`'s levelled chunks, adds leftover vectors to column 0 and
 * then columns 1..3 to column 0; the scalar tail (n mod 8 elements) is summed first, then the 8 lanes.
 */

const f = Math.fround;
const LANES = 8;
const ILP = 4;
const LEVELS = 4;

function ceil_log2(x: number): number {
  return x <= 1 ? 0 : Math.ceil(Math.log2(x));
}

/** multi_row_sum over `size` rows of ILP columns; column k of row i is load(i * ILP + k). */
function multi_row_sum(load: (index: number) => number, size: number): number[] {
  const level_power = Math.max(4, Math.floor(ceil_log2(size) / LEVELS));
  const level_step = 1 << level_power;
  const level_mask = level_step - 1;
  const acc: number[][] = Array.from({ length: LEVELS }, () => new Array<number>(ILP).fill(0));
  let i = 0;
  while (i + level_step <= size) {
    for (let j = 0; j < level_step; j++, i++) {
      for (let k = 0; k < ILP; k++) acc[0][k] = f(acc[0][k] + load(i * ILP + k));
    }
    for (let j = 1; j < LEVELS; j++) {
      for (let k = 0; k < ILP; k++) {
        acc[j][k] = f(acc[j][k] + acc[j - 1][k]);
        acc[j - 1][k] = 0;
      }
      if ((i & (level_mask << (j * level_power))) !== 0) break;
    }
  }
  for (; i < size; i++) for (let k = 0; k < ILP; k++) acc[0][k] = f(acc[0][k] + load(i * ILP + k));
  for (let j = 1; j < LEVELS; j++) for (let k = 0; k < ILP; k++) acc[0][k] = f(acc[0][k] + acc[j][k]);
  return acc[0];
}

/** row_sum: `size` values load(0..size-1) summed as ATen does (ILP columns, then the leftovers). */
function row_sum(load: (index: number) => number, size: number): number {
  const size_ilp = Math.floor(size / ILP);
  const partial = multi_row_sum(load, size_ilp);
  for (let i = size_ilp * ILP; i < size; i++) partial[0] = f(partial[0] + load(i));
  for (let k = 1; k < ILP; k++) partial[0] = f(partial[0] + partial[k]);
  return partial[0];
}

/** torch.sum(x) for a contiguous float32 vector on PyTorch 1.13 x86 (AVX2), as a float32 value. */
export function torch_sum_f32(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < LANES) return row_sum((i) => x[i], n);
  const vectors = Math.floor(n / LANES);
  let total = 0;
  for (let k = vectors * LANES; k < n; k++) total = f(total + x[k]);
  for (let lane = 0; lane < LANES; lane++) total = f(total + row_sum((m) => x[m * LANES + lane], vectors));
  return total;
}
