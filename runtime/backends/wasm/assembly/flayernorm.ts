// Float LayerNorm over rows of d floats, bit-identical to runtime/nn/functional/normalization.ts's JS loop:
// a sequential float64 sum for the mean, a sequential float64 sum of squared deviations (d·d, as the JS
// `d ** 2`), invstd = 1 / sqrt(ss / d + eps), then y = f32(((x − m)·invstd)·gamma + beta) two lanes at a time
// (gamma 1 and beta +0 when absent, as the JS multiplies by 1 and adds 0).

/** y[r, :] = layer_norm(x[r, :]) for `rows` rows of `d` floats; gamma / beta are d floats or 0 (none). */
export function layer_norm_rows_f32(x: usize, rows: i32, d: i32, gamma: usize, beta: usize, eps: f64, y: usize): void {
  const df = <f64>d;
  for (let r = 0; r < rows; r++) {
    const src = x + ((<usize>r * <usize>d) << 2);
    const dst = y + ((<usize>r * <usize>d) << 2);
    let s: f64 = 0;
    for (let i = 0; i < d; i++) s += <f64>load<f32>(src + (<usize>i << 2));
    const m = s / df;
    let ss: f64 = 0;
    for (let i = 0; i < d; i++) {
      const t = <f64>load<f32>(src + (<usize>i << 2)) - m;
      ss += t * t;
    }
    const is = 1 / sqrt<f64>(ss / df + eps);
    const vm = f64x2.splat(m);
    const vis = f64x2.splat(is);
    let i = 0;
    for (; i + 2 <= d; i += 2) {
      const o = <usize>i << 2;
      let v = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(src + o)), vm), vis);
      v = f64x2.mul(v, gamma ? f64x2.promote_low_f32x4(v128.load64_zero(gamma + o)) : f64x2.splat(1));
      v = f64x2.add(v, beta ? f64x2.promote_low_f32x4(v128.load64_zero(beta + o)) : f64x2.splat(0));
      v128.store64_lane(dst + o, f32x4.demote_f64x2_zero(v), 0);
    }
    for (; i < d; i++) {
      const o = <usize>i << 2;
      const g: f64 = gamma ? <f64>load<f32>(gamma + o) : 1;
      const b: f64 = beta ? <f64>load<f32>(beta + o) : 0;
      store<f32>(dst + o, <f32>((<f64>load<f32>(src + o) - m) * is * g + b));
    }
  }
}
