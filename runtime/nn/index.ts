/** nn: modules and layers, as torch.nn. */
export * from './module.js';
export * from './parameter.js';
export * from './containers.js';
