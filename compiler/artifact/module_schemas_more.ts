/**
 * Schemas of the module types of issue #16's rest of torch.nn, part 1 (Conv1d and its fusions). Imported by
 * module_schemas.ts only (MAX_SIZE / MAX_WINDOW are read lazily, inside `tensors`, so the import cycle is harmless).
 */
import { type ChildRule, conv_geometry_nd, MAX_SIZE, MAX_WINDOW, type ModuleSchema } from './module_schemas.js';
import { preview } from './preview.js';
import { arity, bool, fail, int, opts, or_, out_qparams, pair, qweight, t } from './schema_checks.js';

/** An int or a 1-tuple (torch's _single), within lo..hi. */
function single(v: unknown, name: string, lo: number, hi: number): number {
  if (Array.isArray(v))
    return v.length === 1 ? int(v[0], `${name}[0]`, lo, hi) : fail(`argument ${name} is not an int or a 1-tuple`);
  return int(v, name, lo, hi);
}

/** Conv1d arguments, as Conv2d's with ints or 1-tuples. */
const conv1d_geometry = (a: unknown[], o: Record<string, unknown>, float: boolean) =>
  conv_geometry_nd(
    a,
    o,
    float,
    (v, name, lo, hi) => [single(v, name, lo, hi)],
    (v) => `${v[0]}`,
  );

const conv_keys = ['stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode'];

/** ConvTranspose2d arguments: weight [in, out/groups, kh, kw]; output_padding below stride or dilation, as torch requires. */
function convt_geometry(a: unknown[], o: Record<string, unknown>) {
  const cin = int(a[0], 'in_channels', 1, MAX_SIZE);
  const cout = int(a[1], 'out_channels', 1, MAX_SIZE);
  const k = pair(a[2], 'kernel_size', 1, MAX_WINDOW);
  const groups = int(or_(o.groups, 1), 'groups', 1, MAX_SIZE);
  if (cin % groups || cout % groups)
    fail(`groups ${groups} does not divide in_channels ${cin} and out_channels ${cout}`);
  const s = pair(or_(o.stride, 1), 'stride', 1, MAX_WINDOW);
  const d = pair(or_(o.dilation, 1), 'dilation', 1, MAX_WINDOW);
  const p = pair(or_(o.padding, 0), 'padding', 0, MAX_WINDOW);
  const op = pair(or_(o.output_padding, 0), 'output_padding', 0, MAX_WINDOW);
  for (const i of [0, 1]) {
    if (op[i] >= s[i] && op[i] >= d[i]) fail(`output_padding [${op}] is not below stride [${s}] or dilation [${d}]`);
    if (p[i] > d[i] * k[i]) fail(`padding [${p}] exceeds dilation·kernel [${d[0] * k[0]}, ${d[1] * k[1]}]`);
  }
  if (o.padding_mode !== undefined && o.padding_mode !== 'zeros')
    fail(`padding_mode ${preview(o.padding_mode, 40)} is not 'zeros'`);
  return { weight: [cin, cout / groups, k[0], k[1]], cout, bias: bool(o.bias, 'bias', true) };
}
const convt_keys = ['stride', 'padding', 'output_padding', 'dilation', 'groups', 'bias', 'padding_mode'];
/** The int8 transposed conv: per-channel qparams run along axis 1 (one per output channel, groups 1). */
const q_convt: ModuleSchema = {
  children: 'none',
  tensors: (a) => {
    arity(a, 3, 4);
    const g = convt_geometry(a, opts(a[3], convt_keys));
    const per = [g.weight[1]];
    return [
      t('weight', 'I8', 'qweight', g.weight),
      t('weight_scale', 'F32', 'wscale', [1], per),
      t('weight_zero_point', 'I64', 'wzp', [1], per),
      ...(g.bias ? [t('bias', 'F32', 'float', [g.cout])] : []),
      ...out_qparams,
    ];
  },
};
const float_convt: ModuleSchema = {
  children: 'none',
  tensors: (a) => {
    arity(a, 3, 4);
    const g = convt_geometry(a, opts(a[3], convt_keys));
    return [t('weight', 'F32', 'float', g.weight), ...(g.bias ? [t('bias', 'F32', 'float', [g.cout])] : [])];
  },
};

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

/** An upsampling size / scale_factor: null, or a positive value or two (`integer`: sizes). */
function sizes(v: unknown, name: string, integer: boolean): void {
  if (v === null || v === undefined) return;
  const l = Array.isArray(v) ? v : [v];
  if (l.length < 1 || l.length > 2) fail(`argument ${name} is not a value or a pair`);
  for (const [i, x] of l.entries()) {
    if (integer) int(x, `${name}[${i}]`, 1, MAX_WINDOW * MAX_WINDOW);
    else if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0 || x > MAX_WINDOW)
      fail(`argument ${name}[${i}] = ${preview(x, 40)} is not a number in (0, ${MAX_WINDOW}]`);
  }
}
/** nn.Upsample and its two fixed-mode subclasses: one options object (size xor scale_factor). */
function upsample(keys: readonly string[]): ModuleSchema {
  return {
    children: 'none',
    tensors: (a) => {
      arity(a, 0, 1);
      const o = opts(a[0], keys);
      sizes(o.size, 'size', true);
      sizes(o.scale_factor, 'scale_factor', false);
      if ((o.size ?? null) === null && (o.scale_factor ?? null) === null) fail('needs size or scale_factor');
      if (o.mode !== undefined && o.mode !== 'nearest' && o.mode !== 'bilinear')
        fail(`argument mode = ${preview(o.mode, 40)} is not 'nearest' or 'bilinear'`);
      if (o.align_corners !== undefined && o.align_corners !== null) bool(o.align_corners, 'align_corners', false);
      return [];
    },
  };
}

/** [type, schema] of every module type module_specs_more.ts names. */
export const NN_MORE_SCHEMAS: readonly [string, ModuleSchema][] = [
  ['nn.quantized.Conv1d', q_conv1d],
  ['nn.intrinsic.quantized.ConvReLU1d', q_conv1d],
  ['nn.Conv1d', float_conv1d],
  ['nn.intrinsic.ConvReLU1d', fused(['nn.Conv1d', 'nn.ReLU'])],
  ['nn.quantized.ConvTranspose2d', q_convt],
  ['nn.ConvTranspose2d', float_convt],
  ['nn.Upsample', upsample(['size', 'scale_factor', 'mode', 'align_corners'])],
  ['nn.UpsamplingNearest2d', upsample(['size', 'scale_factor'])],
  ['nn.UpsamplingBilinear2d', upsample(['size', 'scale_factor'])],
];
