/**
 * Named qconfigs for the tools and the CLI (`--qconfig NAME`): worker threads and child processes cannot
 * receive observer factories, so they agree on a name and rebuild the qconfig from it.
 */
import { HistogramObserver } from '../../runtime/quant/histogram_observer.js';
import { MinMaxObserver } from '../../runtime/quant/minmax_observer.js';
import { PerChannelMinMaxObserver } from '../../runtime/quant/per_channel_observer.js';
import {
  default_dynamic_qconfig,
  get_default_qat_qconfig,
  get_default_qconfig,
  QConfig,
} from '../../runtime/quant/qconfig.js';

/**
 * 4-bit values in int8 containers: activations quint8 restricted to 0..15 (HistogramObserver), weights
 * qint8 restricted to −8..7 (symmetric MinMax). The int8 kernels run unchanged; only the grid is coarser.
 */
export function get_4bit_qconfig(): QConfig {
  return QConfig({
    activation: HistogramObserver.with_args({ dtype: 'quint8', quant_min: 0, quant_max: 15 }),
    weight: MinMaxObserver.with_args({ dtype: 'qint8', qscheme: 'per_tensor_symmetric', quant_min: -8, quant_max: 7 }),
  });
}

/** qnnpack-style activations with per-channel symmetric weights (docs/reference/RESULTS.md's per_channel variant). */
export function get_per_channel_qconfig(): QConfig {
  return QConfig({
    activation: HistogramObserver.with_args({ dtype: 'quint8', reduce_range: false }),
    weight: PerChannelMinMaxObserver.with_args({ dtype: 'qint8', qscheme: 'per_channel_symmetric' }),
  });
}

/** The qconfig names the tools accept. */
export const QCONFIG_NAMES = ['qnnpack', 'fbgemm', 'per_channel', '4bit', 'dynamic', 'qat'] as const;
export type QConfigName = (typeof QCONFIG_NAMES)[number];

/** The qconfig for a name; an unknown name lists the known ones. */
export function qconfig_by_name(name: string): QConfig {
  switch (name) {
    case 'qnnpack':
      return get_default_qconfig('qnnpack');
    case 'fbgemm':
      return get_default_qconfig('fbgemm');
    case 'per_channel':
      return get_per_channel_qconfig();
    case '4bit':
      return get_4bit_qconfig();
    case 'dynamic':
      return default_dynamic_qconfig;
    case 'qat':
      return get_default_qat_qconfig('qnnpack');
    default:
      throw new Error(`unknown qconfig '${name}' (known: ${QCONFIG_NAMES.join(', ')})`);
  }
}
