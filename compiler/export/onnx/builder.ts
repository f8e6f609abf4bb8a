/**
 * Accumulates one ONNX graph: unique value names, initializers from typed arrays, nodes with typed
 * attributes, and the Q/DQ pairs of quantized tensors. Like onnx.helper's make_node / make_tensor,
 * it produces plain ModelProto objects; schema.ts turns them into bytes.
 */
import {
  type AttributeProto,
  AttributeType,
  DataType,
  type DataTypeCode,
  type NodeProto,
  type TensorProto,
} from './schema.js';

/** An attribute value: numbers are INT when whole and `float` is not asked, arrays likewise. */
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | { strings: string[] };

/** Quantization parameters of a tensor: per-tensor, or per-channel along `axis`. */
export type QParams =
  | { kind: 'per_tensor'; scale: number; zero_point: number; dtype: 'uint8' | 'int8' | 'int32' }
  | {
      kind: 'per_channel';
      scales: ArrayLike<number>;
      zero_points: ArrayLike<number>;
      axis: number;
      dtype: 'int8' | 'int32';
    };

type Numeric = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

const DTYPE_OF: Record<string, DataTypeCode> = {
  Float32Array: DataType.FLOAT,
  Int8Array: DataType.INT8,
  Uint8Array: DataType.UINT8,
  Int32Array: DataType.INT32,
  BigInt64Array: DataType.INT64,
};

function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`export_onnx: attribute '${name}' = ${v} is not an integer`);
    return { name, type: AttributeType.INT, i: v };
  }
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  if ('strings' in v)
    return { name, type: AttributeType.STRINGS, strings: v.strings.map((x) => new TextEncoder().encode(x)) };
  return { name, type: AttributeType.FLOATS, floats: v.floats };
}

function zp_array(dtype: string, values: ArrayLike<number>): Numeric {
  if (dtype === 'uint8') return Uint8Array.from(values);
  if (dtype === 'int8') return Int8Array.from(values);
  return Int32Array.from(values);
}

/** One ONNX graph under construction. */
export class OnnxGraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  /** Custom-domain opsets the nodes use (e.g. com.microsoft). */
  readonly domains = new Set<string>();
  private readonly used = new Set<string>();
  private readonly scalars = new Map<string, string>();

  /** A value name not used yet, derived from `hint` (graph names use '/' and '.' as ONNX exporters do). */
  fresh(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'v';
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves an exact name (graph inputs/outputs chosen by the user); a clash is an error. */
  reserve(name: string, what: string): string {
    if (this.used.has(name)) throw new Error(`export_onnx: ${what} name '${name}' is used twice`);
    this.used.add(name);
    return name;
  }

  /** Adds an initializer holding `data` with shape `dims`; returns its name. */
  initializer(hint: string, data: Numeric, dims: readonly number[]): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== data.length)
      throw new Error(`export_onnx: initializer '${hint}' has ${data.length} values for shape [${dims.join(', ')}]`);
    const name = this.fresh(hint);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.initializers.push({ name, dims: [...dims], data_type: DTYPE_OF[data.constructor.name], raw_data: bytes });
    return name;
  }

  /** A shared scalar / 1-D constant (scales, zero points, shapes), one initializer per distinct value. */
  constant(data: Numeric, dims: readonly number[] = []): string {
    const key = `${data.constructor.name}:${dims.join('x')}:${Array.from(data as ArrayLike<number | bigint>).join(',')}`;
    let name = this.scalars.get(key);
    if (!name) {
      name = this.initializer(dims.length === 0 ? 'const' : 'const_vec', data, dims);
      this.scalars.set(key, name);
    }
    return name;
  }

  /** An int64 1-D constant (shapes, axes, indices). */
  int64s(values: readonly number[]): string {
    return this.constant(BigInt64Array.from(values.map((v) => BigInt(v))), [values.length]);
  }

  /** Appends a node; `outputs` are hints made unique. Returns the output names. */
  node(
    op_type: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    options: { name?: string; domain?: string } = {},
  ): string[] {
    const out = outputs.map((o) => this.fresh(o));
    if (options.domain) this.domains.add(options.domain);
    this.nodes.push({
      input: [...inputs],
      output: out,
      name: this.fresh(options.name ?? `${out[0]}_${op_type}`),
      op_type,
      domain: options.domain ?? '',
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** One-output node shorthand. */
  op(op_type: string, inputs: readonly string[], out_hint: string, attrs: Record<string, AttrValue> = {}): string {
    return this.node(op_type, inputs, [out_hint], attrs)[0];
  }

  /** The scale and zero-point initializers of `qp` (scalars per tensor, vectors per channel). */
  qparam_inputs(qp: QParams): { scale: string; zero_point: string; axis?: number } {
    if (qp.kind === 'per_tensor')
      return {
        scale: this.constant(Float32Array.of(qp.scale)),
        zero_point: this.constant(zp_array(qp.dtype, [qp.zero_point])),
      };
    const n = qp.scales.length;
    return {
      scale: this.initializer('scale', Float32Array.from(qp.scales), [n]),
      zero_point: this.initializer('zero_point', zp_array(qp.dtype, qp.zero_points), [n]),
      axis: qp.axis,
    };
  }

  /** QuantizeLinear(x) with `qp`; returns the integer tensor's name. */
  quantize(x: string, qp: QParams, hint = x): string {
    const p = this.qparam_inputs(qp);
    return this.op(
      'QuantizeLinear',
      [x, p.scale, p.zero_point],
      `${hint}_q`,
      p.axis === undefined ? {} : { axis: p.axis },
    );
  }

  /** DequantizeLinear(q) with `qp`; returns the float tensor's name. */
  dequantize(q: string, qp: QParams, hint = q): string {
    const p = this.qparam_inputs(qp);
    return this.op(
      'DequantizeLinear',
      [q, p.scale, p.zero_point],
      `${hint}_dq`,
      p.axis === undefined ? {} : { axis: p.axis },
    );
  }
}
