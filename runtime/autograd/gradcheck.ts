import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { enable_grad, no_grad } from './grad_mode.js';

/** Options of gradcheck; the defaults suit float32 ops whose outputs are O(1). */
export interface GradcheckOptions {
  /** Finite-difference step (central differences). */
  eps?: number;
  /** Absolute tolerance on each gradient element. */
  atol?: number;
  /** Relative tolerance, against the larger of the analytic and numeric magnitudes. */
  rtol?: number;
  /** Seed of the random projection vector. */
  seed?: number;
  /** Throw a descriptive error on mismatch (default), or return false. */
  raise_exception?: boolean;
}

/** The float64 value of Σ r·fn(inputs): one scalar projection of the output. */
function projected(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], r: Float64Array): number {
  const out = no_grad(() => fn(...inputs));
  const d = out.data;
  if (d.length !== r.length) {
    throw new Error(`gradcheck: fn returned ${d.length} elements on a perturbed call but ${r.length} on the first`);
  }
  let s = 0;
  for (let i = 0; i < d.length; i++) s += r[i] * d[i];
  return s;
}

/**
 * Checks fn's analytic gradients (backward of a random projection r of the output) against central
 * finite differences of Σ r·fn(x), element by element, for every input with requires_grad.
 * float32 honesty: the step actually taken is read back from float32 storage, the projection is
 * summed in float64, and the tolerances must cover float32 rounding of the outputs (≈6e-8·|y|·√n / eps).
 * The defaults leave about 10x margin: a [8,16]·[16,8] matmul passes at atol 1e-4 / rtol 1e-3 and
 * fails at 3e-5 / 3e-4, while an off-by-0.05 backward fails the defaults.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options: GradcheckOptions = {},
): boolean {
  const eps = options.eps ?? 1e-3;
  const atol = options.atol ?? 1e-3;
  const rtol = options.rtol ?? 1e-2;
  const raise = options.raise_exception ?? true;
  const checked = inputs.filter((t) => t.requires_grad);
  if (checked.length === 0) throw new Error('gradcheck: no input has requires_grad = true');
  for (const t of checked) {
    if (t.dtype !== 'float32')
      throw new Error(`gradcheck: inputs must be float32, got ${t.dtype} [${t.shape.join(', ')}]`);
  }
  const gen = new Generator(options.seed ?? 0);
  // analytic: backward of the projection
  const saved = checked.map((t) => t.grad);
  for (const t of checked) t.grad = null;
  const out = enable_grad(() => fn(...inputs));
  if (!(out instanceof Tensor)) throw new Error('gradcheck: fn must return a Tensor');
  if (!out.requires_grad)
    throw new Error('gradcheck: the output does not require grad (is the op missing record_grad?)');
  const r = new Float64Array(out.numel());
  for (let i = 0; i < r.length; i++) r[i] = gen.random() * 2 - 1;
  out.backward(new Tensor(Float32Array.from(r), out.shape, 'float32'));
  const analytic = checked.map((t) => t.grad?.data ?? new Float32Array(t.numel()));
  checked.forEach((t, i) => {
    t.grad = saved[i];
  });
  // numeric: central differences, perturbing one float32 element at a time
  for (let ti = 0; ti < checked.length; ti++) {
    const t = checked[ti];
    const d = t.data as Float32Array;
    const a = analytic[ti];
    for (let i = 0; i < d.length; i++) {
      const orig = d[i];
      d[i] = orig + eps;
      const hi = d[i];
      const fp = projected(fn, inputs, r);
      d[i] = orig - eps;
      const lo = d[i];
      const fm = projected(fn, inputs, r);
      d[i] = orig;
      const numeric = (fp - fm) / (hi - lo);
      const err = Math.abs(numeric - a[i]);
      if (!(err <= atol + rtol * Math.max(Math.abs(numeric), Math.abs(a[i])))) {
        if (!raise) return false;
        throw new Error(
          `gradcheck: Jacobian mismatch for input ${inputs.indexOf(t)} (shape [${t.shape.join(', ')}]) at flat index ${i}: analytic ${a[i]}, numeric ${numeric} (|diff| ${err.toExponential(2)} > atol ${atol} + rtol ${rtol}·|value|)`,
        );
      }
    }
  }
  return true;
}
