/**
 * String(tensor) as PyTorch 1.13 prints it (torch/_tensor_str.py's rules, reimplemented): one formatter
 * per tensor choosing integer mode (`1.`), fixed (`0.0112`, 4 decimals) or scientific mode (`1.0000e-05`)
 * from the nonzero finite values, right-aligned to a common width; rows wrapped at 80 columns; more than
 * 1,000 elements summarized to 3 edge items with `...`; a dtype suffix unless float32, int64 or bool;
 * quantized tensors print their dequantized values with size, dtype, quantization_scheme, scale and
 * zero_point. Python's number formatting is reproduced exactly (round-half-even, two-digit exponents).
 */
import type { DType } from './dtype.js';
import { set_tensor_repr } from './tensor.js';

/** torch.set_printoptions' options. */
export interface PrintOptions {
  precision: number;
  threshold: number;
  edgeitems: number;
  linewidth: number;
  /** null: chosen per tensor (torch's default). */
  sci_mode: boolean | null;
}

const DEFAULTS: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sci_mode: null };
const PRINT_OPTS: PrintOptions = { ...DEFAULTS };

/** torch.set_printoptions: a profile ('default', 'short', 'full') then the given options. */
export function set_printoptions(
  options: Partial<PrintOptions> & { profile?: 'default' | 'short' | 'full' } = {},
): void {
  const { profile, ...rest } = options;
  if (profile === 'default') Object.assign(PRINT_OPTS, DEFAULTS);
  else if (profile === 'short')
    Object.assign(PRINT_OPTS, { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 });
  else if (profile === 'full')
    Object.assign(PRINT_OPTS, { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 });
  for (const [k, v] of Object.entries(rest))
    if (v !== undefined) (PRINT_OPTS as unknown as Record<string, unknown>)[k] = v;
}

/** The current print options (a copy). */
export function get_printoptions(): PrintOptions {
  return { ...PRINT_OPTS };
}

/**
 * Python's `'{:.Nf}'` / `'{:.Ne}'`: JS's toFixed / toExponential round exact ties away from zero where
 * Python rounds them to even (0.03125 → '0.0312'), keep no sign on -0, and write one-digit exponents.
 */
function py_format(v: number, digits: number, kind: 'f' | 'e'): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v < 0 ? '-inf' : 'inf';
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  let s = kind === 'f' ? a.toFixed(digits) : a.toExponential(digits);
  // an exact tie shows as the digit 5 then only zeros in a longer exact expansion
  const long = kind === 'f' ? a.toFixed(Math.min(100, digits + 30)) : a.toExponential(Math.min(100, digits + 30));
  const mant = long.split('e')[0];
  const cut = mant.length - 30;
  if (/^50*$/.test(mant.slice(cut))) {
    const kept = mant.slice(0, cut).replace(/\.$/, ''); // truncated: round half to even on its last digit
    if (Number(kept[kept.length - 1]) % 2 === 0) s = kind === 'f' ? kept : `${kept}e${long.split('e')[1]}`;
  }
  if (kind === 'e') s = s.replace(/e([+-])(\d)$/, 'e$10$2');
  return neg ? `-${s}` : s;
}

/** Python's str(float): shortest round trip, `1.0` for integers, exponent form below 1e-4 and from 1e16. */
export function py_float(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v < 0 ? '-inf' : 'inf';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const [m, e] = v.toExponential().split('e');
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = Object.is(v, -0) ? '-0' : String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

class Formatter {
  floating: boolean;
  bool: boolean;
  int_mode = true;
  sci_mode = false;
  max_width = 1;

  constructor(values: ArrayLike<number>, dtype: DType | 'float64') {
    this.floating = dtype === 'float32' || dtype === 'float64';
    this.bool = dtype === 'bool';
    if (!this.floating) {
      for (let i = 0; i < values.length; i++) this.max_width = Math.max(this.max_width, this.int_str(values[i]).length);
      return;
    }
    const nz: number[] = [];
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]) && values[i] !== 0) nz.push(values[i]);
    if (nz.length) {
      let min = Number.POSITIVE_INFINITY;
      let max = 0;
      for (const v of nz) {
        min = Math.min(min, Math.abs(v)); // a loop, not Math.min(...): set_printoptions({ profile: 'full' }) may show millions
        max = Math.max(max, Math.abs(v));
      }
      this.int_mode = nz.every((v) => v === Math.ceil(v));
      const p = PRINT_OPTS.precision;
      if (this.int_mode) {
        this.sci_mode = max / min > 1000 || max > 1e8;
        for (const v of nz)
          this.max_width = Math.max(
            this.max_width,
            this.sci_mode ? py_format(v, p, 'e').length : py_format(v, 0, 'f').length + 1,
          );
      } else {
        this.sci_mode = max / min > 1000 || max > 1e8 || min < 1e-4;
        for (const v of nz)
          this.max_width = Math.max(this.max_width, py_format(v, p, this.sci_mode ? 'e' : 'f').length);
      }
    }
    if (PRINT_OPTS.sci_mode !== null) this.sci_mode = PRINT_OPTS.sci_mode;
  }

  private int_str(v: number): string {
    return this.bool ? (v ? 'True' : 'False') : String(v);
  }

  format(v: number): string {
    let s: string;
    if (!this.floating) s = this.int_str(v);
    else if (this.sci_mode) s = py_format(v, PRINT_OPTS.precision, 'e');
    else if (this.int_mode) s = py_format(v, 0, 'f') + (Number.isFinite(v) ? '.' : '');
    else s = py_format(v, PRINT_OPTS.precision, 'f');
    return s.padStart(this.max_width, ' ');
  }
}

/** A dense row-major view: `data` from `offset` with `shape`. */
interface View {
  data: ArrayLike<number>;
  offset: number;
  shape: number[];
}

