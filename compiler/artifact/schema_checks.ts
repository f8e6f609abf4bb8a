/**
 * The argument checks the artifact's module schemas share (module_schemas.ts and the per-family schema files):
 * each throws a message naming the argument, before anything is allocated.
 */
import type { SafetensorsDType } from '../../runtime/io/safetensors_dtypes.js';
import type { ChildRule, ExpectedTensor, ModuleSchema, TensorRole } from './module_schemas.js';
import { preview } from './preview.js';

/** An option's value, `dflt` only when absent (a JSON null is a value, and is checked as one). */
export const or_ = (v: unknown, dflt: unknown): unknown => (v === undefined ? dflt : v);
export function fail(msg: string): never {
  throw new Error(msg);
}
export function int(v: unknown, name: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    fail(`argument ${name} = ${preview(v, 40)} is not an integer in ${lo}..${hi}`);
  return v as number;
}
export function num(v: unknown, name: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi)
    fail(`argument ${name} = ${preview(v, 40)} is not a number in [${lo}, ${hi}]`);
  return v as number;
}
export function bool(v: unknown, name: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(`argument ${name} = ${preview(v, 40)} is not a boolean`);
  return v as boolean;
}
export function pair(v: unknown, name: string, lo: number, hi: number): [number, number] {
  if (Array.isArray(v) && v.length === 2) return [int(v[0], `${name}[0]`, lo, hi), int(v[1], `${name}[1]`, lo, hi)];
  const n = int(v, name, lo, hi);
  return [n, n];
}
export function arity(a: unknown[], min: number, max: number): void {
  if (a.length < min || a.length > max) fail(`takes ${min}..${max} constructor arguments, got ${a.length}`);
}
/** The trailing options object: a plain object with only `allowed` keys (unknown ones named). */
export function opts(v: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('options argument is not an object');
  const bad = Object.keys(v as object).filter((k) => !allowed.includes(k));
  if (bad.length)
    fail(`unknown option(s) ${bad.map((k) => JSON.stringify(k)).join(', ')} (allowed: ${allowed.join(', ')})`);
  return v as Record<string, unknown>;
}

export const t = (name: string, dtype: SafetensorsDType, role: TensorRole, ...shapes: number[][]): ExpectedTensor => ({
  name,
  dtype,
  role,
  shapes,
});
/** An int8 weight with its qparams (state.ts layout): per-tensor [1] or per-channel [rows] scales. */
export function qweight(w: string, shape: number[]): ExpectedTensor[] {
  return [
    t(w, 'I8', 'qweight', shape),
    t(`${w}_scale`, 'F32', 'wscale', [1], [shape[0]]),
    t(`${w}_zero_point`, 'I64', 'wzp', [1], [shape[0]]),
  ];
}
export const out_qparams = [t('scale', 'F32', 'oscale', []), t('zero_point', 'I64', 'ozp', [])];

/** A module without tensors: `check` validates its (at most `max`) arguments. */
export function small(
  max: number,
  check: (a: unknown[]) => void = () => {},
  children: ChildRule = 'none',
): ModuleSchema {
  return {
    children,
    tensors: (a) => {
      arity(a, 0, max);
      check(a);
      return [];
    },
  };
}
export const no_args = small(0);
