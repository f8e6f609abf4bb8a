/**
 * Schemas of the module types of issue #16's rest of torch.nn, part 1 (Conv1d and its fusions). Imported by
 * module_schemas.ts only (MAX_SIZE / MAX_WINDOW are read lazily, inside `tensors`, so the import cycle is harmless).
 */
import { type ChildRule, MAX_SIZE, MAX_WINDOW, type ModuleSchema } from './module_schemas.js';
import { preview } from './preview.js';
import { arity, bool, fail, int, opts, or_, out_qparams, qweight, t } from './schema_checks.js';

/** An int or a 1-tuple (torch's _single), within lo..hi. */
function single(v: unknown, name: string, lo: number, hi: number): number {
  if (Array.isArray(v))
    return v.length === 1 ? int(v[0], `${name}[0]`, lo, hi) : fail(`argument ${name} is not an int or a 1-tuple`);
  return int(v, name, lo, hi);
}

/** Conv1d arguments: channels, groups dividing both, kernel, stride / dilation ≥ 1, padding ≤ dilation·kernel. */
function conv1d_geometry(a: unknown[], o: Record<string, unknown>, float: boolean) {
  const cin = int(a[0], 'in_channels', 1, MAX_SIZE);
  const cout = int(a[1], 'out_channels', 1, MAX_SIZE);
  const k = single(a[2], 'kernel_size', 1, MAX_WINDOW);
  const groups = int(or_(o.groups, 1), 'groups', 1, MAX_SIZE);
  if (cin % groups || cout % groups)
    fail(`groups ${groups} does not divide in_channels ${cin} and out_channels ${cout}`);
  single(or_(o.stride, 1), 'stride', 1, MAX_WINDOW);
  const d = single(or_(o.dilation, 1), 'dilation', 1, MAX_WINDOW);
  if (o.padding_mode !== undefined && o.padding_mode !== 'zeros')
    fail(`padding_mode ${preview(o.padding_mode, 40)} is not 'zeros'`);
  if (!float || (o.padding !== 'same' && o.padding !== 'valid')) {
    const p = single(or_(o.padding, 0), 'padding', 0, MAX_WINDOW);
    if (p > d * k) fail(`padding ${p} exceeds dilation·kernel ${d * k}`);
  }
  return { weight: [cout, cin / groups, k], cout, bias: bool(o.bias, 'bias', true) };
}

const conv_keys = ['stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode'];

const q_conv1d: ModuleSchema = {
  children: 'none',
  tensors: (a) => {
    arity(a, 3, 4);
    const g = conv1d_geometry(a, opts(a[3], conv_keys), false);
    return [...qweight('weight', g.weight), ...(g.bias ? [t('bias', 'F32', 'float', [g.cout])] : []), ...out_qparams];
  },
};
const float_conv1d: ModuleSchema = {
  children: 'none',
  tensors: (a) => {
    arity(a, 3, 4);
    const g = conv1d_geometry(a, opts(a[3], conv_keys), true);
    return [t('weight', 'F32', 'float', g.weight), ...(g.bias ? [t('bias', 'F32', 'float', [g.cout])] : [])];
  },
};
/** A fused float container: exactly these child types as '0', '1', …, no arguments. */
const fused = (children: ChildRule): ModuleSchema => ({
  children,
  tensors: (a) => {
    arity(a, 0, 0);
    return [];
  },
});

/** [type, schema] of every module type module_specs_more.ts names. */
export const NN_MORE_SCHEMAS: readonly [string, ModuleSchema][] = [
  ['nn.quantized.Conv1d', q_conv1d],
  ['nn.intrinsic.quantized.ConvReLU1d', q_conv1d],
  ['nn.Conv1d', float_conv1d],
  ['nn.intrinsic.ConvReLU1d', fused(['nn.Conv1d', 'nn.ReLU'])],
];
