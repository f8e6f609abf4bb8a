/**
 * erf for float64 (JS has no Math.erf): a Maclaurin series below |x| = 2.5 and the Laplace continued
 * fraction for erfc above. Both are accurate to ~1e-14 there, far below float32 resolution, which
 * is what gelu (torch's exact, erf form) needs.
 */
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

function erf_series(x: number): number {
  // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)); terms shrink fast for |x| < 2.5
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 100; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

function erfc_cf(x: number): number {
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated bottom-up; x ≥ 2.5
  let f = x;
  for (let n = 80; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** The error function. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a < 2.5) return erf_series(x);
  const v = 1 - erfc_cf(a);
  return x < 0 ? -v : v;
}
