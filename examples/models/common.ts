/**
 * What the example models share: where their weights live and how they are loaded.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load_safetensors, type nn, type Tensor } from '../../index.js';

/** examples/weights/, where the trained PyTorch weights (state_dict names) are kept. */
export const WEIGHTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'weights');

/** The default weights file of a reference model: examples/weights/<name>.safetensors. */
export function weights_path(name: string): string {
  return join(WEIGHTS_DIR, `${name}.safetensors`);
}

/**
 * Loads a safetensors state_dict into `model` strictly (every key must match, shapes too; errors name
 * the key) and returns the model, so `load_weights(create())` reads as one expression.
 */
export function load_state_from_file<M extends nn.Module>(model: M, path: string): M {
  const sd: Record<string, Tensor> = load_safetensors(path);
  try {
    model.load_state_dict(sd);
  } catch (e) {
    throw new Error(`loading ${path}: ${(e as Error).message}`);
  }
  return model;
}
