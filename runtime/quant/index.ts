/** quantization: quantized tensors, observers, fake quantization, QConfig and qconfig mapping (torch.ao.quantization). */
export * from './qparams.js';
export * from './qtensor.js';
export * from './factory.js';
export * from './observer_base.js';
export * from './minmax_observer.js';
export * from './per_channel_observer.js';
export * from './histogram_observer.js';
export { histc } from './histogram_math.js';
export * from './simple_observers.js';
export * from './fake_quantize_ops.js';
export * from './fake_quantize.js';
export * from './learnable_fake_quantize.js';
export * from './engine.js';
export * from './qconfig.js';
export * from './qconfig_mapping.js';
export * from './qconfig_resolve.js';
export * from './calibration_observers.js';
