/** The quantized-model file format on files (Node): save_quantized, and load_quantized of paths or bytes. */

export { LEFTOVER_AGE_MS, remove_leftovers, temp_pattern } from './atomic_replace.js';
export { load_quantized, type SaveQuantizedOptions, save_quantized, source_path_of } from './quantized_file.js';
