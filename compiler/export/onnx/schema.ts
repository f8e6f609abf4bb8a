/**
 * The ONNX model messages the exporter writes and reads, typed, over the static protobuf module that
 * scripts/gen_onnx_proto.ts compiles from onnx.proto (ONNX's schema: its field names and numbers) with
 * protobufjs's code generator. Only protobufjs/minimal runs at export time: no parser, no reflection,
 * nothing that reaches for a file system, so the exporter bundles for the browser.
 */
import { onnx_ModelProto } from './onnx_pb.generated.js';

/** TensorProto.DataType values the exporter uses. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values the exporter uses. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** The ONNX IR version that goes with an opset (onnx's VERSION_TABLE: opsets 13–18 → IR 8, 19–20 → 9, 21 → 10). */
export function ir_version_for(opset: number): number {
  return opset >= 21 ? 10 : opset >= 19 ? 9 : 8;
}

export interface TensorProto {
  name: string;
  dims: number[];
  data_type: DataTypeCode;
  raw_data: Uint8Array;
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain?: string;
  attribute: AttributeProto[];
}

/** A dimension: a fixed size or a symbolic name (a dynamic axis). */
export type Dim = { dim_value: number } | { dim_param: string };

export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: DataTypeCode; shape: { dim: Dim[] } } };
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  doc_string?: string;
}

export interface ModelProto {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  graph: GraphProto;
  doc_string?: string;
  metadata_props?: { key: string; value: string }[];
}

interface GeneratedMessage {
  encode(m: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  toObject(m: unknown, o: Record<string, unknown>): unknown;
}
const MODEL = onnx_ModelProto as unknown as GeneratedMessage;

/** Serializes a model to ONNX bytes. */
export function encode_model(model: ModelProto): Uint8Array {
  return MODEL.encode(model).finish();
}

/** Parses ONNX bytes back into plain objects (int64 as numbers, every field present). */
export function decode_model(bytes: Uint8Array): ModelProto {
  let msg: unknown;
  try {
    msg = MODEL.decode(bytes);
  } catch (e) {
    throw new Error(`decode_model: not an ONNX model (${(e as Error).message})`);
  }
  return MODEL.toObject(msg, { longs: Number, enums: Number, defaults: true, arrays: true }) as ModelProto;
}
