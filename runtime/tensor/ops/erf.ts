/**
 * erf, erfc and the normal CDF for float64 (JS has no Math.erf). Values at the grid points x0 = k/128,
 * 0 ≤ x0 ≤ 6, come from a Maclaurin series (x0 < 2.5) and the Laplace continued fraction for erfc (above),
 * accurate to ~1e-14 absolute, and are tabulated once. Between grid points an 8-term Taylor expansion
 * finishes the job: dⁿ/dxⁿ erf(x) = (−1)ⁿ⁻¹ · 2/√π · Hₙ₋₁(x) · e^(−x²) with the Hermite recurrence
 * Hₙ₊₁ = 2x·Hₙ − 2n·Hₙ₋₁ (|h| ≤ 1/256, so the dropped terms are below 1e-20) — no per-call series or
 * continued fraction, which is what exact-erf GELU spent its time on. erfc keeps its relative accuracy in
 * the tail (tabulated itself, not taken as 1 − erf), so GELU of large negative inputs is accurate too.
 */
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const STEPS = 128;
const LIMIT = 6;
/** Taylor terms: with |h| ≤ 1/256 the first dropped one is below 1e-19 of the result. */
const TERMS = 8;

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

const GRID = LIMIT * STEPS + 1;
const ERF0 = new Float64Array(GRID);
const ERFC0 = new Float64Array(GRID);
/** 2/√π · e^(−x0²): the first derivative of erf at each grid point. */
const D0 = new Float64Array(GRID);
for (let k = 0; k < GRID; k++) {
  const x0 = k / STEPS;
  ERF0[k] = x0 < 2.5 ? erf_series(x0) : 1 - erfc_cf(x0);
  ERFC0[k] = x0 < 2.5 ? 1 - erf_series(x0) : erfc_cf(x0);
  D0[k] = TWO_OVER_SQRT_PI * Math.exp(-x0 * x0);
}
const INV = Float64Array.from({ length: TERMS + 1 }, (_, n) => (n === 0 ? 0 : 1 / n));

/** The tables behind erfc (grid k/128, k ≤ 768): values, 2/√π·e^(−x0²), 1/n — for kernels that run erfc elsewhere. */
export const ERFC_TABLES = { steps: STEPS, limit: LIMIT, terms: TERMS, erfc0: ERFC0, d0: D0, inv: INV } as const;

/** erf(x0 + h) − erf(x0) for the grid point x0 = k/32 nearest to a (0 ≤ a < 6). */
function taylor_delta(a: number, k: number): number {
  const x0 = k / STEPS;
  const h = a - x0;
  let h_prev = 0; // H_{n−2}
  let h_cur = 1; // H_{n−1}, starting at H_0
  let p = h; // hⁿ/n! · (−1)ⁿ⁻¹
  let s = p;
  for (let n = 2; n <= TERMS; n++) {
    const next = 2 * x0 * h_cur - 2 * (n - 2) * h_prev;
    h_prev = h_cur;
    h_cur = next;
    p *= -h * INV[n];
    s += h_cur * p;
  }
  return D0[k] * s;
}

/** The error function. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (!(a < LIMIT)) return Number.isNaN(x) ? x : x < 0 ? -1 : 1; // |erf(±6) ∓ 1| < 3e-17
  const k = Math.round(a * STEPS);
  const v = ERF0[k] + taylor_delta(a, k);
  return x < 0 ? -v : v;
}

/** The complementary error function 1 − erf(x), accurate in the tail. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < 0) return 2 - erfc(-x);
  if (x >= LIMIT) return x > 27 ? 0 : erfc_cf(x);
  const k = Math.round(x * STEPS);
  return ERFC0[k] - taylor_delta(x, k);
}

/** Φ(x), the standard normal CDF: ½·erfc(−x/√2), accurate for large negative x too. */
export function normal_cdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}
