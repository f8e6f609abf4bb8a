// Quantized embedding-bag lookup over torch's fused row-wise tables, bit-identical to the js reference
// (runtime/backends/js/int8/embedding_bag.ts): acc = fma(scale, q, acc + bias) with the fma rounded once to f32.
import { fma32 } from './fma';

/** The f32 value of IEEE half bits h. */
@inline
function f16_value(h: u32): f32 {
  const sign: u32 = (h & 0x8000) << 16;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e == 0x1f) return reinterpret<f32>(sign | 0x7f800000 | (m << 13));
  if (e == 0) {
    const v = <f32>m * <f32>5.9604644775390625e-8;
    return sign ? -v : v;
  }
  return reinterpret<f32>(sign | ((e + 112) << 23) | (m << 13));
}

/**
 * mode 0 sum, 1 mean, 2 max. table: rows of rb bytes (8-bit: dim bytes + f32 scale, f32 bias; 4-bit: dim/2 bytes,
 * low nibble first, + f16 scale, f16 bias). idx / offs: i32; w: f32 per index or 0; acc: dim f32 of scratch.
 */
export function qembedding_bag_f32(
  table: usize, dim: i32, bits: i32, idx: usize, offs: usize, bags: i32, mode: i32, w: usize, padding_idx: i32,
  acc: usize, out: usize,
): void {
  const rb = bits == 8 ? dim + 8 : (dim >> 1) + 4;
  for (let b = 0; b < bags; b++) {
    const init: f32 = mode == 2 ? -Infinity : 0;
    for (let j = 0; j < dim; j++) store<f32>(acc + (<usize>j << 2), init);
    let count = 0;
    const lo = load<i32>(offs + (<usize>b << 2));
    const hi = load<i32>(offs + (<usize>(b + 1) << 2));
    for (let i = lo; i < hi; i++) {
      const row = load<i32>(idx + (<usize>i << 2));
      if (row == padding_idx) continue;
      count++;
      const base = table + <usize>row * <usize>rb;
      let s0: f32, b0: f32;
      if (bits == 8) {
        s0 = load<f32>(base + <usize>dim);
        b0 = load<f32>(base + <usize>dim + 4);
      } else {
        s0 = f16_value(<u32>load<u16>(base + <usize>(dim >> 1)));
        b0 = f16_value(<u32>load<u16>(base + <usize>(dim >> 1) + 2));
      }
      const wt: f32 = w ? load<f32>(w + (<usize>i << 2)) : 1;
      const scale = wt * s0;
      const bias = wt * b0;
      for (let j = 0; j < dim; j++) {
        const q: f32 =
          bits == 8 ? <f32>load<u8>(base + <usize>j) : <f32>((<u32>load<u8>(base + <usize>(j >> 1)) >> ((j & 1) * 4)) & 15);
        const ap = acc + (<usize>j << 2);
        if (mode == 2) {
          const v = fma32(scale, q, bias);
          if (v > load<f32>(ap)) store<f32>(ap, v);
        } else store<f32>(ap, fma32(scale, q, load<f32>(ap) + bias));
      }
    }
    const o = out + (<usize>b * <usize>dim << 2);
    if (count == 0) memory.fill(o, 0, <usize>dim << 2);
    else if (mode == 1) {
      const inv: f32 = <f32>1 / <f32>count;
      for (let j = 0; j < dim; j++) store<f32>(o + (<usize>j << 2), load<f32>(acc + (<usize>j << 2)) * inv);
    } else memory.copy(o, acc, <usize>dim << 2);
  }
}
