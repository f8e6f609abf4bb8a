/** Post-training quantization methods beyond observers and round-to-nearest (issue 19): see README.md here. */

export {
  type AdaRoundLayerReport,
  type AdaRoundOptions,
  adaround,
  adaround_weights,
  output_mse,
  round_to_nearest,
} from './adaround.js';
export { adaround_calibrate } from './adaround_calibrate.js';
export {
  type BiasCorrectionOptions,
  type BiasCorrectionReport,
  bias_correction,
  bias_correction_analytic,
  expected_relu,
} from './bias_correction.js';
export { type BnStatistics, bn_statistics } from './bn_statistics.js';
export { channel_ranges, input_channel_ranges } from './channel_weights.js';
export {
  describe_equalization,
  type EqualizationReport,
  type EqualizedPair,
  type EqualizeOptions,
  equalize,
  find_equalization_pairs,
} from './cross_layer_equalization.js';
export {
  FrozenWeightObserver,
  freeze_weight,
  nearest_integers,
  type WeightGrid,
  weight_grid,
} from './frozen_weights.js';
export { type CollectOptions, collect_layer_inputs, type LayerInputStats } from './layer_inputs.js';
export { type WeightedLayer, weighted_layers } from './layers.js';
