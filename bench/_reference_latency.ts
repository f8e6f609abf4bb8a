/**
 * docs/reference/RESULTS.md §5 (the reference run: PyTorch 1.13 + ONNX Runtime 1.30 on this
 * machine kind): single-thread median ms per call, first pass. Printed by `bench models` for context
 * only — the bench never compares its own figures against these (different run, ~25% VM noise).
 */

/** One reference row: PyTorch (oneDNN fp32, qnnpack int8), onnxruntime-node and onnxruntime-web (wasm). */
export interface ReferenceLatency {
  torch_fp32: number;
  torch_int8: number;
  ort_node_fp32: number;
  ort_node_int8: number;
  ort_web_fp32: number;
  ort_web_int8: number;
}

/** Keyed `${model}/${batch}`. */
export const REFERENCE_LATENCY: Record<string, ReferenceLatency> = {
  'fmnist_cnn/1': {
    torch_fp32: 0.633,
    torch_int8: 0.643,
    ort_node_fp32: 0.19,
    ort_node_int8: 0.203,
    ort_web_fp32: 0.836,
    ort_web_int8: 1.017,
  },
  'fmnist_cnn/32': {
    torch_fp32: 11.7,
    torch_int8: 14.0,
    ort_node_fp32: 4.035,
    ort_node_int8: 3.993,
    ort_web_fp32: 24.0,
    ort_web_int8: 20.3,
  },
  'fmnist_resnet/1': {
    torch_fp32: 1.07,
    torch_int8: 1.408,
    ort_node_fp32: 0.334,
    ort_node_int8: 0.309,
    ort_web_fp32: 2.061,
    ort_web_int8: 1.303,
  },
  'fmnist_resnet/32': {
    torch_fp32: 16.1,
    torch_int8: 30.2,
    ort_node_fp32: 8.618,
    ort_node_int8: 7.431,
    ort_web_fp32: 56.2,
    ort_web_int8: 33.1,
  },
  'resnet18/1': {
    torch_fp32: 86.8,
    torch_int8: 153.1,
    ort_node_fp32: 47.3,
    ort_node_int8: 26.2,
    ort_web_fp32: 228.6,
    ort_web_int8: 121.7,
  },
  'resnet18/32': {
    torch_fp32: 2418.0,
    torch_int8: 4352.8,
    ort_node_fp32: 1470.1,
    ort_node_int8: 812.4,
    ort_web_fp32: 7915.8,
    ort_web_int8: 3746.2,
  },
};
