/**
 * Layout rows: permute / transpose / t, squeeze / unsqueeze, narrow, mean. Dims are literal integers
 * (negative ones resolved against the example's rank); quantized tensors pass through between Q/DQ with
 * their qparams unchanged, which ONNX Runtime turns into uint8 Transpose / Squeeze / Slice.
 */
import type { Argument, Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError, type OnnxValue } from './context.js';
import { shape_input } from './functions.js';
import type { CallEntry } from './op_entry.js';

const float = (name: string): OnnxValue => ({ kind: 'float', name });

function rank(ctx: ExportContext, node: Node): number {
  return ctx.tensor(node.args[0] as Node).ndim;
}

function int(node: Node, a: Argument, what: string): number {
  if (typeof a !== 'number' || !Number.isInteger(a))
    throw new OnnxExportError(node, `${what} must be a literal integer`);
  return a;
}

const norm = (d: number, r: number) => (d < 0 ? d + r : d);

/** The dims of permute(x, d0, d1, …) or permute(x, [d0, d1, …]). */
function dims_list(node: Node): number[] {
  const rest = node.args.slice(1);
  const list = rest.length === 1 && Array.isArray(rest[0]) ? (rest[0] as readonly Argument[]) : rest;
  return list.map((d) => int(node, d, 'a dim'));
}

function row(
  kind: 'function' | 'method',
  targets: string[],
  onnx: string,
  f: (ctx: ExportContext, n: Node, x: string) => string,
): CallEntry {
  return { kind, targets, onnx, emit: (ctx, n) => float(f(ctx, n, ctx.float(n.args[0], n))) };
}

function permute(ctx: ExportContext, n: Node, x: string): string {
  const r = rank(ctx, n);
  return ctx.b.op('Transpose', [x], n.name, { perm: dims_list(n).map((d) => norm(d, r)) });
}
function transpose(ctx: ExportContext, n: Node, x: string): string {
  const r = rank(ctx, n);
  const perm = [...Array(r).keys()];
  const a = norm(int(n, n.args[1], 'dim0'), r);
  const c = norm(int(n, n.args[2], 'dim1'), r);
  [perm[a], perm[c]] = [perm[c], perm[a]];
  return ctx.b.op('Transpose', [x], n.name, { perm });
}
function t(ctx: ExportContext, n: Node, x: string): string {
  return rank(ctx, n) < 2 ? x : ctx.b.op('Transpose', [x], n.name, { perm: [1, 0] });
}
function squeeze(ctx: ExportContext, n: Node, x: string): string {
  const r = rank(ctx, n);
  const shape = ctx.tensor(n.args[0] as Node).shape;
  const arg = n.args[1] ?? n.kwargs.dim;
  // torch drops only size-1 dims; with no dim, every size-1 dim of the example (fixed at export)
  const axes =
    arg === undefined
      ? shape.flatMap((s, i) => (s === 1 ? [i] : []))
      : [norm(int(n, arg, 'dim'), r)].filter((d) => shape[d] === 1);
  return axes.length ? ctx.b.op('Squeeze', [x, ctx.b.int64s(axes)], n.name) : x;
}
function unsqueeze(ctx: ExportContext, n: Node, x: string): string {
  const d = int(n, n.args[1] ?? n.kwargs.dim, 'dim');
  return ctx.b.op('Unsqueeze', [x, ctx.b.int64s([norm(d, rank(ctx, n) + 1)])], n.name);
}
function narrow(ctx: ExportContext, n: Node, x: string): string {
  const d = norm(int(n, n.args[1], 'dim'), rank(ctx, n));
  const start = int(n, n.args[2], 'start');
  const len = int(n, n.args[3], 'length');
  const b = ctx.b;
  return b.op('Slice', [x, b.int64s([start]), b.int64s([start + len]), b.int64s([d])], n.name);
}
function mean(ctx: ExportContext, n: Node, x: string): string {
  const r = rank(ctx, n);
  const dim = n.args[1] ?? n.kwargs.dim;
  const keep = (n.args[2] ?? n.kwargs.keepdim) === true;
  const axes =
    dim === undefined || dim === null
      ? [...Array(r).keys()]
      : (Array.isArray(dim) ? (dim as readonly Argument[]) : [dim]).map((d) => norm(int(n, d, 'dim'), r));
  return ctx.reduce_mean(x, axes, keep, n.name);
}

/** x.index(e0, e1, …) (fxq's x[…]): null keeps a dim, [start, end, step] slices it (one Slice), a number selects (Gather). */
function index(ctx: ExportContext, n: Node, x: string): string {
  const entries = n.args.slice(1);
  const starts: number[] = [];
  const ends: number[] = [];
  const axes: number[] = [];
  const steps: number[] = [];
  const picks: [number, number][] = [];
  entries.forEach((e, d) => {
    if (e === null || e === undefined) return;
    if (typeof e === 'number') picks.push([d, int(n, e, 'an index')]);
    else if (Array.isArray(e)) {
      const [a, b, c] = e as (number | null | undefined)[];
      starts.push(a ?? 0);
      ends.push(b ?? Number.MAX_SAFE_INTEGER);
      steps.push(c ?? 1);
      axes.push(d);
    } else throw new OnnxExportError(n, `index entry ${d} must be a number, a [start, end, step] slice or null`);
  });
  const b = ctx.b;
  let y = x;
  if (axes.length) y = b.op('Slice', [y, b.int64s(starts), b.int64s(ends), b.int64s(axes), b.int64s(steps)], n.name);
  // highest dim first, so the lower dims keep their positions
  for (const [d, i] of picks.sort((p, q) => q[0] - p[0]))
    y = b.op('Gather', [y, b.constant(BigInt64Array.of(BigInt(i)))], n.name, { axis: d });
  return y;
}

/** x.expand(sizes…): Expand with -1 written as 1 (ONNX broadcasting keeps that dim); traced sizes via Shape. */
function expand(ctx: ExportContext, n: Node, x: string): string {
  const rest = n.args.slice(1);
  const sizes = rest.length === 1 && Array.isArray(rest[0]) ? (rest[0] as readonly Argument[]) : rest;
  const shape = shape_input(
    ctx,
    sizes.map((s) => (s === -1 ? 1 : s)),
    n,
  );
  return ctx.b.op('Expand', [x, shape], n.name);
}

export const SHAPE_OP_ENTRIES: CallEntry[] = [
  row('method', ['index'], 'Slice (slices) + Gather (numbers)', index),
  row('method', ['expand'], 'Expand', expand),
  row('function', ['permute'], 'Transpose', permute),
  row('method', ['permute'], 'Transpose', permute),
  row('function', ['transpose'], 'Transpose', transpose),
  row('method', ['transpose'], 'Transpose', transpose),
  row('function', ['t'], 'Transpose', t),
  row('method', ['t'], 'Transpose', t),
  row('function', ['squeeze'], 'Squeeze', squeeze),
  row('method', ['squeeze'], 'Squeeze', squeeze),
  row('function', ['unsqueeze'], 'Unsqueeze', unsqueeze),
  row('method', ['unsqueeze'], 'Unsqueeze', unsqueeze),
  row('function', ['narrow'], 'Slice', narrow),
  row('method', ['narrow'], 'Slice', narrow),
  row('function', ['mean'], 'ReduceMean', mean),
  row('method', ['mean'], 'ReduceMean', mean),
];
