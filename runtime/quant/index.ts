/** quantization: quantized tensors, observers, fake quantization, QConfig and qconfig mapping (torch.ao.quantization). */

export * from './calibration_observers.js';
export * from './engine.js';
export * from './factory.js';
export * from './fake_quantize.js';
export * from './fake_quantize_ops.js';
export { histc } from './histogram_math.js';
export * from './histogram_observer.js';
export * from './learnable_fake_quantize.js';
export * from './minmax_observer.js';
export * from './observer_base.js';
export * from './per_channel_observer.js';
export * from './qconfig.js';
export * from './qconfig_mapping.js';
export * from './qconfig_resolve.js';
export * from './qparams.js';
export * from './qtensor.js';
export * from './simple_observers.js';
