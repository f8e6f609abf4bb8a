/** ONNX export, browser-safe part: bytes in memory (node/export_file.ts writes files). */
export { check_model, model_problems } from './check.js';
export { OnnxExportError } from './context.js';
export {
  DEFAULT_OPSET,
  type DynamicAxes,
  type ExportOnnxOptions,
  export_onnx_bytes,
  export_onnx_model,
} from './export.js';
export { OP_TABLE } from './op_table.js';
export { decode_model, encode_model, type ModelProto } from './schema.js';