const numel = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function row(v: View, i: number): View {
  const per = numel(v.shape.slice(1));
  return { data: v.data, offset: v.offset + i * per, shape: v.shape.slice(1) };
}

/** Indices shown along one dimension of size n (all, or the edge items when summarizing). */
function shown(n: number, summarize: boolean): { idx: number[]; cut: number } {
  const e = PRINT_OPTS.edgeitems;
  if (!summarize || n <= 2 * e) return { idx: Array.from({ length: n }, (_, i) => i), cut: -1 };
  return {
    idx: [...Array.from({ length: e }, (_, i) => i), ...Array.from({ length: e }, (_, i) => n - e + i)],
    cut: e,
  };
}

/** The values the formatter sees: all, or only those a summarized print shows (torch's get_summarized_data). */
function summarized_values(v: View, summarize: boolean, out: number[]): void {
  if (v.shape.length === 0) {
    out.push(v.data[v.offset]);
    return;
  }
  for (const i of shown(v.shape[0], summarize).idx) summarized_values(row(v, i), summarize, out);
}

function vector_str(v: View, indent: number, summarize: boolean, f: Formatter): string {
  const per_line = Math.max(1, Math.floor((PRINT_OPTS.linewidth - indent) / (f.max_width + 2)));
  const { idx, cut } = shown(v.shape[0], summarize);
  const items = idx.map((i) => f.format(v.data[v.offset + i]));
  if (cut >= 0) items.splice(cut, 0, ' ...');
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += per_line) lines.push(items.slice(i, i + per_line).join(', '));
  return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
}

function tensor_str_with(v: View, indent: number, summarize: boolean, f: Formatter): string {
  const dim = v.shape.length;
  if (dim === 0) return f.format(v.data[v.offset]);
  if (dim === 1) return vector_str(v, indent, summarize, f);
  const { idx, cut } = shown(v.shape[0], summarize);
  const slices = idx.map((i) => tensor_str_with(row(v, i), indent + 1, summarize, f));
  if (cut >= 0) slices.splice(cut, 0, '...');
  return `[${slices.join(`,${'\n'.repeat(dim - 1)}${' '.repeat(indent + 1)}`)}]`;
}

/** The bracketed values of a dense tensor (torch's _tensor_str). */
export function values_str(data: ArrayLike<number>, shape: number[], dtype: DType | 'float64', indent: number): string {
  if (numel(shape) === 0) return '[]';
  const summarize = numel(shape) > PRINT_OPTS.threshold;
  const v: View = { data, offset: 0, shape };
  const seen: number[] = [];
  summarized_values(v, summarize, seen);
  return tensor_str_with(v, indent, summarize, new Formatter(seen, dtype));
}

/** Python's str(tuple(shape)). */
export function py_tuple(shape: number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Appends `, suffix` items, wrapping past the line width (torch's _add_suffixes). */
export function add_suffixes(text: string, suffixes: string[], indent: number): string {
  const parts = [text];
  let last = text.length - text.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (last + s.length + 2 > PRINT_OPTS.linewidth) {
      parts.push(`,\n${' '.repeat(indent)}${s}`);
      last = indent + s.length;
    } else {
      parts.push(`, ${s}`);
      last += s.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/** What tensor_repr needs of a tensor (kept structural so this file imports no tensor class). */
export interface PrintableTensor {
  data: ArrayLike<number>;
  shape: number[];
  dtype: DType;
  requires_grad: boolean;
  grad_fn: { name: string } | null;
  quantizer:
    | { kind: 'per_tensor'; scale: number; zero_point: number }
    | { kind: 'per_channel'; scales: ArrayLike<number>; zero_points: ArrayLike<number>; axis: number }
    | null;
  dequantize(): { data: ArrayLike<number>; shape: number[] };
}

/** torch's repr of a tensor: `tensor([...], suffixes)`. */
export function tensor_repr(t: PrintableTensor): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  let body: string;
  const q = t.quantizer;
  if (q) {
    suffixes.push(`size=${py_tuple(t.shape)}`, `dtype=torch.${t.dtype}`);
    if (q.kind === 'per_tensor') {
      suffixes.push(
        'quantization_scheme=torch.per_tensor_affine',
        `scale=${py_float(q.scale)}`,
        `zero_point=${q.zero_point}`,
      );
    } else {
      const n = [q.scales.length];
      suffixes.push(
        'quantization_scheme=torch.per_channel_affine',
        `scale=${add_suffixes(`tensor(${values_str(q.scales, n, 'float64', indent)}`, ['dtype=torch.float64'], indent)}`,
        `zero_point=${add_suffixes(`tensor(${values_str(q.zero_points, n, 'int64', indent)}`, [], indent)}`,
        `axis=${q.axis}`,
      );
    }
    const d = t.dequantize();
    body = values_str(d.data, d.shape, 'float32', indent);
  } else if (numel(t.shape) === 0) {
    if (t.shape.length !== 1) suffixes.push(`size=${py_tuple(t.shape)}`);
    if (t.dtype !== 'float32') suffixes.push(`dtype=torch.${t.dtype}`);
    body = '[]';
  } else {
    if (!['float32', 'int64', 'bool'].includes(t.dtype)) suffixes.push(`dtype=torch.${t.dtype}`);
    body = values_str(t.data, t.shape, t.dtype, indent);
  }
  if (t.grad_fn) suffixes.push(`grad_fn=<${t.grad_fn.name}>`);
  else if (t.requires_grad) suffixes.push('requires_grad=True');
  return add_suffixes(prefix + body, suffixes, indent);
}

// String(tensor) prints as PyTorch from now on (tensor.ts holds a size-and-dtype fallback until then)
set_tensor_repr(tensor_repr);
